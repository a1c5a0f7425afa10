"""Kind-specific details of an entry: what each kind requires and accepts.

`KINDS` is the one table of entry kinds: for each, its label, the fields of
its details (what each holds, whether it is required, the values it allows)
and the parser that checks them. Everything else that knows the kinds reads
it: the entry aggregates (`tests/unit/test_entries.py` holds them equal), the
API's schemas, the web page's labels, the bench's synthetic entries.

`parse_details(kind, value)` returns the details as they will be stored and
the actors they name, each with the role the details give it, so the write
service can check those actors exist and list them on the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from domain.dates import parse_edtf_date
from domain.errors import ValidationError
from domain.values import (
    SEQUENCES,
    ActorRole,
    is_slug,
    optional_text,
    reject_unknown,
    require_bounded,
    require_mapping,
    require_slug,
    require_text,
    text_list,
    valid_text,
)

__all__ = ["KINDS", "Detail", "EntryKind", "FieldType", "Record", "parse_details"]

FORMATS = ("in_person", "virtual")
CALL_MEDIA = ("phone", "video")
STATEMENT_MEDIA = ("press_release", "remarks", "interview", "briefing", "social_media")
STATUSES = ("proposed", "ongoing", "stalled", "agreed", "passed", "failed")
CHAMBERS = ("house", "senate", "both")
INSTRUMENTS = ("executive_order", "proclamation", "rule", "law", "program", "guidance")
# Spelled out once: messages that every body would format again.
_ONE_OF_STATUSES = f"one of {', '.join(STATUSES)}"
_ONE_OF_INSTRUMENTS = f"one of {', '.join(INSTRUMENTS)}"
_INFINITIES = (float("inf"), float("-inf"))
# Whole numbers every JSON reader holds exactly; larger ones do not even encode.
SAFE_INTEGER = 2**53 - 1


Details = dict[str, Any]
# The actors named inside the details, each with the role it implies.
Mentions = list[ActorRole]
Parser = Callable[[Mapping[str, Any], Mentions], Details]
# What a detail field holds: an actor id, non-blank text, one of `choices`, a
# whole number from 0, any finite number, an EDTF date, or a `Record`.
FieldType = Literal["actor", "text", "choice", "count", "number", "edtf", "record"]


class Detail(NamedTuple):
    """One field of a kind's details, as the parser reads it and the API documents it."""

    name: str
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()  # the values a "choice" allows
    least: int | None = None  # a list of at least this many values; None: one value
    record: Record | None = None  # the fields of a "record"


