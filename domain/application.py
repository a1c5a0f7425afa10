"""The write service: imperative commands over entries, actors and sources.

Every command validates before anything is stored, then stores all of its
events in one transaction and returns the id, the new version and the log
position. A command carrying an idempotency key that was used before returns
the first result and stores nothing.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID, uuid4

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, Mapper, Recording, Transcoder

from domain import actor_commands
from domain.actor_commands import ActorCommand
from domain.actors import Actor, parse_actor
from domain.entries import Entry, parse_entry
from domain.entry_keys import content_of, entry_id_for, entry_id_hex
from domain.errors import (
    ActorNotFound,
    AlreadyRegistered,
    DomainError,
    EntryNotFound,
    IdempotencyKeyReused,
    SourceNotFound,
    UnknownReference,
    ValidationError,
    VersionConflict,
)
from domain.sources import Source, parse_source
from domain.store import IdempotencyClaim, IdempotentRecorder, PriorResult, RecordedEntry
from domain.transcoder import default_transcoder
from domain.values import (
    ActorRole,
    Citation,
    actor_uuid,
    parse_citation,
    require_text,
    source_uuid,
)

__all__ = ["CommandResult", "TimelineApp", "check_version", "command_fingerprint"]

A = TypeVar("A", bound=Aggregate)
P = ParamSpec("P")
RECORD_ENTRY = "record_entry"


@dataclass(frozen=True)
class CommandResult:
    """What a command did: the aggregate's public id, new version and log position."""

    id: str
    version: int
    position: int


@dataclass(frozen=True)
class _Decision:
    """The aggregate a command changed, and the public id it answers with."""

    result_id: str
    primary: Aggregate


def _running(
    build: Callable[P, ActorCommand],
) -> Callable[Concatenate[TimelineApp, P], CommandResult]:
    """A TimelineApp method taking what `build` takes, running the command it builds."""

    def run(self: TimelineApp, /, *args: P.args, **kwargs: P.kwargs) -> CommandResult:
        return self.change_actor(build(*args, **kwargs))

    run.__name__ = run.__qualname__ = build.__name__
    run.__doc__ = build.__doc__
    # So help() and inspect show the command's parameters, not *args and **kwargs.
    signature = inspect.signature(build)
    own = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[own, *signature.parameters.values()], return_annotation="CommandResult"
    )
    return run


