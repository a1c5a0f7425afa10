"""Request and response bodies of the HTTP contract, as the OpenAPI document shows them.

Requests are checked here for shape (strict types, no unknown fields, slugs,
non-blank text, lengths) so that every body the schema refuses is refused,
and then by the domain for meaning (EDTF dates, registered references). The
responses are documented here but written from the views' pre-serialized
JSON, so these classes also say exactly what those bytes hold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

from domain import RELATIONS, ValidationError, parse_edtf_date
from domain.actors import ACTOR_KINDS
from domain.details import KINDS, Detail, EntryKind, Record
from domain.values import MAX_ITEMS, require_slug
from projections import TimelineFilters
from projections.views.actor_versions import EVENT_NAMES as ACTOR_EVENT_NAMES

__all__ = [
    "DETAIL_MODELS",
    "DOMAIN_RULES",
    "ActorHistoryPage",
    "ActorIn",
    "ActorOut",
    "ActorPage",
    "ActorSearchPage",
    "ActorVersions",
    "AliasIn",
    "CitationBody",
    "CorrectionIn",
    "EntryHistory",
    "EntryIn",
    "EntryLinks",
    "EntryOut",
    "ExportQuery",
    "LinkIn",
    "LogEvent",
    "MergeIn",
    "RenameIn",
    "RetractionIn",
    "RoleAssumedIn",
    "RoleEndIn",
    "SourceIn",
    "SourceOut",
    "SourcePage",
    "TimelinePage",
    "TimelineQuery",
    "TopicsPage",
]

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DOMAIN_RULES = frozenset({"slug", "edtf"})
"""The error types whose `msg` is the domain's own message (see `_domain_rule`)."""


def _domain_rule(kind: str, check: Callable[[str], object]) -> AfterValidator:
    """A validator that asks the domain: a refusal carries the domain's own words as
    its `msg`, so a value is answered alike in a body, a query, an import and the CLI."""

    def validate(value: str) -> str:
        try:
            check(value)
        except ValidationError as error:
            # A custom error: a ValueError's message would be prefixed "Value error, ".
            raise PydanticCustomError(kind, "{reason}", {"reason": error.message}) from None
        return value

    return AfterValidator(validate)


# The pattern stays in the document for clients; the check is the domain's, which
# says which id to use when a name is given ('Ken Salazar': use ken-salazar).
Slug = Annotated[
    str,
    StringConstraints(max_length=200),
    _domain_rule("slug", lambda value: require_slug(value, "")),
    WithJsonSchema({"type": "string", "pattern": SLUG, "maxLength": 200}),
]
# Text holds something besides spaces (the domain strips them) and no control
# characters but tab and line breaks (the domain refuses them: PostgreSQL
# cannot store NUL).
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"


