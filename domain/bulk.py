"""The bulk path for entries: many `Recorded` events in one transaction.

Recording an entry through the write service builds an aggregate, then has
the transcoder walk its event. An import of 100,000 entries spends more time
there than in the database, so this path builds the stored event directly
from the validated fields, in the exact bytes the write service would store
(`tests/integration/test_bulk.py` holds the two equal for every kind), and
hands whole batches to the recorder with their idempotency claims.

It works in two steps, so that the first can run in another process:
`prepare_entry` validates a body and encodes everything of its event but the
timestamp; `BulkEntryWriter.write` checks references and keys against the
store, stamps the batch and inserts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha1
from typing import Any, NamedTuple
from uuid import UUID, uuid5

import orjson
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import get_topic

from domain.application import TimelineApp, command_fingerprint
from domain.entries import ENTRY_CLASSES, Entry, EntryFields, parse_entry
from domain.errors import UnknownReference
from domain.store import IdempotencyClaim
from domain.transcoder import default_transcoder

__all__ = [
    "IMPORT_NAMESPACE",
    "BatchOutcome",
    "BulkEntryWriter",
    "PreparedEntry",
    "encode_recorded",
    "entry_id_for",
    "prepare_entry",
    "reused_key",
]

# Fixed: an imported entry's id is uuid5 of "principal/key", so a second
# import, and any record naming the entry by its key, finds the same entry.
IMPORT_NAMESPACE = UUID("3d0c9a57-1f7e-4b8e-a0a4-6c2f5e9b7d13")

_TOPICS = {kind: get_topic(cls.Recorded) for kind, cls in ENTRY_CLASSES.items()}
_ORIGINATOR_TOPICS = {kind: get_topic(cls) for kind, cls in ENTRY_CLASSES.items()}
_STAMP_HEAD = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'
_TRANSCODER = default_transcoder()
_NAMESPACE_BYTES = IMPORT_NAMESPACE.bytes


def entry_id_for(principal: str, key: str) -> UUID:
    """The id of the entry that `principal` imports under `key`."""
    return uuid5(IMPORT_NAMESPACE, f"{principal}/{key}")


def _entry_id_text(principal: str, key: str) -> str:
    """`str(entry_id_for(principal, key))` without building a UUID, at a fifth of the cost."""
    digest = bytearray(sha1(_NAMESPACE_BYTES + f"{principal}/{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def reused_key(key: str) -> str:
    """How an import words a key that was used before for different content."""
    return f"key: {key!r} was already used for different content"


class PreparedEntry(NamedTuple):
    """A validated entry body, encoded but for its timestamp; cheap to pickle."""

    line: int
    key: str
    fingerprint: str
    entry_id: str
    topic: str
    tail: bytes  # the stored state after `{"timestamp":…,`
    actors: tuple[str, ...]
    sources: tuple[str, ...]


def prepare_entry(line: int, body: Mapping[str, Any], *, by: str, key: str) -> PreparedEntry:
    """Validate `body` and encode its event; raise ValidationError naming the field.

    Raise TypeError (orjson's JSONEncodeError among them) for a value no
    transcoder can store, such as an integer beyond 64 bits.
    """
    fields = parse_entry(body)
    return PreparedEntry(
        line=line,
        key=key,
        fingerprint=command_fingerprint("record_entry", body),
        entry_id=_entry_id_text(by, key),
        topic=_TOPICS[fields.kind],
        tail=_encode_tail(fields, by, key),
        actors=tuple(a["actor"] for a in fields.actors),
        sources=tuple(c["source"] for c in fields.citations),
    )


def encode_recorded(
    fields: EntryFields, *, entry_id: UUID, by: str, key: str | None, timestamp: datetime
) -> StoredEvent:
    """The stored `Recorded` event of `fields`, as the write service would store it."""
    return StoredEvent(
        originator_id=entry_id,
        originator_version=1,
        topic=_TOPICS[fields.kind],
        state=_stamped(_encode_tail(fields, by, key), _stamp(timestamp)),
    )


def _encode_tail(fields: EntryFields, by: str, key: str | None) -> bytes:
    # The order is the event's attribute order, which the mapper encodes.
    state = {
        "originator_topic": _ORIGINATOR_TOPICS[fields.kind],
        "title": fields.title,
        "summary": fields.summary,
        "occurred": {"_type_": "edtf", "_data_": fields.occurred.to_json()},
        "actors": fields.actors,
        "topics": fields.topics,
        "location": fields.location,
        "details": fields.details,
        "citations": fields.citations,
        "note": fields.note,
        "by": by,
        "idempotency_key": key,
    }
    try:
        encoded = orjson.dumps(state, option=orjson.OPT_PASSTHROUGH_SUBCLASS)
    except orjson.JSONEncodeError:
        # Only values that did not come from JSON (subclasses of built-ins,
        # tuples inside details) get here: the transcoder decides for them as
        # it does on the normal path, and raises when it cannot.
        encoded = _TRANSCODER.encode(state)
    return encoded[1:]


def _stamp(timestamp: datetime) -> bytes:
    return timestamp.isoformat().encode()


def _stamped(tail: bytes, stamp: bytes) -> bytes:
    return b"".join((_STAMP_HEAD, stamp, b'"},', tail))


@dataclass
class BatchOutcome:
    """What one batch did: lines stored, lines already present, problems by line."""

    stored: list[int] = field(default_factory=list)
    present: list[int] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


class BulkEntryWriter:
    """Writes batches of prepared entries for one principal; see the module docstring."""

    def __init__(self, app: TimelineApp, *, by: str) -> None:
        self.app = app
        self.by = by
        # Actors and sources are never removed: a combination checked once
        # stays good, and imports repeat a few combinations many times.
        self._verified: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()

    def write(self, batch: Sequence[PreparedEntry]) -> BatchOutcome:
        """Store the new entries of `batch` in one transaction; report the rest.

        An entry citing an unregistered actor or source, or reusing a key for
        different content, is a problem and nothing of it is stored; an entry
        whose key already holds the same content is present.
        """
        outcome = BatchOutcome()
        fresh: dict[str, PreparedEntry] = {}
        verified = self._verified
        for entry in batch:
            references = (entry.actors, entry.sources)
            if references not in verified:
                try:
                    self.app.require_registered(*references)
                except UnknownReference as error:
                    outcome.problems.append((entry.line, str(error)))
                    continue
                verified.add(references)
            twin = fresh.get(entry.key)
            if twin is None:
                fresh[entry.key] = entry
            elif twin.fingerprint == entry.fingerprint:
                outcome.present.append(entry.line)
            else:
                outcome.problems.append((entry.line, reused_key(entry.key)))
        claimed = self.app.keys.find_claimed(self.by, list(fresh))
        new = []
        for key, entry in fresh.items():
            if key not in claimed:
                new.append(entry)
            elif claimed[key] == entry.fingerprint:
                outcome.present.append(entry.line)
            else:
                outcome.problems.append((entry.line, reused_key(key)))
        if new:
            self._insert(new, outcome)
        return outcome

    def _insert(self, entries: list[PreparedEntry], outcome: BatchOutcome) -> None:
        stamp = _stamp(Entry.Recorded.create_timestamp())
        events, claims = [], []
        for entry in entries:
            uuid = UUID(entry.entry_id)
            events.append(StoredEvent(uuid, 1, entry.topic, _stamped(entry.tail, stamp)))
            claims.append(
                IdempotencyClaim(self.by, entry.key, entry.fingerprint, entry.entry_id, uuid, 1)
            )
        try:
            self.app.recorder.insert_events(events, idempotency=claims)
        except IntegrityError:
            # A concurrent writer claimed some key since the look-up: record
            # one at a time, so each entry alone is stored or found present.
            for entry, event, claim in zip(entries, events, claims, strict=True):
                self._insert_one(entry, event, claim, outcome)
            return
        outcome.stored.extend(entry.line for entry in entries)

    def _insert_one(
        self,
        entry: PreparedEntry,
        event: StoredEvent,
        claim: IdempotencyClaim,
        outcome: BatchOutcome,
    ) -> None:
        try:
            self.app.recorder.insert_events([event], idempotency=[claim])
        except IntegrityError:
            prior = self.app.keys.find_prior_result(self.by, entry.key)
            if prior is not None and prior.fingerprint == entry.fingerprint:
                outcome.present.append(entry.line)
            else:
                outcome.problems.append((entry.line, reused_key(entry.key)))
            return
        outcome.stored.append(entry.line)