class TimelineApp(Application[UUID]):
    """Records entries, actors and sources as events; see the module docstring."""

    name = "timeline"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        # Actors and sources are never deleted, so once seen they exist for good.
        self._known: set[UUID] = set()
        self._when_written: list[Callable[[], None]] = []

    def when_written(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every command that stores events, once they are
        committed: the composition root (`projections.bootstrap`) hangs the read
        models here, so no caller of a command has to remember to bring them up.
        A listener's error propagates to the command's caller; the events stay stored.
        """
        self._when_written.append(listener)

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """The library's `Application.save`, faster for the aggregates this service makes.

        The library's `ProcessingEvent.collect_events` asks each object given
        whether it is an event or an aggregate by two runtime-checkable
        protocols, 27 us on Python 3.11: a tenth of a command's CPU, a quarter
        of an entry's in a batch. An `Aggregate` is known by its class instead;
        anything else is the library's to save, and either way the same hooks
        run in the same order.
        """
        aggregates = [obj for obj in objs if isinstance(obj, Aggregate)]
        if len(aggregates) != sum(obj is not None for obj in objs):
            return super().save(*objs, **kwargs)
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # deprecated by the library, still called by it
        return recordings

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        # The library's hook, called after each save has committed.
        for listener in self._when_written:
            listener()

    def construct_transcoder(self) -> Transcoder:
        return default_transcoder()

    @property
    def keys(self) -> IdempotentRecorder:
        return self.recorder  # type: ignore[return-value]

    def head_position(self) -> int:
        """The position of the newest event in the log, 0 when it is empty."""
        return self.recorder.max_notification_id() or 0

    def log_identity(self) -> str:
        """A digest of the log's first event, "" while the log is empty.

        Every copy of one log has it, and a store made anew (an import of an
        export, under the same file name too) has another: its first event was
        recorded at another moment, which the event's state holds.
        """
        first = self.recorder.select_notifications(None, 1)
        if not first:
            return ""
        event = first[0]
        seen = hashlib.sha256(f"{event.originator_id}\n{event.originator_version}\n".encode())
        seen.update(event.state)
        return seen.hexdigest()[:16]

    # Actors ---------------------------------------------------------------

    def register_actor(
        self, body: Mapping[str, Any], *, by: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Register a person or organisation; raise ValidationError or AlreadyRegistered."""

        def decide() -> _Decision:
            fields = parse_actor(body)
            if self._exists(actor_uuid(fields.slug), Actor):
                raise AlreadyRegistered("actor", fields.slug)
            actor = Actor.register(fields, by=by, idempotency_key=idempotency_key)
            return _Decision(fields.slug, actor)

        return self._execute("register_actor", body, by, idempotency_key, decide)

    # Each change to an actor is defined once in domain.actor_commands (its
    # parameters, payload and decision); the dry run runs the same ones.
    rename_actor = _running(actor_commands.rename_actor)
    add_alias = _running(actor_commands.add_alias)
    assume_role = _running(actor_commands.assume_role)
    end_role = _running(actor_commands.end_role)
    merge_actor = _running(actor_commands.merge_actor)

    def change_actor(self, command: ActorCommand) -> CommandResult:
        """Run a change to an existing actor (`domain.actor_commands`) and save it;
        raise ActorNotFound, VersionConflict, or what the change raises."""
        slug = command.slug

        def decide() -> _Decision:
            actor = self.get_actor(slug)
            check_version(slug, actor.version, command.expected_version)
            command.decide(actor, self.get_actor)
            return _Decision(slug, actor)

        return self._execute(
            command.name, command.payload, command.by, command.idempotency_key, decide
        )

    def get_actor(self, slug: str, version: int | None = None) -> Actor:
        """The actor now, or at `version`; raise ActorNotFound."""
        return self._get(actor_uuid(slug), Actor, lambda: ActorNotFound(slug), version)

    # Sources --------------------------------------------------------------

    def register_source(
        self, body: Mapping[str, Any], *, by: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Register a publication; raise ValidationError or AlreadyRegistered."""

        def decide() -> _Decision:
            fields = parse_source(body)
            if self._exists(source_uuid(fields.slug), Source):
                raise AlreadyRegistered("source", fields.slug)
            source = Source.register(fields, by=by, idempotency_key=idempotency_key)
            return _Decision(fields.slug, source)

        return self._execute("register_source", body, by, idempotency_key, decide)

    def get_source(self, slug: str) -> Source:
        """The source as registered; raise SourceNotFound."""
        return self._get(source_uuid(slug), Source, lambda: SourceNotFound(slug))

    # Entries --------------------------------------------------------------

    def record_entry(
        self, body: Mapping[str, Any], *, by: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Record an entry of any kind; raise ValidationError or UnknownReference.

        With an idempotency key, the entry's id is derived from the principal
        and the key (`domain.entry_keys`), as an import derives it, so an
        entry an import recorded under the key answers a retry too.
        """

        def decide() -> _Decision:
            key = None if idempotency_key is None else idempotency_key.strip()
            entry_id = uuid4() if key is None else entry_id_for(by, key)
            entry = self._draft_entry(body, by, key, entry_id)
            return _Decision(str(entry.id), entry)

        return self._execute(RECORD_ENTRY, body, by, idempotency_key, decide)

    def record_entry_with_actor(
        self, actor: Mapping[str, Any], body: Mapping[str, Any], *, by: str
    ) -> tuple[CommandResult, CommandResult]:
        """Register `actor` and record the entry `body` (which may name it) in one
        transaction: both, or neither. Raise as register_actor and record_entry do;
        the browser's form registers an actor inline this way, so a refused entry
        leaves no actor behind."""
        by = _principal(by)
        fields = parse_actor(actor)
        if self._exists(actor_uuid(fields.slug), Actor):
            raise AlreadyRegistered("actor", fields.slug)
        registered = Actor.register(fields, by=by)
        entry_fields = parse_entry(body)
        others = [pair for pair in entry_fields.actors if pair["actor"] != fields.slug]
        self._check_references_in(others, entry_fields.citations, body)
        entry = Entry.record(entry_fields, id=uuid4(), by=by)
        try:
            recordings = self.save(registered, entry)
        except IntegrityError:  # registered meanwhile, by another writer
            raise AlreadyRegistered("actor", fields.slug) from None
        return (
            CommandResult(fields.slug, registered.version, recordings[0].notification.id),
            CommandResult(str(entry.id), entry.version, recordings[-1].notification.id),
        )

    def record_entries(
        self, bodies: Sequence[Mapping[str, Any]], *, by: str
    ) -> list[CommandResult]:
        """Record many entries in one transaction: all of them, or none.

        A ValidationError's field is prefixed with the body's index (`3.title`).
        """
        by = _principal(by)
        entries = []
        for index, body in enumerate(bodies):
            try:
                entries.append(self._draft_entry(body, by))
            except ValidationError as error:
                raise type(error)(f"{index}.{error.field}", error.message) from None
        recordings = self.save(*entries)
        return [
            CommandResult(
                str(r.domain_event.originator_id),
                r.domain_event.originator_version,
                r.notification.id,
            )
            for r in recordings
        ]

    def correct_entry(
        self,
        entry_id: str,
        *,
        expected_version: int | None,
        changes: Mapping[str, Any],
        reason: str,
        source: Mapping[str, Any] | None = None,
        by: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Correct fields of an entry; the earlier version stays readable.

        `expected_version` None skips the concurrency check (an import may omit it).
        """
        payload = {"changes": changes, "reason": reason, "source": source}

        def change(entry: Entry) -> None:
            citation = None if source is None else self._citation(source, "source")
            entry.correct(changes, reason, citation, by=by, idempotency_key=idempotency_key)
            # The event is still pending: an unknown actor here discards it unsaved.
            if "actors" in changes or "details" in changes:
                self._check_references_in(entry.actors, [], changes, "changes.")

        return self._change_entry(
            "correct_entry", entry_id, payload, expected_version, by, idempotency_key, change
        )

    def cite_source(
        self,
        entry_id: str,
        citation: Mapping[str, Any],
        *,
        by: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Add a corroborating citation to an entry; `citation` is the whole body
        `{source, quote?, locator?}`, so an error names `source`, not `source.source`."""
        return self._change_entry(
            "cite_source",
            entry_id,
            citation,
            expected_version,
            by,
            idempotency_key,
            lambda entry: entry.cite(
                self._citation(citation, ""), by=by, idempotency_key=idempotency_key
            ),
        )

    def link_entries(
        self,
        entry_id: str,
        relation: str,
        target: str,
        *,
        by: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Link an entry to another: responds_to, part_of, follows or contradicts."""

        def link(entry: Entry) -> None:
            other = self._entry_reference(target, "entry")
            entry.link(relation, other, by=by, idempotency_key=idempotency_key)

        return self._change_entry(
            "link_entries",
            entry_id,
            {"relation": relation, "entry": target},
            expected_version,
            by,
            idempotency_key,
            link,
        )

    def retract_entry(
        self,
        entry_id: str,
        *,
        expected_version: int | None,
        reason: str,
        by: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Withdraw an entry; it leaves timelines but stays in its history."""
        return self._change_entry(
            "retract_entry",
            entry_id,
            {"reason": reason},
            expected_version,
            by,
            idempotency_key,
            lambda entry: entry.retract(reason, by=by, idempotency_key=idempotency_key),
        )

    def get_entry(self, entry_id: str, version: int | None = None) -> Entry:
        """The entry now, or at `version`; raise EntryNotFound."""
        uuid = _entry_uuid(entry_id)
        return self._get(uuid, Entry, lambda: EntryNotFound(entry_id), version)

    # Machinery ------------------------------------------------------------

    def _execute(
        self,
        command: str,
        payload: object,
        by: str,
        key: str | None,
        decide: Callable[[], _Decision],
    ) -> CommandResult:
        by = _principal(by)
        fingerprint = command_fingerprint(command, payload)
        if key is not None:
            key = require_text(key, "idempotency_key", limit=255)
            if command == RECORD_ENTRY:
                return self._record_keyed(by, key, fingerprint, decide)
            prior = self.keys.find_prior_result(by, key)
            if prior is not None:
                return _replayed(prior, fingerprint, key)
            # A key an import used has no claim: the entry it recorded holds it.
            if self._keyed_entry(by, key) is not None:
                raise IdempotencyKeyReused(key)
        return self._save(command, decision=decide(), by=by, key=key, fingerprint=fingerprint)

    def _record_keyed(
        self, by: str, key: str, fingerprint: str, decide: Callable[[], _Decision]
    ) -> CommandResult:
        """Record a new entry under `key` without first asking whether the key is used.

        The entry's id is derived from the key, so a key used before (by a
        command, or by an import) makes the insert fail and stores nothing: only
        then is the first result looked up. A first use, the common case, costs
        the store no look-up: two round trips less on the path of every write.
        """
        try:
            decision = decide()
        except DomainError:
            # A retry is answered as the first time even if its body would no
            # longer be accepted; a reused key with a bad body is a reused key.
            if prior := self.keys.find_prior_result(by, key):
                return _replayed(prior, fingerprint, key)
            raise
        return self._save(RECORD_ENTRY, decision, by=by, key=key, fingerprint=fingerprint)

    def _save(
        self, command: str, decision: _Decision, *, by: str, key: str | None, fingerprint: str
    ) -> CommandResult:
        primary = decision.primary
        claims = (
            ()
            if key is None
            else (
                IdempotencyClaim(
                    by, key, fingerprint, decision.result_id, primary.id, primary.version
                ),
            )
        )
        # Saving takes the pending events off the aggregate; a key an import
        # used is judged on the event this command would have stored.
        pending = list(primary.pending_events)
        try:
            recordings = self.save(primary, idempotency=claims)
        except IntegrityError:
            # The key was used before, or lost a race: either the same key, or a
            # concurrent write to the aggregate.
            if key is not None:
                if prior := self.keys.find_prior_result(by, key):
                    return _replayed(prior, fingerprint, key)
                if command == RECORD_ENTRY and (keyed := self._keyed_entry(by, key)):
                    return _recorded_alike(keyed, decision, pending, self.mapper, key)
            raise self._conflict(decision) from None
        return CommandResult(decision.result_id, primary.version, recordings[0].notification.id)

    def _keyed_entry(self, by: str, key: str) -> RecordedEntry | None:
        """The entry recorded under `key` by `by`, when there is one."""
        entry_id = entry_id_hex(by, key)
        return self.keys.find_recorded([entry_id]).get(entry_id)

    def _conflict(self, decision: _Decision) -> Exception:
        primary = decision.primary
        if isinstance(primary, Actor | Source) and primary.version == 1:
            return AlreadyRegistered(type(primary).__name__.lower(), decision.result_id)
        current: int = self.repository.get(primary.id).version
        return VersionConflict(decision.result_id, primary.version - 1, current)

    def _change_entry(
        self,
        command: str,
        entry_id: str,
        payload: Mapping[str, Any],
        expected: int | None,
        by: str,
        key: str | None,
        change: Callable[[Entry], None],
    ) -> CommandResult:
        def decide() -> _Decision:
            entry = self.get_entry(entry_id)
            check_version(entry_id, entry.version, expected)
            change(entry)
            return _Decision(str(entry.id), entry)

        return self._execute(
            command, {"id": entry_id, **payload, "expected_version": expected}, by, key, decide
        )

    def _draft_entry(
        self,
        body: Mapping[str, Any],
        by: str,
        key: str | None = None,
        entry_id: UUID | None = None,
    ) -> Entry:
        """A new, unsaved entry from `body`, its actors and sources checked."""
        fields = parse_entry(body)
        self._check_references_in(fields.actors, fields.citations, body)
        return Entry.record(fields, id=entry_id or uuid4(), by=by, idempotency_key=key)

    def require_registered(self, actors: Sequence[str], sources: Sequence[str]) -> None:
        """Check an entry's actor and source slugs, as recording it would.

        Raise UnknownReference naming `actors.N.actor` or `sources.N.source`.
        """
        for i, slug in enumerate(actors):
            if actor_uuid(slug) not in self._known:
                self._require(slug, f"actors.{i}.actor", actor_uuid, Actor)
        for i, slug in enumerate(sources):
            if source_uuid(slug) not in self._known:
                self._require(slug, f"sources.{i}.source", source_uuid, Source)

    def _check_references_in(
        self,
        actors: Iterable[ActorRole],
        citations: Iterable[Citation],
        body: Mapping[str, Any],
        prefix: str = "",
    ) -> None:
        """Raise UnknownReference for the first unregistered actor or source,
        naming the field of `body` that names it."""
        for pair in actors:
            slug = pair["actor"]
            if not self._exists(actor_uuid(slug), Actor):
                raise _unregistered(prefix + _where_named(body, slug), Actor, slug)
        for i, citation in enumerate(citations):
            self._require(citation["source"], f"sources.{i}.source", source_uuid, Source)

    def _citation(self, body: Mapping[str, Any], field: str) -> Citation:
        citation = parse_citation(body, field)
        where = f"{field}.source" if field else "source"
        self._require(citation["source"], where, source_uuid, Source)
        return citation

    def _require(
        self, slug: str, field: str, to_uuid: Callable[[str], UUID], cls: type[Aggregate]
    ) -> None:
        if not self._exists(to_uuid(slug), cls):
            raise _unregistered(field, cls, slug)

    def _entry_reference(self, entry_id: str, field: str) -> Entry:
        try:
            return self.get_entry(entry_id)
        except EntryNotFound:
            raise UnknownReference(field, f"no entry {entry_id!r} is recorded") from None

    def _exists(self, uuid: UUID, cls: type[Aggregate]) -> bool:
        if uuid in self._known:
            return True
        try:
            found = isinstance(self.repository.get(uuid), cls)
        except AggregateNotFoundError:
            return False
        if found:
            self._known.add(uuid)
        return found

    def _get(
        self,
        uuid: UUID,
        cls: type[A],
        missing: Callable[[], DomainError],
        version: int | None = None,
    ) -> A:
        try:
            aggregate: Aggregate = self.repository.get(uuid, version=version)
        except AggregateNotFoundError:
            raise missing() from None
        if not isinstance(aggregate, cls):
            raise missing()
        return aggregate


def _unregistered(field: str, cls: type[Aggregate], slug: str) -> UnknownReference:
    return UnknownReference(
        field, f"no {cls.__name__.lower()} {slug!r} is registered; register it first"
    )


def _where_named(body: Mapping[str, Any], slug: str) -> str:
    """The field of an entry body that names actor `slug`: the entry's actors
    come from `actors` and from the details (participants, speaker, agency,
    positions), and an error should point at what the client wrote."""
    for i, pair in enumerate(body.get("actors") or ()):
        if isinstance(pair, Mapping) and pair.get("actor") == slug:
            return f"actors.{i}.actor"
    details = body.get("details") or {}
    for i, participant in enumerate(details.get("participants") or ()):
        if participant == slug:
            return f"details.participants.{i}"
    for key in ("speaker", "agency"):
        if details.get(key) == slug:
            return f"details.{key}"
    for i, position in enumerate(details.get("positions") or ()):
        if isinstance(position, Mapping) and position.get("actor") == slug:
            return f"details.positions.{i}.actor"
    return "actors"


def check_version(ident: str, version: int, expected: object) -> None:
    """Check a command's `expected_version` against the aggregate's `version`; None
    skips the check. The dry run checks with it too, so both word it alike."""
    if expected is None:
        return
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise ValidationError("expected_version", "expected a whole number")
    if version != expected:
        raise VersionConflict(ident, expected, version)


def _principal(by: str) -> str:
    """Check the principal; it is stored exactly as given, on events and keys alike."""
    require_text(by, "by", limit=200)
    return by


def command_fingerprint(command: str, payload: object) -> str:
    """What a command's idempotency key is held to: a hash of the command and its input.

    Raise ValidationError for input JSON cannot hold (a whole number over 64 bits).
    """
    try:
        data = orjson.dumps([command, payload], option=orjson.OPT_SORT_KEYS, default=str)
    except orjson.JSONEncodeError as error:
        raise ValidationError("body", f"cannot be stored as JSON: {error}") from None
    return hashlib.sha256(data).hexdigest()


def _recorded_alike(
    recorded: RecordedEntry,
    decision: _Decision,
    pending: Sequence[Any],
    mapper: Mapper[UUID],
    key: str,
) -> CommandResult:
    """The first result of a keyed entry recorded again; raise IdempotencyKeyReused
    unless the new entry's content (its one `pending` event) is byte-equal to the
    recorded one."""
    [event] = pending
    state = mapper.to_stored_event(event).state
    if content_of(state) != content_of(recorded.state):
        raise IdempotencyKeyReused(key)
    return CommandResult(decision.result_id, 1, recorded.position)


def _replayed(prior: PriorResult, fingerprint: str, key: str) -> CommandResult:
    if prior.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    return CommandResult(prior.result_id, prior.version, prior.position)


def _entry_uuid(entry_id: str) -> UUID:
    try:
        return UUID(str(entry_id))
    except ValueError:
        raise EntryNotFound(str(entry_id)) from None