Text = Annotated[str, StringConstraints(pattern=TEXT, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(pattern=TEXT, max_length=300)]
Title = Annotated[str, StringConstraints(pattern=TEXT, max_length=500)]
SourceTitle = Annotated[str, StringConstraints(pattern=TEXT, max_length=1000)]
RoleText = Annotated[str, StringConstraints(pattern=TEXT, max_length=200)]
# No pattern: what EDTF the engine takes is the domain's to say (`domain.dates`),
# and a pattern short of its grammar would refuse in other words than the import.
Edtf = Annotated[
    str,
    StringConstraints(max_length=100),
    _domain_rule("edtf", lambda value: parse_edtf_date(value, "")),
    Field(
        description="An EDTF date, by the day at finest: 2023-12-27, 2023-12, 2023, "
        "2023-12-18/2023-12-22, 2023-12-21~ (approximate), 2023-12? (uncertain)",
        examples=["2023-12-27", "2023-12", "2023-12-18/2023-12-22"],
    ),
]
# Whole numbers a JSON reader anywhere can hold exactly (2^53 - 1).
SAFE = 2**53 - 1


def _whole(value: Any) -> Any:
    # JSON Schema's "integer" is any number with no fraction, 42.0 among them;
    # strict models would refuse it, so it is read as the whole number it is.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# The bounds come before the validator: after it, pydantic can only check them
# itself, and the OpenAPI document would say `ge`/`le`, which JSON Schema does
# not know, so clients (and schemathesis) would take 0 for a valid version.
Count = Annotated[int, Field(ge=0, le=SAFE), BeforeValidator(_whole)]


def _exact(value: Any) -> Any:
    # Before the union is tried: a float would take a too-large whole number
    # silently, losing digits the domain would refuse to lose.
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE:
        raise ValueError(f"expected a whole number within ±{SAFE}, or a decimal")
    return value


Number = Annotated[int | float, BeforeValidator(_exact)]
Version = Annotated[int, Field(ge=1, le=SAFE), BeforeValidator(_whole)]


def _one_value_of(values: tuple[str, ...]) -> Any:
    """`Literal` of `values`: an enum in the schema."""
    return cast(Any, Literal)[values]


def _one_model_of(models: tuple[type[BaseModel], ...]) -> Any:
    """The union of `models`."""
    return reduce(operator.or_, models)


# The domain's vocabularies, written out as enums by the schema. Made at run
# time from the domain's tables, so mypy sees plain text.
if TYPE_CHECKING:
    ActorKind = str
    Kind = str
    Relation = str
else:
    ActorKind = _one_value_of(ACTOR_KINDS)
    Kind = _one_value_of(tuple(KINDS))
    Relation = _one_value_of(RELATIONS)


class Strict(BaseModel):
    """A body part that takes JSON types as they are and refuses unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Open(BaseModel):
    """A response part: documented fully, read as written."""

    model_config = ConfigDict(extra="forbid")


# Actors --------------------------------------------------------------------


class RoleIn(Strict):
    title: ShortText
    organization: Text | None = None
    start: Edtf | None = None
    end: Edtf | None = None


class ActorIn(Strict):
    id: Slug | None = Field(None, description="A slug; derived from the name when absent")
    name: ShortText
    kind: ActorKind
    aliases: Annotated[list[Text], Field(max_length=MAX_ITEMS)] | None = None
    roles: Annotated[list[RoleIn], Field(max_length=MAX_ITEMS)] | None = None


class RoleOut(Open):
    title: str
    organization: str | None = None
    start: str | None = None
    end: str | None = None


class ActorOut(Open):
    id: str
    name: str
    kind: ActorKind
    aliases: list[str]
    roles: list[RoleOut]
    merged_into: str | None
    version: int
    position: int
    registered_at: str


class CoActor(Open):
    actor: str
    entries: int


class ActorPage(ActorOut):
    entries: int = Field(description="Active entries the actor appears in")
    co_actors: list[CoActor] = Field(description="The actors it appears with most often")


class ActorSearchPage(Open):
    items: list[ActorOut]
    next_cursor: str | None


# Sources -------------------------------------------------------------------


class SourceIn(Strict):
    id: Slug | None = Field(None, description="A slug; derived from the title when absent")
    title: SourceTitle
    publisher: ShortText
    authors: Annotated[list[Text], Field(max_length=MAX_ITEMS)] | None = None
    url: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]", max_length=20_000)] | None
    ) = None
    published: Edtf | None = None
    note: Text | None = None


class SourceOut(Open):
    id: str
    title: str
    publisher: str
    authors: list[str]
    url: str | None
    published: str | None
    note: str | None
    registered_at: str


# Entries -------------------------------------------------------------------


class ActorRoleIn(Strict):
    actor: Slug
    role: RoleText


class CitationIn(Strict):
    source: Slug
    quote: Text | None = None
    locator: Text | None = None


class EntryFieldsIn(Strict):
    title: Title
    summary: Text
    occurred: Edtf
    actors: Annotated[list[ActorRoleIn], Field(max_length=MAX_ITEMS)]
    topics: Annotated[list[Slug], Field(max_length=MAX_ITEMS)]
    location: Text | None = None
    sources: Annotated[list[CitationIn], Field(min_length=1, max_length=MAX_ITEMS)]
    note: Text | None = None


# Each kind's details, and its entry in and out, are built from the domain's
# table of kinds (`domain.details.KINDS`): a kind or a field added there is
# documented and checked here without another edit.

_TYPES: dict[str, Any] = {
    "actor": Slug,
    "text": Text,
    "count": Count,
    "number": Number,
    "edtf": Edtf,
}
_RECORD_MODELS: dict[str, type[Strict]] = {}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _field(detail: Detail) -> tuple[Any, Any]:
    """The annotation and default of one detail field, as `create_model` takes them."""
    annotation: Any
    if detail.type == "choice":
        annotation = _one_value_of(detail.choices)
    elif detail.record is not None:
        annotation = _record_model(detail.record)
    else:
        annotation = _TYPES[detail.type]
    if detail.least is not None:
        annotation = Annotated[
            cast(Any, list)[annotation],
            Field(min_length=detail.least or None, max_length=MAX_ITEMS),
        ]
    if detail.required:
        return annotation, ...
    return annotation | None, None


def _record_model(record: Record) -> type[Strict]:
    # One model per record, however many kinds use it: the schema names it once.
    if record.name not in _RECORD_MODELS:
        fields: dict[str, Any] = {f.name: _field(f) for f in record.fields}
        _RECORD_MODELS[record.name] = create_model(_camel(record.name), __base__=Strict, **fields)
    return _RECORD_MODELS[record.name]


def _details_model(kind: EntryKind) -> type[Strict]:
    fields: dict[str, Any] = {d.name: _field(d) for d in kind.details}
    return create_model(f"{_camel(kind.name)}Details", __base__=Strict, **fields)


DETAIL_MODELS = {name: _details_model(kind) for name, kind in KINDS.items()}


def _entry_models(base: type[BaseModel], suffix: str) -> tuple[type[BaseModel], ...]:
    """One model per kind: `base`'s fields, then `kind` fixed and the kind's `details`."""
    return tuple(
        create_model(
            f"{_camel(name)}{suffix}",
            __base__=base,
            kind=(_one_value_of((name,)), ...),
            details=(DETAIL_MODELS[name], ...),
        )
        for name in KINDS
    )


# mypy sees a model of some kind; the schema, one model per kind.
if TYPE_CHECKING:
    EntryIn = EntryFieldsIn
    AnyDetails = Strict
else:
    EntryIn = Annotated[
        _one_model_of(_entry_models(EntryFieldsIn, "In")), Field(discriminator="kind")
    ]
    AnyDetails = _one_model_of(tuple(DETAIL_MODELS.values()))


class EntryChanges(Strict):
    """The fields a correction may change: any but the kind and the sources."""

    title: Title | None = None
    summary: Text | None = None
    occurred: Edtf | None = None
    actors: Annotated[list[ActorRoleIn], Field(max_length=MAX_ITEMS)] | None = None
    topics: Annotated[list[Slug], Field(max_length=MAX_ITEMS)] | None = None
    location: Text | None = None
    details: AnyDetails | None = Field(None, description="The whole details of the entry's kind")
    note: Text | None = None


class CorrectionIn(Strict):
    expected_version: Version
    changes: EntryChanges
    reason: Text
    source: CitationIn | None = None


class RetractionIn(Strict):
    expected_version: Version
    reason: Text


class LinkIn(Strict):
    relation: Relation
    entry: Annotated[str, Field(description="The id of the entry this one is linked to")]
    expected_version: Version | None = None


class Citation(Open):
    source: str
    quote: str | None = None
    locator: str | None = None


class ActorRole(Open):
    actor: str
    role: str


class Link(Open):
    relation: Relation
    entry: str = Field(description="The id of the entry linked to, as the link was written")
    target: str = Field(
        description="The same id under its v1 name; deprecated, to be dropped in v1.2"
    )


class LinkedEntry(Open):
    """One end of a link, seen from the other: how it relates, and the other entry's id."""

    relation: Relation
    entry: str


class EntryOutFields(Open):
    id: str
    title: str
    summary: str
    occurred: str
    actors: list[ActorRole]
    topics: list[str]
    location: str | None
    sources: list[Citation]
    note: str | None
    occurred_start: str = Field(description="The first day the occurred date covers (ISO)")
    occurred_end: str = Field(description="The last day the occurred date covers (ISO)")
    links: list[Link]
    incoming_links: list[LinkedEntry] | None = Field(
        None,
        description="Links other entries made to this one (`GET /entries/{id}` only): "
        "`entry` is the entry that made the link",
    )
    status: Literal["active", "retracted"]
    retraction_reason: str | None
    version: int
    position: int = Field(description="The log position of this version")
    recorded_at: str
    updated_at: str


if TYPE_CHECKING:
    EntryOut = EntryOutFields
else:
    EntryOut = Annotated[
        _one_model_of(_entry_models(EntryOutFields, "Out")), Field(discriminator="kind")
    ]


class AsOf(Open):
    position: int
    recorded_at: str | None


class TimelinePage(Open):
    items: list[EntryOut]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page")
    as_of: AsOf


class EntryWithRole(EntryOutFields):
    kind: str
    details: dict[str, Any]
    role: str | None = Field(description="The actor's role in the entry")


class ActorHistoryPage(Open):
    items: list[EntryWithRole]
    next_cursor: str | None
    as_of: AsOf


class EntryVersion(Open):
    version: int
    event: Literal["recorded", "corrected", "source_cited", "linked", "retracted"]
    recorded_at: str
    by: str
    reason: str | None
    changes: dict[str, Any]
    position: int


class EntryHistory(Open):
    items: list[EntryVersion]


class TimelineFilterQuery(BaseModel):
    """The timeline's filters and `as_of` in a query string. Read as text, so numbers
    and flags convert."""

    model_config = ConfigDict(populate_by_name=False)

    topic: Slug | None = Field(None, description="Entries with this topic")
    actor: Slug | None = Field(None, description="Entries naming this actor")
    kind: Kind | None = Field(None, description="Entries of this kind")
    start: Edtf | None = Field(
        None,
        alias="from",
        description="An EDTF date: entries whose occurred interval ends on or after its start",
    )
    end: Edtf | None = Field(
        None,
        alias="to",
        description="An EDTF date: entries whose occurred interval starts on or before its end",
    )
    q: str | None = Field(
        None, max_length=500, description="Words of the title, summary or quotes, all of them"
    )
    as_of: str | None = Field(
        None,
        max_length=64,
        description="A log position (`1234`) or an ISO 8601 time (`2024-01-03T00:00:00Z`): "
        "the record as it stood then",
    )
    include_retracted: bool = Field(False, description="Keep retracted entries in")
    order: Literal["asc", "desc"] = Field("asc", description="Oldest or newest first")

    def filters(self) -> TimelineFilters:
        """The read side's filters these parameters ask for."""
        return TimelineFilters(
            self.topic,
            self.actor,
            self.kind,
            self.start,
            self.end,
            self.q,
            self.include_retracted,
            self.order,
        )


class TimelineQuery(TimelineFilterQuery):
    """The timeline's query string: its filters, `as_of`, and a page."""

    limit: int = Field(50, ge=1, le=500, description="Entries per page")
    cursor: str | None = Field(
        None, max_length=1000, description="The `next_cursor` of the page before"
    )


class LogEvent(Open):
    """One stored event as the log holds it: the stream's message data."""

    position: int = Field(description="Its position in the log")
    originator_id: str = Field(description="The id of the entry, actor or source")
    originator_version: int
    topic: str = Field(description="The event's class: `domain.entries:Meeting.Recorded`")
    recorded_at: str
    state: dict[str, Any] = Field(
        description="The event's state as plain JSON: times as ISO 8601 text, ids as text, "
        "EDTF dates as {text, start, end}; the log stores it with type tags"
    )


class LogItem(LogEvent):
    """A stored event with the leaf hash the audit ledger recorded for it."""

    hash: str | None = Field(
        description="SHA-256 (hex) of the event's RFC 6962 leaf, as the ledger took it in; "
        "null while the ledger has not yet taken the event in. The leaf covers the state "
        "as stored (`state_sha256`), not the plain `state` shown here"
    )
    state_sha256: str = Field(
        description="SHA-256 (hex) of the state's bytes as the log stores them: with "
        "position, originator_id, originator_version and topic, what the leaf commits to"
    )


class LogPage(Open):
    items: list[LogItem]
    next_after: int | None = Field(description="Pass it as `after` for the next page")


class ViewComparison(Open):
    name: str = Field(
        description="The view: timeline, entry_history, actors, co_actors, references"
    )
    live: str = Field(description="SHA-256 over the live view's rows")
    rebuilt: str = Field(description="SHA-256 over the rows rebuilt from the log")
    equal: bool


class ReplayReport(Open):
    ok: bool = Field(description="Every rebuilt view equals the live one")
    position: int = Field(description="The log position both sides were compared at")
    events: int = Field(description="Events read to rebuild")
    views: list[ViewComparison]


class TreeHead(Open):
    """A Merkle tree head (RFC 6962) over the log's first `tree_size` events."""

    tree_size: int = Field(description="How many events the tree holds")
    position: int = Field(description="The log position of its last event")
    root: str = Field(description="The root hash, 64 hex digits")
    recorded_at: str | None = Field(description="When its last event was recorded")


class VerifiedHead(Open):
    position: int
    hash: str = Field(description="The root hash over the checked events, 64 hex digits")
    tree_size: int


class BadEventOut(Open):
    position: int = Field(description="The first log position where log and ledger disagree")
    problem: Literal["changed", "reordered", "missing", "inserted", "ledger", "checkpoint"]
    detail: str = Field(description="What is wrong there, in words")


class VerifyOut(Open):
    ok: bool = Field(description="Every witnessed event and checkpoint matched")
    checked: int = Field(description="Events recomputed and found as the ledger witnessed them")
    head: VerifiedHead
    checkpoints: int = Field(description="Checkpoints whose root the recomputation matched")
    unattested: int = Field(description="Events after the ledger's position: not yet witnessed")
    first_bad: BadEventOut | None = None


class ProvenEvent(Open):
    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: str = Field(description="The stored state's exact bytes, base64")


class InclusionProofOut(Open):
    """The audit path of one event in a tree head: check it with `policy-timeline verify
    --proof FILE`, or by RFC 9162 section 2.1.3.2."""

    kind: Literal["inclusion"]
    leaf_format: int = Field(
        description="The version of how a leaf's bytes are made from its event"
    )
    event: ProvenEvent
    leaf_index: int
    leaf_hash: str
    head: TreeHead
    path: list[str] = Field(description="Sibling hashes from the leaf up, hex")


class ConsistencyProofOut(Open):
    """The proof that `first` is a prefix of `second` (RFC 9162 section 2.1.4.2)."""

    kind: Literal["consistency"]
    first: TreeHead
    second: TreeHead
    path: list[str]


class ExportQuery(TimelineFilterQuery):
    """The chronology export's query string: a format, the timeline's filters, and as_of."""

    format: Literal["md", "html", "csv", "json", "ndjson", "ics", "timelinejs"] = Field(
        description="md (Markdown), html, csv, json, ndjson, ics (iCalendar) or timelinejs "
        "(TimelineJS 3 JSON)"
    )


# Contract v1.1: citations, links, sources and topics ------------------------


class CitationBody(Strict):
    """`POST /entries/{id}/citations`: one more source for the entry."""

    source: Slug = Field(description="The id of a registered source")
    quote: Text | None = None
    locator: Text | None = None
    expected_version: Version | None = Field(
        None, description="409 when the entry's version is another"
    )


class EntryLinks(Open):
    outgoing: list[LinkedEntry] = Field(description="Links this entry made, oldest first")
    incoming: list[LinkedEntry] = Field(
        description="Links other entries made to this one, oldest first"
    )


class SourceListItem(SourceOut):
    entries: int = Field(description="How many active entries cite the source")


class SourcePage(Open):
    items: list[SourceListItem]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page")


class TopicCount(Open):
    topic: str
    entries: int = Field(description="How many of the entries the filters keep carry it")


class TopicsPage(Open):
    items: list[TopicCount]
    as_of: AsOf


# Actor maintenance (contract v1.1) ------------------------------------------
# Bodies of the writes on an existing actor and its versions. Kept together
# here, apart from the models above, so that each block changes on its own.


class RenameIn(Strict):
    name: ShortText
    reason: Text | None = None
    expected_version: Version | None = None


class AliasIn(Strict):
    alias: ShortText
    expected_version: Version | None = None


class RoleAssumedIn(Strict):
    title: ShortText
    organization: Text | None = None
    start: Edtf
    end: Edtf | None = None
    expected_version: Version | None = None


class RoleEndIn(Strict):
    title: ShortText
    end: Edtf
    expected_version: Version | None = None


class MergeIn(Strict):
    into: Annotated[Slug, Field(description="The id of the actor this one duplicates")]
    reason: Text
    expected_version: Version | None = None


# The view's names of the events, as an enum in the schema.
if TYPE_CHECKING:
    ActorEvent = str
else:
    ActorEvent = _one_value_of(ACTOR_EVENT_NAMES)


class ActorVersion(Open):
    version: int
    event: ActorEvent
    recorded_at: str
    by: str
    reason: str | None
    changes: dict[str, Any]
    position: int


class ActorVersions(Open):
    items: list[ActorVersion]


# Dates ----------------------------------------------------------------------


class DateResolution(Open):
    """A phrase read against a reference date, as `GET /dates/resolve` answers."""

    phrase: Annotated[str, Field(description="The phrase, its spaces collapsed")]
    reference: Annotated[str, Field(description="The reference date, YYYY-MM-DD")]
    edtf: Annotated[str, Field(description="The EDTF the phrase stands for")]
    start: Annotated[str, Field(description="The first day the EDTF can mean, YYYY-MM-DD")]
    end: Annotated[str, Field(description="The last day the EDTF can mean, YYYY-MM-DD")]
    basis: Annotated[str, Field(description="Why: a sentence for the entry's note")]
