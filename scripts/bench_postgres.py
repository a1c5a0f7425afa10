"""The bench on PostgreSQL: a server, fresh databases on it, and psycopg's baselines.

`policy-timeline bench --store postgresql` runs the rows that apply to a
server (record, import, replay, bytes, verify, exports, queries, HTTP,
start-up) on PostgreSQL, each beside the same baseline done with plain
psycopg on the same server: one INSERT a transaction, executemany, a scan
copied into a plain table, `pg_total_relation_size`. Every store is a
database of its own, made for its rows and dropped after them.

The server is a throwaway one unless `--postgres-url` names one whose user
may create databases. The throwaway server is the tests' and the soak's
(`scripts.throwaway_postgres`: initdb and pg_ctl in a temporary folder, on a
free loopback port) but keeps PostgreSQL's durable
defaults (fsync, synchronous commit, full page writes) as a deployment does:
the tests turn them off for speed, which would flatter every write row.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import orjson
import psycopg

from projections.bootstrap import SystemConfig, bootstrap
from scripts.bench_stores import EventRow, Tick, spin
from scripts.bench_views import synthetic_rows, write_template
from scripts.throwaway_postgres import throwaway_postgres

__all__ = ["PostgresStores", "postgres_server"]

# The HTTP rows hold six servers' pools, `project`'s seven followers and the
# bench's own connections at once: more than the default 100.
MAX_CONNECTIONS = 300
_LOG_TABLE = (
    # The library's table (eventsourcing.postgres), the baselines' target.
    "CREATE TABLE stored_events (originator_id uuid NOT NULL, "
    "originator_version bigint NOT NULL, topic text, state bytea, "
    "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
)
_LOG_INDEX = "CREATE UNIQUE INDEX ON stored_events (notification_id)"


@dataclass(frozen=True)
class PostgresStores:
    """Stores as fresh databases on the server that `admin_url` reaches."""

    admin_url: str
    label: str
    """`PostgreSQL` and the server's version, as the tables' titles say."""
    name = "postgresql"
    single_baseline = "psycopg, one INSERT per transaction"
    batch_baseline = "psycopg executemany, {batch} a transaction"
    copy_baseline = "raw copy: SQL scan, orjson, executemany, 1,000 a transaction"

    @contextmanager
    def store(self, name: str) -> Iterator[str]:
        database = f"bench_{name.replace('-', '_')}_{uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            yield _with_database(self.admin_url, database)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def make_store(self, url: str, entries: int, tick: Tick, seed: int = 7) -> int:
        template, topic = write_template(url)
        log = _log_table(url)
        rng = random.Random(seed)
        with psycopg.connect(url) as db:
            batch = 10_000
            for start in range(0, entries - 1, batch):
                rows = synthetic_rows(template, topic, rng, min(batch, entries - 1 - start))
                with db.cursor().copy(
                    f"COPY {log} (originator_id, originator_version, topic, state) FROM STDIN"
                ) as copy:
                    for originator, kind, state in rows:
                        copy.write_row((originator, 1, kind, state))
                db.commit()
                tick(len(rows))
            # Statistics for the planner, as autovacuum would have them by the time a
            # store this size is read: the replay should not pay for a stale estimate.
            db.execute(f"ANALYZE {log}")
            head = db.execute(f"SELECT max(notification_id) FROM {log}").fetchone()
            db.commit()
        assert head is not None
        return int(head[0])

    def stored_rows(self, url: str, first: int) -> list[EventRow]:
        with psycopg.connect(url) as db:
            return db.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {_log_table(url)} WHERE notification_id >= %s ORDER BY notification_id",
                (first,),
            ).fetchall()

    def insert_rows(
        self, url: str, rows: Sequence[EventRow], batch: int, work: float = 0.0
    ) -> float:
        statement = (
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)"
        )
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(_LOG_TABLE)
            db.execute(_LOG_INDEX)
            started = time.perf_counter()
            for start in range(0, len(rows), batch):
                spin(work)
                with db.transaction():
                    if batch == 1:
                        db.execute(statement, rows[start])
                    else:
                        db.cursor().executemany(statement, rows[start : start + batch])
            return time.perf_counter() - started

    def raw_copy(self, url: str, tick: Tick, batch: int = 1000) -> float:
        """One scan of the log in a server-side cursor, orjson decode and encode, and
        executemany into one table keyed by the log position, `batch` rows a
        transaction: the SQLite raw copy's steps, on the server."""
        with psycopg.connect(url) as source, psycopg.connect(url, autocommit=True) as db:
            db.execute(
                "CREATE TABLE copied (position bigint PRIMARY KEY, version bigint NOT NULL, "
                "body bytea NOT NULL)"
            )
            try:
                started = time.perf_counter()
                with source.cursor(name="scan") as scan:
                    scan.execute(
                        "SELECT notification_id, originator_version, state "
                        f"FROM {_log_table(url)} ORDER BY notification_id"
                    )
                    while rows := scan.fetchmany(batch):
                        with db.transaction():
                            db.cursor().executemany(
                                "INSERT INTO copied VALUES (%s, %s, %s)",
                                [(p, v, orjson.dumps(orjson.loads(s))) for p, v, s in rows],
                            )
                        tick(len(rows))
                return time.perf_counter() - started
            finally:
                db.execute("DROP TABLE copied")

    def store_bytes(self, url: str) -> tuple[int, int]:
        """(every table of the store with its indexes and TOAST, the log's table with its
        own), as `pg_total_relation_size` counts them: the files, free space in them
        included, as PostgreSQL keeps it for reuse rather than returning it."""
        with psycopg.connect(url) as db:
            row = db.execute(
                "SELECT sum(pg_total_relation_size(c.oid)), pg_total_relation_size(%s) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'm', 'S') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%%'",
                (_log_table(url),),
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


@contextmanager
def postgres_server(url: str | None = None) -> Iterator[PostgresStores]:
    """Stores on the server of `url` (its user may create databases), or on a throwaway
    server started here and removed however the block is left."""
    if url is not None:
        yield PostgresStores(url, _label(url))
        return
    with _throwaway() as admin:
        yield PostgresStores(admin, _label(admin))


def _label(url: str) -> str:
    """`PostgreSQL 15.10`, and what makes its writes not durable, if anything."""
    with psycopg.connect(url) as db:
        version, fsync, commit = (
            str(db.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
            for name in ("server_version", "fsync", "synchronous_commit")
        )
    label = f"PostgreSQL {version.split()[0]}"
    if fsync == "off" or commit == "off":
        label += f" (fsync {fsync}, synchronous_commit {commit})"
    return label


@functools.cache
def _log_table(url: str) -> str:
    """The events table of the store at `url`, schema-qualified."""
    with bootstrap(SystemConfig.from_url(url)) as system:
        return system.db.log_table


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}", query=""))


@contextmanager
def _throwaway() -> Iterator[str]:
    # No settings but the connections: the server keeps PostgreSQL's durable
    # defaults (fsync, synchronous commit, full page writes), as a deployment does.
    settings = {"max_connections": str(MAX_CONNECTIONS)}
    with throwaway_postgres(settings, prefix="timeline-bench-pg-") as server:
        yield server.url()
