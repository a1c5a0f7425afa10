"""Entries: one thing that happened in the world, as the record tells it.

An entry is recorded once, by a kind-specific `Recorded` event, and then only
grows: `Corrected`, `SourceCited`, `Linked`, `Retracted`. Nothing is edited in
place; every earlier version stays readable from the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import evolution
from domain.dates import EdtfDate, parse_edtf_date
from domain.details import KINDS, parse_details
from domain.errors import EntryRetracted, ValidationError
from domain.values import (
    SEQUENCES,
    ActorRole,
    Citation,
    is_slug,
    optional_text,
    parse_citation,
    plain_citation,
    reject_unknown,
    require_bounded,
    require_mapping,
    require_slug,
    require_text,
    valid_text,
)

__all__ = [
    "CORRECTABLE",
    "ENTRY_CLASSES",
    "RELATIONS",
    "Call",
    "CongressionalNegotiation",
    "EnforcementAction",
    "Entry",
    "EntryFields",
    "Meeting",
    "PolicyAction",
    "Statement",
    "Statistic",
    "parse_entry",
]

RELATIONS = ("responds_to", "part_of", "follows", "contradicts")
ENTRY_FIELDS = (
    "kind",
    "title",
    "summary",
    "occurred",
    "actors",
    "topics",
    "location",
    "details",
    "sources",
    "note",
)
# A correction may change any field but the kind; sources grow by SourceCited.
CORRECTABLE = tuple(f for f in ENTRY_FIELDS if f not in ("kind", "sources"))
_ENTRY_FIELD_SET = frozenset(ENTRY_FIELDS)
_ACTOR_ROLE_SET = frozenset(("actor", "role"))


class EntryFields(NamedTuple):
    """An entry body after validation: what a `Recorded` event will carry.

    A named tuple rather than a frozen dataclass: as immutable, and built in a
    tenth of the time, which counts when an import validates 100,000 bodies.
    """

    kind: str
    title: str
    summary: str
    occurred: EdtfDate
    actors: list[ActorRole]
    topics: list[str]
    location: str | None
    details: dict[str, Any]
    citations: list[Citation]
    note: str | None


def parse_entry(body: Mapping[str, Any]) -> EntryFields:
    """Validate an entry body; raise ValidationError naming the first bad field."""
    body = require_mapping(body, "body")
    if not _ENTRY_FIELD_SET.issuperset(body):
        reject_unknown(body, ENTRY_FIELDS, "")
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError("kind", f"expected one of: {', '.join(KINDS)}")
    details, mentions = parse_details(kind, body.get("details"))
    sources = body.get("sources")
    if not isinstance(sources, SEQUENCES) or not sources:
        raise ValidationError(
            "sources", "expected at least one citation {source, quote?, locator?}"
        )
    require_bounded(sources, "sources")
    title, summary = body.get("title"), body.get("summary")
    # Positional: an import validates 100,000 bodies, and keywords cost a third more.
    return EntryFields(
        kind,
        valid_text(title, 500) or require_text(title, "title", limit=500),
        valid_text(summary) or require_text(summary, "summary"),
        parse_edtf_date(body.get("occurred"), "occurred"),
        _with_mentions(_parse_actors(body.get("actors")), mentions),
        _parse_topics(body.get("topics")),
        optional_text(body.get("location"), "location"),
        details,
        [plain_citation(c) or parse_citation(c, f"sources.{i}") for i, c in enumerate(sources)],
        optional_text(body.get("note"), "note"),
    )


def _parse_actors(value: object) -> list[ActorRole]:
    if not isinstance(value, SEQUENCES):
        raise ValidationError("actors", "expected a list of {actor, role}")
    require_bounded(value, "actors")
    actors: list[ActorRole] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(value):
        # A plain pair is taken as it is; anything else is looked at closely,
        # and only then is its path formatted.
        if not (
            type(item) is dict
            and _ACTOR_ROLE_SET.issuperset(item)
            and is_slug(actor := item.get("actor"))
            and (role := valid_text(item.get("role"), 200))
        ):
            actor, role = _actor_role(item, f"actors.{i}")
        if (actor, role) not in seen:
            seen.add((actor, role))
            actors.append({"actor": actor, "role": role})
    return actors


def _actor_role(item: object, where: str) -> tuple[str, str]:
    data = require_mapping(item, where)
    reject_unknown(data, ("actor", "role"), where)
    actor, role = data.get("actor"), data.get("role")
    return (
        require_slug(actor, f"{where}.actor"),
        valid_text(role, 200) or require_text(role, f"{where}.role", limit=200),
    )


def _with_mentions(actors: list[ActorRole], mentions: list[ActorRole]) -> list[ActorRole]:
    """Add the actors the details name, so an actor's history finds the entry."""
    if not mentions:
        return actors
    listed = {a["actor"] for a in actors}
    for mention in mentions:
        if mention["actor"] not in listed:
            listed.add(mention["actor"])
            actors.append(mention)
    return actors


