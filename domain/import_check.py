"""Checking an import without writing it: `policy-timeline import FILE --dry-run`.

On an append-only log a bad import stays for ever, so a dry run makes every
check the import makes and writes nothing. Each record is read and
validated as the import prepares it (type, key, an entry's fields, EDTF
dates, details); then it is held against the store and against the records
before it in the file: the actors and sources an entry names are registered
or come earlier, the entry a correction, retraction or link names is
recorded or comes earlier, a key is not reused for other content, an actor
or source is not registered with other content. Corrections, retractions
and links are applied to copies of their entries held in memory and never
saved, so a version check or a second retraction fails as it would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.actors import ActorFields, parse_actor
from domain.application import TimelineApp
from domain.bulk import PreparedEntry, reused_key
from domain.entries import Entry, parse_entry
from domain.entry_keys import content_of, entry_id_hex
from domain.errors import (
    ActorNotFound,
    AlreadyRegistered,
    DomainError,
    EntryNotFound,
    SourceNotFound,
    UnknownReference,
    ValidationError,
    VersionConflict,
)
from domain.import_formats import Read
from domain.importing import Bad, Command, ImportReport, entry_reference, prepare
from domain.sources import SourceFields, parse_source
from domain.values import parse_citation, reject_unknown, require_text

__all__ = ["DryRun", "DryRunReport"]


@dataclass
class DryRunReport(ImportReport):
    """What an import would do: `stored` counts what it would store, `planned` says
    what, by line."""

    planned: list[tuple[int, str]] = field(default_factory=list)

    def planned_lines(self) -> list[str]:
        """`line 3: would record actor 'joe-biden'`, in line order."""
        # By line alone: a line's records keep their order (an export's actors come
        # before their entry), and a link deferred to the end goes back to its line.
        ordered = sorted(self.planned, key=lambda planned: planned[0])
        return [f"line {line}: would {what}" for line, what in ordered]

    def summary(self) -> str:
        return (
            f"{self.read} records read: {self.stored} would be stored, "
            f"{self.present} already present, {self.bad} bad (dry run: nothing written)"
        )


class DryRun:
    """Checks records against the store and each other; see the module docstring."""

    def __init__(self, app: TimelineApp, *, by: str) -> None:
        self.app = app
        self.by = require_text(by, "by", limit=200)
        self._actors: dict[str, ActorFields] = {}
        self._sources: dict[str, SourceFields] = {}
        self._tails: dict[str, bytes] = {}  # entries of the file, by id in hex
        self._bodies: dict[UUID, dict[str, Any]] = {}
        self._entries: dict[UUID, Entry] = {}  # changed in memory only
        self._checks: dict[str, Callable[[Command], str | None]] = {
            "actor": self._actor,
            "source": self._source,
            "correction": self._correction,
            "retraction": self._retraction,
            "link": self._link,
        }

    def check(self, records: Iterable[Read]) -> DryRunReport:
        """The report of importing `records`, having written nothing."""
        report = DryRunReport()
        for line, record in records:
            report.read += 1
            body = record  # what is left of it once prepared: the command's body
            (item,) = prepare([(line, record)], by=self.by)
            if isinstance(item, Bad):
                report.problems.append((line, item.message))
                continue
            try:
                planned = self._check(item, body)
            except DomainError as error:
                report.problems.append((line, str(error)))
                continue
            if planned is None:
                report.present += 1
            else:
                report.stored += 1
                report.planned.append((line, planned))
        return report

    def _check(self, item: PreparedEntry | Command, body: object) -> str | None:
        """What the record would record, None when it is present; raise DomainError."""
        if isinstance(item, PreparedEntry):
            assert isinstance(body, dict)  # prepared from it
            return self._entry(item, body)
        if self.app.keys.find_prior_result(self.by, item.key) is not None:
            return None
        check = self._checks.get(item.type)
        if check is None:
            return f"record a {item.type} (not checked by --dry-run)"
        return check(item)

    def _entry(self, item: PreparedEntry, body: dict[str, Any]) -> str | None:
        for i, slug in enumerate(item.actors):
            if not self._has_actor(slug):
                raise _unregistered(f"actors.{i}.actor", "actor", slug)
        for i, slug in enumerate(item.sources):
            if not self._has_source(slug):
                raise _unregistered(f"sources.{i}.source", "source", slug)
        entry_id = entry_id_hex(self.by, item.key)
        held = self._tails.get(entry_id)
        if held is None:
            claimed = self.app.keys.find_claimed(self.by, [item.key]).get(item.key)
            recorded = self.app.keys.find_recorded([entry_id]).get(entry_id)
            if claimed is not None:
                held = content_of(claimed)
            elif recorded is not None:
                held = content_of(recorded.state)
        if held is not None:
            if held != item.tail:
                raise ValidationError("key", reused_key(item.key).removeprefix("key: "))
            return None
        self._tails[entry_id] = item.tail
        self._bodies[UUID(entry_id)] = body
        return f"record entry {body.get('title')!r} ({item.key})"

    def _actor(self, item: Command) -> str | None:
        fields = parse_actor(item.body)
        known = self._actors.get(fields.slug)
        if known is None:
            try:
                actor = self.app.get_actor(fields.slug)
            except ActorNotFound:
                self._actors[fields.slug] = fields
                return f"register actor {fields.slug!r}"
            known = ActorFields(actor.slug, actor.name, actor.kind, actor.aliases, actor.roles)
        if known != fields:
            raise ValidationError("id", str(AlreadyRegistered("actor", fields.slug)))
        return None

    def _source(self, item: Command) -> str | None:
        fields = parse_source(item.body)
        known = self._sources.get(fields.slug)
        if known is None:
            try:
                source = self.app.get_source(fields.slug)
            except SourceNotFound:
                self._sources[fields.slug] = fields
                return f"register source {fields.slug!r}"
            known = SourceFields(**{name: getattr(source, name) for name in vars(fields)})
        if known != fields:
            raise ValidationError("id", str(AlreadyRegistered("source", fields.slug)))
        return None

    def _correction(self, item: Command) -> str:
        body = item.body
        reject_unknown(body, ("id", "expected_version", "changes", "reason", "source"), "")
        entry = self._changing(body, "id")
        citation = None
        if body.get("source") is not None:
            citation = parse_citation(body["source"], "source")
            if not self._has_source(citation["source"]):
                raise _unregistered("source.source", "source", citation["source"])
        entry.correct(
            body.get("changes", {}),
            body.get("reason", ""),
            citation,
            by=self.by,
            idempotency_key=item.key,
        )
        for pair in entry.actors:
            if not self._has_actor(pair["actor"]):
                raise _unregistered("changes.actors", "actor", pair["actor"])
        return f"correct entry {body['id']!r}"

    def _retraction(self, item: Command) -> str:
        body = item.body
        reject_unknown(body, ("id", "expected_version", "reason"), "")
        entry = self._changing(body, "id")
        entry.retract(body.get("reason", ""), by=self.by, idempotency_key=item.key)
        return f"retract entry {body['id']!r}"

    def _link(self, item: Command) -> str:
        body = item.body
        reject_unknown(body, ("id", "relation", "entry"), "")
        entry = self._changing(body, "id")
        target = self._changing(body, "entry")
        entry.link(body.get("relation", ""), target, by=self.by, idempotency_key=item.key)
        return f"link entry {body['id']!r} {body.get('relation')} {body['entry']!r}"

    def _changing(self, body: dict[str, Any], name: str) -> Entry:
        """The entry `body[name]` names, as the import would find it, held in memory."""
        reference = body.get(name)
        uuid = UUID(entry_reference(self.by, reference, name))
        entry = self._entries.get(uuid)
        if entry is None:
            if uuid in self._bodies:
                fields = parse_entry(self._bodies.pop(uuid))
                entry = Entry.record(fields, id=uuid, by=self.by)
            else:
                try:
                    entry = self.app.get_entry(str(uuid))
                except EntryNotFound:
                    raise UnknownReference(
                        name, f"no entry {reference!r} is recorded; record it before what names it"
                    ) from None
            self._entries[uuid] = entry
        expected = body.get("expected_version")
        if name == "id" and expected is not None:
            if isinstance(expected, bool) or not isinstance(expected, int):
                raise ValidationError("expected_version", "expected a whole number")
            if entry.version != expected:
                raise VersionConflict(str(uuid), expected, entry.version)
        return entry

    def _has_actor(self, slug: str) -> bool:
        if slug in self._actors:
            return True
        try:
            self.app.require_registered([slug], [])
        except UnknownReference:
            return False
        return True

    def _has_source(self, slug: str) -> bool:
        if slug in self._sources:
            return True
        try:
            self.app.require_registered([], [slug])
        except UnknownReference:
            return False
        return True


def _unregistered(field: str, kind: str, slug: str) -> UnknownReference:
    return UnknownReference(field, f"no {kind} {slug!r} is registered; register it first")
