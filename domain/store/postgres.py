"""The PostgreSQL event store: the library's recorder, plus idempotency keys."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.store import EventRow, IdempotencyClaim, PriorResult, RecordedEntry

__all__ = ["PostgresEventRecorder", "PostgresStore"]

CREATE_ATTEMPTS = 5
BEGIN, COMMIT = SQL("BEGIN"), SQL("COMMIT")
CREATE_LOCK = 0x6C6F_6773  # "logs": the advisory lock key of the event tables' creation


class PostgresEventRecorder(PostgresApplicationRecorder):
    """Writes idempotency keys in the same transaction as the events."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.keys_table = Identifier(datastore.schema, f"{events_table_name}_keys")
        events = Identifier(datastore.schema, events_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} ("
                "principal text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, "
                "result_id text NOT NULL, "
                "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                "PRIMARY KEY (principal, key))"
            ).format(table=self.keys_table)
        )
        self.insert_key_statement = SQL(
            "INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s)"
        ).format(table=self.keys_table)
        self.select_key_statement = SQL(
            "SELECT k.fingerprint, k.result_id, k.originator_version, e.notification_id "
            "FROM {keys} k JOIN {events} e ON e.originator_id = k.originator_id "
            "AND e.originator_version = k.originator_version "
            "WHERE k.principal = %s AND k.key = %s"
        ).format(keys=self.keys_table, events=events)
        self.select_claimed_statement = SQL(
            "SELECT k.key, e.state FROM {keys} k JOIN {events} e "
            "ON e.originator_id = k.originator_id "
            "AND e.originator_version = k.originator_version "
            "WHERE k.principal = %s AND k.key = ANY(%s)"
        ).format(keys=self.keys_table, events=events)
        # At commit, the log's channel hears the position of the last event
        # committed: the table lock is held, so the largest position is ours.
        self.notify_position_statement = SQL(
            "SELECT pg_notify(%s, (SELECT max(notification_id) FROM {events})::text)"
        ).format(events=events)
        self.select_recorded_statement = SQL(
            "SELECT originator_id, state, notification_id FROM {events} "
            "WHERE originator_id = ANY(%s::uuid[]) AND originator_version = 1"
        ).format(events=events)

    def create_table(self) -> None:
        # Processes starting together (`project`'s followers, API workers) each run
        # the library's CREATE TYPE and CREATE TABLE IF NOT EXISTS at once, and
        # PostgreSQL can fail the losers ("duplicate key ... pg_type",
        # "tuple concurrently updated", "relation ... already exists"). Creation is
        # idempotent: try again.
        for attempt in range(CREATE_ATTEMPTS):
            try:
                super().create_table()
                return
            except (IntegrityError, InternalError, ProgrammingError):
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # The tables, indexes and functions in turn, one process at a time; only the
        # library's CREATE TYPEs, each in a transaction of its own, still need a retry.
        curs.execute(SQL("SELECT pg_advisory_xact_lock(%s)"), (CREATE_LOCK,), prepare=False)
        super()._create_table(curs)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        claims: Sequence[IdempotencyClaim] = kwargs.get("idempotency", ())
        if claims:
            # Queued in the events' transaction: a reused key fails the pipeline
            # sync and nothing of the command is stored.
            curs.executemany(
                self.insert_key_statement,
                [
                    (
                        k.principal,
                        k.key,
                        k.fingerprint,
                        k.result_id,
                        k.originator_id,
                        k.originator_version,
                    )
                    for k in claims
                ],
            )
        super()._insert_events(curs, stored_events, **kwargs)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids: Sequence[int] | None
        if self.datastore.enable_db_functions or not stored_events:
            ids = super().insert_events(stored_events, **kwargs)
        else:
            ids = self._insert_in_one_round_trip(stored_events, **kwargs)
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_one_round_trip(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        # The library's insert waits for the server at BEGIN (psycopg syncs a
        # pipeline as a transaction block opens and closes), after the inserts,
        # and at COMMIT, with the table lock held across the last round trips.
        # Here BEGIN, the keys, the lock, the NOTIFY, the events and COMMIT go
        # out together, one round trip, and the server runs them without waiting
        # on the client. A failed statement skips the rest, COMMIT included:
        # nothing is stored.
        with self.datastore.get_connection() as conn:
            keys, events = conn.cursor(), conn.cursor()
            try:
                with conn.pipeline():
                    keys.execute(BEGIN, prepare=False)
                    self._insert_events(keys, stored_events, **kwargs)
                    self._insert_stored_events(events, stored_events, **kwargs)
                    keys.execute(self.notify_position_statement, (self.channel_name,))
                    keys.execute(COMMIT, prepare=False)
                ids = self._fetch_ids_after_insert_events(events, stored_events, **kwargs)
            except psycopg.Error:
                if conn.info.transaction_status == TransactionStatus.INERROR:
                    conn.rollback()
                raise
            finally:
                keys.close()
                events.close()
        assert ids is not None
        return ids

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        # Not before the events are in: `_insert_in_one_round_trip` announces
        # the position they took.
        pass

    def insert_event_rows(self, rows: Sequence[EventRow]) -> None:
        # psycopg hands a hex id to the uuid column as text, which it accepts.
        self.insert_events([StoredEvent(*row) for row in rows])

    # The look-ups below are one statement each, run in autocommit: one round trip
    # to the server where a transaction would take three (BEGIN, the query, ROLLBACK),
    # on the path of every write that carries an idempotency key.

    def find_prior_result(self, principal: str, key: str) -> PriorResult | None:
        with self.datastore.cursor() as curs:
            curs.execute(self.select_key_statement, (principal, key))
            row = curs.fetchone()
        if row is None:
            return None
        return PriorResult(
            str(row["fingerprint"]),
            str(row["result_id"]),
            int(row["originator_version"]),
            int(row["notification_id"]),
        )

    def find_claimed(self, principal: str, keys: Sequence[str]) -> dict[str, bytes]:
        with self.datastore.cursor() as curs:
            curs.execute(self.select_claimed_statement, (principal, list(keys)))
            return {str(row["key"]): bytes(row["state"]) for row in curs.fetchall()}

    def find_recorded(self, ids: Sequence[str]) -> dict[str, RecordedEntry]:
        with self.datastore.cursor() as curs:
            curs.execute(self.select_recorded_statement, (list(ids),))
            return {
                row["originator_id"].hex: RecordedEntry(
                    bytes(row["state"]), int(row["notification_id"])
                )
                for row in curs.fetchall()
            }


class PostgresStore(PostgresFactory):
    application_recorder_class = PostgresEventRecorder
