"""The views on PostgreSQL: pipelined statements each read their own result, and a
rebuild leaves the planner statistics of what it filled."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from domain import parse_store_url
from projections.bootstrap import SystemConfig, bootstrap
from projections.database import PostgresDatabase, open_database
from tests.builders import body, seed
from tests.postgres import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres: PostgresServer) -> Iterator[PostgresDatabase]:
    with postgres.database() as url:
        db = open_database(parse_store_url(url))
        assert isinstance(db, PostgresDatabase)
        try:
            yield db
        finally:
            db.close()


def test_a_fetch_reads_its_own_statement_not_an_earlier_one_answered_meanwhile(
    pg: PostgresDatabase,
) -> None:
    # A view's batch: statements whose results nobody reads, then one that is
    # fetched. Answers larger than the server's output buffer (8 KiB) are sent
    # at once, so they reach the client as the fetched statement is sent, and
    # must not be taken for its result (a view's `fetchone` once read an INSERT's).
    with pg.write() as c:
        c.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)")
        c.executemany("INSERT INTO t VALUES (?, repeat('x', 9000))", [(n,) for n in range(3)])
        c.execute("SELECT pad FROM t")  # not fetched: a write's result is never read
        c.execute("SELECT pad FROM t")
        time.sleep(0.2)  # the server has answered them before the next statement goes out
        c.execute("SELECT count(*) FROM t")
        assert c.fetchone() == (3,)


def test_a_rebuild_leaves_statistics_of_the_tables_it_filled(postgres: PostgresServer) -> None:
    # Without them the planner guesses until autovacuum comes by; ANALYZE, not
    # autovacuum's, is what `last_analyze` records.
    with postgres.database() as url, bootstrap(SystemConfig.from_url(url)) as system:
        seed(system.app)
        for n in range(3):
            system.app.record_entry(body("meeting", title=f"Meeting {n}"), by="tests")
        system.read_models(in_process=True, signed=False).projector.rebuild()
        with psycopg.connect(url) as db:
            rows = db.execute(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('timeline_index', 'timeline_entries', 'actor_directory')"
            ).fetchall()
    assert sorted(rows) == [
        ("actor_directory", True),
        ("timeline_entries", True),
        ("timeline_index", True),
    ]
