"""Checking an import without writing it: `policy-timeline import FILE --dry-run`.

On an append-only log a bad import stays for ever, so a dry run makes every
check the import makes and writes nothing. Each record is read and
validated as the import prepares it (type, key, an entry's fields, EDTF
dates, details); then it is held against the store and against the records
before it in the file: the actors and sources an entry names are registered
or come earlier, the entry a correction, retraction or link names is
recorded or comes earlier, a key is not reused for other content, an actor
or source is not registered with other content. Corrections, retractions,
links, citations and changes to actors (rename, alias, role, role_end,
merge) are applied to copies of their entries and actors held in memory and
never saved, so a version check, a second retraction, a merge into a merged
actor or the end of a role not held fails as it would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.actor_records import ACTOR_RECORD_TYPES, read_actor_record
from domain.actors import Actor, ActorFields, parse_actor
from domain.application import TimelineApp, check_version, command_fingerprint
from domain.bulk import PreparedEntry, reused_key
from domain.entries import Entry, parse_entry
from domain.entry_keys import content_of, entry_id_hex
from domain.errors import (
    ActorNotFound,
    AlreadyRegistered,
    DomainError,
    EntryNotFound,
    IdempotencyKeyReused,
    SourceNotFound,
    UnknownReference,
    ValidationError,
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
        self._changed_actors: dict[str, Actor] = {}  # changed in memory only
        self._keys: dict[str, str] = {}  # the file's commands' fingerprints, by key
        self._checks: dict[str, Callable[[Command], str | None]] = {
            "actor": self._actor,
            "source": self._source,
            "correction": self._correction,
            "retraction": self._retraction,
            "link": self._link,
            "citation": self._citation,
            **dict.fromkeys(ACTOR_RECORD_TYPES, self._actor_change),
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
            except IdempotencyKeyReused as error:
                report.problems.append((line, reused_key(error.key)))
                continue
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
        return self._checks[item.type](item)

    def _entry(self, item: PreparedEntry, body: dict[str, Any]) -> str | None:
        for i, slug in enumerate(item.actors):
            if not self._has_actor(slug):
                raise _unregistered(f"actors.{i}.actor", "actor", slug)
        for i, slug in enumerate(item.sources):
            if not self._has_source(slug):
                raise _unregistered(f"sources.{i}.source", "source", slug)
        if item.key in self._keys:  # a command of the file claimed it
            raise ValidationError("key", reused_key(item.key).removeprefix("key: "))
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
        if self._present(item.key, "register_actor", item.body):
            return None
        changed = self._changed_actors.get(fields.slug)
        known = self._actors.get(fields.slug) if changed is None else _fields_of(changed)
        if known is None:
            try:
                known = _fields_of(self.app.get_actor(fields.slug))
            except ActorNotFound:
                self._actors[fields.slug] = fields
                self._keys[item.key] = command_fingerprint("register_actor", item.body)
                return f"register actor {fields.slug!r}"
        if known != fields:
            raise ValidationError("id", str(AlreadyRegistered("actor", fields.slug)))
        return None

    def _source(self, item: Command) -> str | None:
        fields = parse_source(item.body)
        if self._present(item.key, "register_source", item.body):
            return None
        known = self._sources.get(fields.slug)
        if known is None:
            try:
                source = self.app.get_source(fields.slug)
            except SourceNotFound:
                self._sources[fields.slug] = fields
                self._keys[item.key] = command_fingerprint("register_source", item.body)
                return f"register source {fields.slug!r}"
            known = SourceFields(**{name: getattr(source, name) for name in vars(fields)})
        if known != fields:
            raise ValidationError("id", str(AlreadyRegistered("source", fields.slug)))
        return None

    def _correction(self, item: Command) -> str | None:
        body = item.body
        reject_unknown(body, ("id", "expected_version", "changes", "reason", "source"), "")
        uuid = self._entry_id(body, "id")
        payload = {
            "id": str(uuid),
            "changes": body.get("changes", {}),
            "reason": body.get("reason", ""),
            "source": body.get("source"),
            "expected_version": body.get("expected_version"),
        }
        if self._present(item.key, "correct_entry", payload):
            return None
        entry = self._changing(uuid, body, "id")
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
        return self._planned(item.key, "correct_entry", payload, f"correct entry {body['id']!r}")

    def _retraction(self, item: Command) -> str | None:
        body = item.body
        reject_unknown(body, ("id", "expected_version", "reason"), "")
        uuid = self._entry_id(body, "id")
        reason = body.get("reason", "")
        payload = {
            "id": str(uuid),
            "reason": reason,
            "expected_version": body.get("expected_version"),
        }
        if self._present(item.key, "retract_entry", payload):
            return None
        self._changing(uuid, body, "id").retract(reason, by=self.by, idempotency_key=item.key)
        return self._planned(item.key, "retract_entry", payload, f"retract entry {body['id']!r}")

    def _link(self, item: Command) -> str | None:
        body = item.body
        reject_unknown(body, ("id", "relation", "entry"), "")
        uuid, target_id = self._entry_id(body, "id"), self._entry_id(body, "entry")
        relation = body.get("relation", "")
        payload = {
            "id": str(uuid),
            "relation": relation,
            "entry": str(target_id),
            "expected_version": None,
        }
        if self._present(item.key, "link_entries", payload):
            return None
        entry = self._changing(uuid, body, "id")
        target = self._changing(target_id, body, "entry")
        entry.link(relation, target, by=self.by, idempotency_key=item.key)
        planned = f"link entry {body['id']!r} {relation} {body['entry']!r}"
        return self._planned(item.key, "link_entries", payload, planned)

    def _citation(self, item: Command) -> str | None:
        body = item.body
        reject_unknown(body, ("id", "expected_version", "source", "quote", "locator"), "")
        citation = {k: v for k, v in body.items() if k not in ("id", "expected_version")}
        uuid = self._entry_id(body, "id")
        expected = body.get("expected_version")
        payload = {"id": str(uuid), **citation, "expected_version": expected}
        if self._present(item.key, "cite_source", payload):
            return None
        entry = self._changing(uuid, body, "id")
        cited = parse_citation(citation, "")
        if not self._has_source(cited["source"]):
            raise _unregistered("source", "source", cited["source"])
        entry.cite(cited, by=self.by, idempotency_key=item.key)
        planned = f"cite source {cited['source']!r} in entry {body['id']!r}"
        return self._planned(item.key, "cite_source", payload, planned)

    def _actor_change(self, item: Command) -> str | None:
        """A rename, alias, role, role_end or merge, read as the import reads it and
        decided as the write service decides it, on copies held in memory."""
        command = read_actor_record(item.type, item.body, by=self.by, idempotency_key=item.key)
        if self._present(item.key, command.name, command.payload):
            return None
        actor = self._changing_actor(command.slug)
        check_version(command.slug, actor.version, command.expected_version)
        command.decide(actor, self._changing_actor)
        return self._planned(item.key, command.name, command.payload, command.described)

    def _present(self, key: str, command: str, payload: object) -> bool:
        """Whether the command was run under `key` before, by the store or the file;
        raise IdempotencyKeyReused when `key` was used for something else."""
        fingerprint = command_fingerprint(command, payload)
        prior = self.app.keys.find_prior_result(self.by, key)
        held = self._keys.get(key) if prior is None else prior.fingerprint
        if held is not None:
            if held != fingerprint:
                raise IdempotencyKeyReused(key)
            return True
        entry_id = entry_id_hex(self.by, key)
        if entry_id in self._tails or self.app.keys.find_recorded([entry_id]):
            raise IdempotencyKeyReused(key)  # an entry was recorded under it
        return False

    def _planned(self, key: str, command: str, payload: object, planned: str) -> str:
        self._keys[key] = command_fingerprint(command, payload)
        return planned

    def _entry_id(self, body: dict[str, Any], name: str) -> UUID:
        return UUID(entry_reference(self.by, body.get(name), name))

    def _changing(self, uuid: UUID, body: dict[str, Any], name: str) -> Entry:
        """The entry `body[name]` names, as the import would find it, held in memory."""
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
                        name,
                        f"no entry {body.get(name)!r} is recorded; record it before what names it",
                    ) from None
            self._entries[uuid] = entry
        if name == "id":
            check_version(str(uuid), entry.version, body.get("expected_version"))
        return entry

    def _changing_actor(self, slug: str) -> Actor:
        """The actor `slug`, as the import would find it, held in memory; raise
        ActorNotFound, as the store would."""
        actor = self._changed_actors.get(slug)
        if actor is None:
            fields = self._actors.get(slug)
            if fields is not None:
                actor = Actor.register(fields, by=self.by)
            else:
                actor = self.app.get_actor(slug)
            self._changed_actors[slug] = actor
        return actor

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


def _fields_of(actor: Actor) -> ActorFields:
    return ActorFields(actor.slug, actor.name, actor.kind, actor.aliases, actor.roles)


def _unregistered(field: str, kind: str, slug: str) -> UnknownReference:
    return UnknownReference(field, f"no {kind} {slug!r} is registered; register it first")