class Record(NamedTuple):
    """A small object inside the details (a measure, a vote): its name and fields."""

    name: str
    fields: tuple[Detail, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


class EntryKind(NamedTuple):
    """A kind of entry: its name, its label for people, its details and their parser."""

    name: str
    label: str
    details: tuple[Detail, ...]
    parse: Parser

    @property
    def names(self) -> tuple[str, ...]:
        """The detail fields it accepts, in the order they are documented."""
        return tuple(d.name for d in self.details)


def parse_details(kind: str, value: object) -> tuple[Details, Mentions]:
    """Validate `value` as the details of `kind`; raise ValidationError naming the field."""
    if kind not in KINDS:
        raise ValidationError("kind", f"unknown kind {kind!r}; accepted: {', '.join(KINDS)}")
    data = require_mapping({} if value is None else value, "details")
    if not _ACCEPTED_SETS[kind].issuperset(data):
        reject_unknown(data, KINDS[kind].names, "details")
    mentions: Mentions = []
    details = KINDS[kind].parse(data, mentions)
    return {k: v for k, v in details.items() if v is not None}, mentions


def _choice(value: object, field: str, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise ValidationError(field, f"expected one of: {', '.join(choices)}")
    return str(value)


def _required(data: Mapping[str, Any], key: str, what: str) -> Any:
    if data.get(key) is None:
        raise ValidationError(f"details.{key}", f"required: {what}")
    return data[key]


def _count(value: object, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SAFE_INTEGER:
        raise ValidationError(field, f"expected a whole number from 0 to {SAFE_INTEGER}")
    return value


def _number(value: object, field: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, "expected a number")
    if value != value or value in _INFINITIES:
        raise ValidationError(field, "expected a finite number")
    if isinstance(value, int) and abs(value) > SAFE_INTEGER:
        raise ValidationError(
            field, f"expected a whole number within ±{SAFE_INTEGER}, or a decimal"
        )
    return value


def _actor(value: object, field: str, role: str, mentions: Mentions) -> str:
    slug = value if is_slug(value) else require_slug(value, field)
    mentions.append({"actor": slug, "role": role})
    return slug


def _participants(data: Mapping[str, Any], mentions: Mentions) -> list[str]:
    raw = _required(data, "participants", "at least two participant actor ids")
    if not isinstance(raw, SEQUENCES):
        raise ValidationError("details.participants", "expected a list of actor ids")
    require_bounded(raw, "details.participants")
    slugs = []
    for i, item in enumerate(raw):
        # The field path is formatted only for an error.
        slug = item if is_slug(item) else require_slug(item, f"details.participants.{i}")
        slugs.append(slug)
        mentions.append({"actor": slug, "role": "participant"})
    if len(set(slugs)) < 2:
        raise ValidationError(
            "details.participants", "expected at least two different participant actors"
        )
    return slugs


def _meeting(data: Mapping[str, Any], mentions: Mentions) -> Details:
    return {
        "participants": _participants(data, mentions),
        "format": _choice(data.get("format"), "details.format", FORMATS),
        "duration_minutes": _count(data.get("duration_minutes"), "details.duration_minutes"),
        "outcome": optional_text(data.get("outcome"), "details.outcome"),
    }


def _call(data: Mapping[str, Any], mentions: Mentions) -> Details:
    return {
        "participants": _participants(data, mentions),
        "medium": _choice(data.get("medium"), "details.medium", CALL_MEDIA),
    }


def _statement(data: Mapping[str, Any], mentions: Mentions) -> Details:
    speaker = _required(data, "speaker", "the actor id of the speaker")
    quotes = _required(data, "quotes", "one or more exact quotes")
    return {
        "speaker": _actor(speaker, "details.speaker", "speaker", mentions),
        "quotes": text_list(quotes, "details.quotes", minimum=1),
        "medium": _choice(data.get("medium"), "details.medium", STATEMENT_MEDIA),
    }


def _measure(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    data = require_mapping(value, "details.measure")
    reject_unknown(data, MEASURE.names, "details.measure")
    measure: dict[str, Any] = {
        "value": _number(data.get("value"), "details.measure.value"),
        "unit": require_text(data.get("unit"), "details.measure.unit"),
    }
    if data.get("period") is not None:
        measure["period"] = parse_edtf_date(data["period"], "details.measure.period").text
    return measure


def _enforcement(data: Mapping[str, Any], mentions: Mentions) -> Details:
    agency = _required(data, "agency", "the actor id of the agency")
    return {
        "agency": _actor(agency, "details.agency", "agency", mentions),
        "action": require_text(_required(data, "action", "what was done"), "details.action"),
        "measure": _measure(data.get("measure")),
    }


def _positions(value: object, mentions: Mentions) -> list[dict[str, str]] | None:
    if value is None:
        return None
    if not isinstance(value, SEQUENCES):
        raise ValidationError("details.positions", "expected a list of {actor, position}")
    require_bounded(value, "details.positions")
    positions = []
    for i, item in enumerate(value):
        # A plain position is taken as it is; only a bad one has its path formatted.
        if (
            type(item) is dict
            and _POSITION_SET.issuperset(item)
            and is_slug(actor := item.get("actor"))
            and (position := valid_text(item.get("position")))
        ):
            mentions.append({"actor": actor, "role": "negotiator"})
            positions.append({"actor": actor, "position": position})
            continue
        field = f"details.positions.{i}"
        data = require_mapping(item, field)
        reject_unknown(data, POSITION.names, field)
        positions.append(
            {
                "actor": _actor(data.get("actor"), f"{field}.actor", "negotiator", mentions),
                "position": require_text(data.get("position"), f"{field}.position"),
            }
        )
    return positions


def _vote(value: object) -> dict[str, int] | None:
    if value is None:
        return None
    data = require_mapping(value, "details.vote")
    reject_unknown(data, VOTE.names, "details.vote")
    counts: dict[str, int] = {}
    for key in VOTE.names:
        count = _count(data.get(key), f"details.vote.{key}")
        if count is None:
            raise ValidationError(f"details.vote.{key}", "required: a whole number")
        counts[key] = count
    return counts


def _negotiation(data: Mapping[str, Any], mentions: Mentions) -> Details:
    package = _required(data, "package", "the name of the package under negotiation")
    status = _required(data, "status", _ONE_OF_STATUSES)
    return {
        "package": require_text(package, "details.package"),
        "status": _choice(status, "details.status", STATUSES),
        "chamber": _choice(data.get("chamber"), "details.chamber", CHAMBERS),
        "positions": _positions(data.get("positions"), mentions),
        "vote": _vote(data.get("vote")),
    }


def _statistic(data: Mapping[str, Any], mentions: Mentions) -> Details:
    metric = _required(data, "metric", "what is counted")
    value = _required(data, "value", "a number")
    unit = _required(data, "unit", "the unit of the value")
    period = _required(data, "period", "the EDTF period the value covers")
    agency = data.get("agency")
    return {
        "metric": require_text(metric, "details.metric"),
        "value": _number(value, "details.value"),
        "unit": require_text(unit, "details.unit"),
        "period": parse_edtf_date(period, "details.period").text,
        "agency": None if agency is None else _actor(agency, "details.agency", "agency", mentions),
    }


def _policy(data: Mapping[str, Any], mentions: Mentions) -> Details:
    instrument = _required(data, "instrument", _ONE_OF_INSTRUMENTS)
    agency = data.get("agency")
    return {
        "instrument": _choice(instrument, "details.instrument", INSTRUMENTS),
        "agency": None if agency is None else _actor(agency, "details.agency", "agency", mentions),
    }


def _kinds(*kinds: EntryKind) -> dict[str, EntryKind]:
    return {kind.name: kind for kind in kinds}


_PARTICIPANTS = Detail("participants", "actor", required=True, least=2)
_AGENCY = Detail("agency", "actor")
MEASURE = Record(
    "measure",
    (
        Detail("value", "number", required=True),
        Detail("unit", "text", required=True),
        Detail("period", "edtf"),
    ),
)
POSITION = Record(
    "position",
    (Detail("actor", "actor", required=True), Detail("position", "text", required=True)),
)
VOTE = Record(
    "vote", (Detail("yeas", "count", required=True), Detail("nays", "count", required=True))
)
# The order of the kinds and of their fields is the order the API documents them in.
KINDS = _kinds(
    EntryKind(
        "meeting",
        "Meeting",
        (
            _PARTICIPANTS,
            Detail("format", "choice", choices=FORMATS),
            Detail("duration_minutes", "count"),
            Detail("outcome", "text"),
        ),
        _meeting,
    ),
    EntryKind(
        "call", "Call", (_PARTICIPANTS, Detail("medium", "choice", choices=CALL_MEDIA)), _call
    ),
    EntryKind(
        "statement",
        "Statement",
        (
            Detail("speaker", "actor", required=True),
            Detail("quotes", "text", required=True, least=1),
            Detail("medium", "choice", choices=STATEMENT_MEDIA),
        ),
        _statement,
    ),
    EntryKind(
        "enforcement_action",
        "Enforcement action",
        (
            Detail("agency", "actor", required=True),
            Detail("action", "text", required=True),
            Detail("measure", "record", record=MEASURE),
        ),
        _enforcement,
    ),
    EntryKind(
        "congressional_negotiation",
        "Congressional negotiation",
        (
            Detail("package", "text", required=True),
            Detail("status", "choice", required=True, choices=STATUSES),
            Detail("chamber", "choice", choices=CHAMBERS),
            Detail("positions", "record", least=0, record=POSITION),
            Detail("vote", "record", record=VOTE),
        ),
        _negotiation,
    ),
    EntryKind(
        "statistic",
        "Statistic",
        (
            Detail("metric", "text", required=True),
            Detail("value", "number", required=True),
            Detail("unit", "text", required=True),
            Detail("period", "edtf", required=True),
            _AGENCY,
        ),
        _statistic,
    ),
    EntryKind(
        "policy_action",
        "Policy action",
        (Detail("instrument", "choice", required=True, choices=INSTRUMENTS), _AGENCY),
        _policy,
    ),
)
_ACCEPTED_SETS = {name: frozenset(kind.names) for name, kind in KINDS.items()}
_POSITION_SET = frozenset(POSITION.names)
