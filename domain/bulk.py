"""The bulk path for entries: many `Recorded` events in one transaction.

Recording an entry through the write service builds an aggregate, then has
the transcoder walk its event. An import of 100,000 entries spends more time
there than in the database, so this path builds the stored event directly
from the validated fields, in the exact bytes the write service would store
(`tests/integration/test_bulk.py` holds the two equal for every kind), and
hands whole batches to the recorder.

An entry's id is derived from its principal and key (`domain.entry_keys`),
so the entry itself records that its key was used: the bulk path writes no
idempotency claims. Before a batch goes in, one look-up finds which of its
keys the write service claimed, maybe for another command; then the batch
goes in whole, and only when the store refuses an id already recorded does a
look-up find which. An entry found either way is present when its content is
byte-equal, and reuses its key otherwise.

It works in two steps, so that the first can run in another process:
`prepare_entry` validates a body and encodes everything of its event but the
timestamp; `BulkEntryWriter.write` checks references and keys against the
store, derives the ids, stamps the batch and inserts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import get_topic

from domain.application import TimelineApp
from domain.dates import EdtfDate
from domain.entries import ENTRY_CLASSES, Entry, EntryFields, parse_entry
from domain.entry_keys import STAMP_HEAD, content_of, entry_id_hex
from domain.errors import UnknownReference
from domain.transcoder import default_transcoder

__all__ = [
    "BatchOutcome",
    "BulkEntryWriter",
    "PreparedEntry",
    "encode_recorded",
    "prepare_entry",
    "reused_key",
]

_TOPICS = {kind: get_topic(cls.Recorded) for kind, cls in ENTRY_CLASSES.items()}
_ORIGINATOR_TOPICS = {kind: get_topic(cls) for kind, cls in ENTRY_CLASSES.items()}
_TRANSCODER = default_transcoder()
_DATES: dict[str, tuple[EdtfDate, orjson.Fragment]] = {}


def reused_key(key: str) -> str:
    """How an import words a key that was used before for different content."""
    return f"key: {key!r} was already used for different content"


class PreparedEntry(NamedTuple):
    """A validated entry body, encoded but for its timestamp; cheap to pickle."""

    line: int
    key: str  # the entry's id derives from it when the batch is written
    topic: str
    tail: bytes  # the stored state after `{"timestamp":…,`: the entry's content
    actors: tuple[str, ...]
    sources: tuple[str, ...]


def prepare_entry(line: int, body: Mapping[str, Any], *, by: str, key: str) -> PreparedEntry:
    """Validate `body` and encode its event; raise ValidationError naming the field.

    Raise TypeError (orjson's JSONEncodeError among them) for a value no
    transcoder can store, such as an integer beyond 64 bits.
    """
    fields = parse_entry(body)
    return PreparedEntry(
        line,
        key,
        _TOPICS[fields.kind],
        _encode_tail(fields, by, key),
        tuple([a["actor"] for a in fields.actors]),
        tuple([c["source"] for c in fields.citations]),
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
    state: dict[str, Any] = {
        "originator_topic": _ORIGINATOR_TOPICS[fields.kind],
        "title": fields.title,
        "summary": fields.summary,
        "occurred": _encoded_date(fields.occurred),
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
        # Only values that did not come from JSON (subclasses of built-ins)
        # get here: the transcoder decides for them as it does on the normal
        # path, and raises when it cannot.
        state["occurred"] = fields.occurred
        encoded = _TRANSCODER.encode(state)
    return encoded[1:]


def _encoded_date(occurred: EdtfDate) -> orjson.Fragment:
    """The date as the transcoder encodes it, encoded once for all the entries naming it.

    `parse_edtf_date` hands out one `EdtfDate` per text while it holds it in
    its cache, so an identical object is the same date.
    """
    known = _DATES.get(occurred.text)
    if known is not None and known[0] is occurred:
        return known[1]
    fragment = orjson.Fragment(orjson.dumps({"_type_": "edtf", "_data_": occurred.to_json()}))
    if len(_DATES) >= 8192:
        _DATES.clear()
    _DATES[occurred.text] = (occurred, fragment)
    return fragment


def _stamp(timestamp: datetime) -> bytes:
    return timestamp.isoformat().encode()


def _stamped(tail: bytes, stamp: bytes) -> bytes:
    return b"".join((STAMP_HEAD, stamp, b'"},', tail))


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
            else:
                self._compare(entry, twin.tail, outcome)
        if not fresh:
            return outcome
        # Rare: a key the write service claimed, maybe for another command.
        for key, state in self.app.keys.find_claimed(self.by, list(fresh)).items():
            self._compare(fresh.pop(key), content_of(state), outcome)
        new = list(fresh.values())
        # Derived here rather than in `prepare_entry`: the process that writes
        # has time to spare, the one that prepares has none (`domain.importing`).
        ids = [entry_id_hex(self.by, entry.key) for entry in new]
        # Nearly every entry of an import is new: the store's primary key finds
        # the ids already recorded at less cost than a look-up before each batch.
        if not new or self._insert(new, ids, outcome):
            return outcome
        recorded = self.app.keys.find_recorded(ids)
        rest, rest_ids = [], []
        for entry, entry_id in zip(new, ids, strict=True):
            found = recorded.get(entry_id)
            if found is None:
                rest.append(entry)
                rest_ids.append(entry_id)
            else:
                self._compare(entry, content_of(found.state), outcome)
        if rest and not self._insert(rest, rest_ids, outcome):
            # A concurrent writer recorded some id since the look-up: record
            # one at a time, so each entry alone is stored or found present.
            for entry, entry_id in zip(rest, rest_ids, strict=True):
                self._insert_one(entry, entry_id, outcome)
        return outcome

    @staticmethod
    def _compare(entry: PreparedEntry, content: bytes, outcome: BatchOutcome) -> None:
        """Count `entry` present when its key holds `content` already, else a problem."""
        if content == entry.tail:
            outcome.present.append(entry.line)
        else:
            outcome.problems.append((entry.line, reused_key(entry.key)))

    def _insert(self, entries: list[PreparedEntry], ids: list[str], outcome: BatchOutcome) -> bool:
        """Store `entries` in one transaction; False, storing none, if an id is taken."""
        head = b"".join((STAMP_HEAD, _stamp(Entry.Recorded.create_timestamp()), b'"},'))
        rows = [
            (entry_id, 1, entry.topic, head + entry.tail)
            for entry, entry_id in zip(entries, ids, strict=True)
        ]
        try:
            self.app.keys.insert_event_rows(rows)
        except IntegrityError:
            return False
        outcome.stored.extend([entry.line for entry in entries])
        return True

    def _insert_one(self, entry: PreparedEntry, entry_id: str, outcome: BatchOutcome) -> None:
        if not self._insert([entry], [entry_id], outcome):
            found = self.app.keys.find_recorded([entry_id]).get(entry_id)
            self._compare(entry, b"" if found is None else content_of(found.state), outcome)
