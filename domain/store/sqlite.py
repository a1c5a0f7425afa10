"""The SQLite event store: the library's recorder, plus idempotency keys and batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory

from domain.store import EventRow, IdempotencyClaim, PriorResult, RecordedEntry

__all__ = ["SQLiteEventRecorder", "SQLiteStore"]


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """Writes idempotency keys in the events' transaction; batches with executemany."""

    keys_table = "idempotency_keys"

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.keys_table} ("
            "principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "result_id TEXT NOT NULL, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
            "PRIMARY KEY (principal, key)) WITHOUT ROWID",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        claims: Sequence[IdempotencyClaim] = kwargs.get("idempotency", ())
        if claims:
            # A second use of a key violates the primary key and rolls back
            # the whole transaction, events included.
            c.executemany(
                f"INSERT INTO {self.keys_table} VALUES (?,?,?,?,?,?)",
                [
                    (
                        k.principal,
                        k.key,
                        k.fingerprint,
                        k.result_id,
                        k.originator_id.hex,
                        k.originator_version,
                    )
                    for k in claims
                ],
            )
        if len(stored_events) < 2:
            return super()._insert_events(c, stored_events, **kwargs)
        c.executemany(
            self.insert_events_statement,
            [
                (
                    s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                    s.originator_version,
                    s.topic,
                    s.state,
                )
                for s in stored_events
            ],
        )
        # The write lock is held until commit and a new row takes the largest
        # rowid plus one, so the batch's positions are contiguous.
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        return list(range(last - len(stored_events) + 1, last + 1))

    def insert_event_rows(self, rows: Sequence[EventRow]) -> None:
        # The hex of an id is what this recorder stores for a UUID.
        with self.datastore.transaction(commit=True) as c:
            c.executemany(self.insert_events_statement, rows)

    def find_prior_result(self, principal: str, key: str) -> PriorResult | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT k.fingerprint, k.result_id, k.originator_version, e.rowid "
                f"FROM {self.keys_table} k JOIN {self.events_table_name} e "
                "ON e.originator_id = k.originator_id "
                "AND e.originator_version = k.originator_version "
                "WHERE k.principal = ? AND k.key = ?",
                (principal, key),
            )
            row = c.fetchone()
        if row is None:
            return None
        return PriorResult(str(row[0]), str(row[1]), int(row[2]), int(row[3]))

    def find_claimed(self, principal: str, keys: Sequence[str]) -> dict[str, bytes]:
        claimed: dict[str, bytes] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(keys):
                c.execute(
                    f"SELECT k.key, e.state FROM {self.keys_table} k "
                    f"JOIN {self.events_table_name} e ON e.originator_id = k.originator_id "
                    "AND e.originator_version = k.originator_version "
                    f"WHERE k.principal = ? AND k.key IN ({','.join('?' * len(chunk))})",
                    (principal, *chunk),
                )
                claimed.update((str(row[0]), bytes(row[1])) for row in c.fetchall())
        return claimed

    def find_recorded(self, ids: Sequence[str]) -> dict[str, RecordedEntry]:
        # The ids are the hex this recorder stores for a UUID.
        recorded: dict[str, RecordedEntry] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(ids):
                c.execute(
                    f"SELECT originator_id, state, rowid FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                    "AND originator_version = 1",
                    chunk,
                )
                recorded.update(
                    (str(row[0]), RecordedEntry(bytes(row[1]), int(row[2])))
                    for row in c.fetchall()
                )
        return recorded


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    """Pieces under SQLite's oldest limit of 999 bound parameters."""
    for start in range(0, len(values), 500):
        yield values[start : start + 500]


class SQLiteStore(SQLiteFactory):
    application_recorder_class = SQLiteEventRecorder