def _parse_topics(value: object) -> list[str]:
    if not isinstance(value, SEQUENCES):
        raise ValidationError("topics", "expected a list of topic slugs such as border-security")
    require_bounded(value, "topics")
    # A dict keeps the first of each topic in order, in one pass.
    topics: dict[str, None] = {}
    for i, topic in enumerate(value):
        topics[topic if is_slug(topic) else require_slug(topic, f"topics.{i}")] = None
    return list(topics)


class Entry(Aggregate):
    """One thing that happened. Subclasses fix the kind."""

    kind = ""  # no annotation: the library would make subclasses dataclasses

    class Recorded(Aggregate.Created):
        title: str
        summary: str
        occurred: EdtfDate
        actors: list[ActorRole]
        topics: list[str]
        location: str | None
        details: dict[str, Any]
        citations: list[Citation]
        note: str | None
        by: str
        idempotency_key: str | None

    class Corrected(Aggregate.Event):
        changes: dict[str, Any]
        reason: str
        citation: Citation | None
        by: str
        idempotency_key: str | None

    class SourceCited(Aggregate.Event):
        citation: Citation
        by: str
        idempotency_key: str | None

    class Linked(Aggregate.Event):
        relation: str
        target: str
        by: str
        idempotency_key: str | None

    class Retracted(Aggregate.Event):
        reason: str
        by: str
        idempotency_key: str | None

    def __init__(
        self,
        title: str,
        summary: str,
        occurred: EdtfDate,
        actors: list[ActorRole],
        topics: list[str],
        location: str | None,
        details: dict[str, Any],
        citations: list[Citation],
        note: str | None,
        by: str,
        idempotency_key: str | None,
    ) -> None:
        self.title = title
        self.summary = summary
        self.occurred = occurred
        self.actors = actors
        self.topics = topics
        self.location = location
        self.details = details
        self.citations = citations
        self.note = note
        self.links: list[dict[str, str]] = []
        self.retracted = False
        self.retraction_reason: str | None = None

    @staticmethod
    def record(
        fields: EntryFields, *, id: UUID, by: str, idempotency_key: str | None = None
    ) -> Entry:
        """Create the entry of `fields.kind` from validated fields."""
        cls = ENTRY_CLASSES[fields.kind]
        return cls._create(
            cls.Recorded,
            id=id,
            title=fields.title,
            summary=fields.summary,
            occurred=fields.occurred,
            actors=fields.actors,
            topics=fields.topics,
            location=fields.location,
            details=fields.details,
            citations=fields.citations,
            note=fields.note,
            by=by,
            idempotency_key=idempotency_key,
        )

    @property
    def status(self) -> str:
        return "retracted" if self.retracted else "active"

    def correct(
        self,
        changes: Mapping[str, Any],
        reason: str,
        citation: Citation | None,
        *,
        by: str,
        idempotency_key: str | None = None,
    ) -> None:
        """Record a correction; raise ValidationError or EntryRetracted."""
        self._require_active("corrected")
        self._corrected(
            changes=self.validate_changes(changes),
            reason=require_text(reason, "reason"),
            citation=citation,
            by=by,
            idempotency_key=idempotency_key,
        )

    def validate_changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Check `changes` against the kind's rules; return them as they will be stored."""
        changes = require_mapping(changes, "changes")
        if not changes:
            raise ValidationError("changes", f"expected at least one of: {', '.join(CORRECTABLE)}")
        reject_unknown(changes, CORRECTABLE, "changes")
        body: dict[str, Any] = {
            "kind": self.kind,
            "title": self.title,
            "summary": self.summary,
            "occurred": self.occurred.text,
            "actors": self.actors,
            "topics": self.topics,
            "location": self.location,
            "details": self.details,
            "sources": self.citations,
            "note": self.note,
        }
        body.update(changes)
        try:
            fields = parse_entry(body)
        except ValidationError as error:
            raise ValidationError(f"changes.{error.field}", error.message) from None
        stored: dict[str, Any] = {key: getattr(fields, key) for key in changes}
        if "details" in changes or "actors" in changes:
            stored["actors"] = fields.actors
        return stored

    def cite(self, citation: Citation, *, by: str, idempotency_key: str | None = None) -> None:
        """Add corroboration; raise ValidationError when the citation is already there."""
        if citation in self.citations:
            raise ValidationError("source", "this entry already cites that source with that quote")
        self._source_cited(citation=citation, by=by, idempotency_key=idempotency_key)

    def link(
        self, relation: str, target: Entry, *, by: str, idempotency_key: str | None = None
    ) -> None:
        """Link this entry to `target`; raise ValidationError or EntryRetracted."""
        if relation not in RELATIONS:
            raise ValidationError("relation", f"expected one of: {', '.join(RELATIONS)}")
        if target.id == self.id:
            raise ValidationError("entry", "an entry cannot be linked to itself")
        self._require_active("linked")
        target._require_active("linked")
        link = {"relation": relation, "target": str(target.id)}
        if link in self.links:
            raise ValidationError("entry", f"already linked to that entry as {relation}")
        self._linked(
            relation=relation, target=str(target.id), by=by, idempotency_key=idempotency_key
        )

    def retract(self, reason: str, *, by: str, idempotency_key: str | None = None) -> None:
        """Withdraw the entry; it stays in the log and in its history."""
        self._require_active("retracted again")
        self._retracted(
            reason=require_text(reason, "reason"), by=by, idempotency_key=idempotency_key
        )

    def _require_active(self, action: str) -> None:
        if self.retracted:
            raise EntryRetracted(str(self.id), action)

    @event(Corrected)
    def _corrected(
        self,
        changes: dict[str, Any],
        reason: str,
        citation: Citation | None,
        by: str,
        idempotency_key: str | None,
    ) -> None:
        vars(self).update(evolution.corrected(vars(self), changes, citation))

    @event(SourceCited)
    def _source_cited(self, citation: Citation, by: str, idempotency_key: str | None) -> None:
        vars(self).update(evolution.source_cited(vars(self), citation))

    @event(Linked)
    def _linked(self, relation: str, target: str, by: str, idempotency_key: str | None) -> None:
        vars(self).update(evolution.linked(vars(self), relation, target))

    @event(Retracted)
    def _retracted(self, reason: str, by: str, idempotency_key: str | None) -> None:
        vars(self).update(evolution.retracted(reason))


class Meeting(Entry):
    kind = "meeting"

    class Recorded(Entry.Recorded):
        pass


class Call(Entry):
    kind = "call"

    class Recorded(Entry.Recorded):
        pass


class Statement(Entry):
    kind = "statement"

    class Recorded(Entry.Recorded):
        pass


class EnforcementAction(Entry):
    kind = "enforcement_action"

    class Recorded(Entry.Recorded):
        pass


class CongressionalNegotiation(Entry):
    kind = "congressional_negotiation"

    class Recorded(Entry.Recorded):
        pass


class Statistic(Entry):
    kind = "statistic"

    class Recorded(Entry.Recorded):
        pass


class PolicyAction(Entry):
    kind = "policy_action"

    class Recorded(Entry.Recorded):
        pass


ENTRY_CLASSES: dict[str, type[Entry]] = {
    cls.kind: cls
    for cls in (
        Meeting,
        Call,
        Statement,
        EnforcementAction,
        CongressionalNegotiation,
        Statistic,
        PolicyAction,
    )
}
