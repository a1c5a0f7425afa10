"""Lazy reads: one snapshot for several statements, none needed for one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import StoreConfig, TimelineApp
from projections import Queries, ReadModels, TimelineFilters
from projections.database import Database, SQLiteDatabase, open_database
from projections.views.packing import pack, unpack, unpack_all
from tests.builders import BODIES, body, seed


@pytest.fixture
def db(store_config: StoreConfig) -> Iterator[Database]:
    database = open_database(store_config)
    with database.write() as c:
        c.execute("CREATE TABLE lazy_t (n INTEGER NOT NULL)")
        c.executemany("INSERT INTO lazy_t VALUES (?)", [(n,) for n in range(3)])
    yield database
    database.close()


def count(db: Database) -> int:
    row = db.read_row("SELECT COUNT(*) FROM lazy_t")
    assert row is not None
    return int(row[0])


def test_a_lazy_read_of_one_statement_answers_what_is_committed(db: Database) -> None:
    with db.read_lazily() as c:
        assert c.last("SELECT n FROM lazy_t ORDER BY n") == [(0,), (1,), (2,)]
    with db.write() as w:
        w.execute("INSERT INTO lazy_t VALUES (3)")
    with db.read_lazily() as c:
        assert c.last("SELECT COUNT(*) FROM lazy_t") == [(4,)]


def test_a_lazy_read_of_several_statements_reads_one_snapshot(db: Database) -> None:
    with db.read_lazily() as c:
        c.execute("SELECT COUNT(*) FROM lazy_t")
        assert c.fetchone() == (3,)
        with db.write() as w:  # committed by another connection meanwhile
            w.execute("INSERT INTO lazy_t VALUES (3)")
        assert c.last("SELECT COUNT(*) FROM lazy_t") == [(3,)]
    assert count(db) == 4


def test_no_statement_may_follow_a_lazy_reads_last_when_it_ran_alone(db: Database) -> None:
    with db.read_lazily() as c:
        c.last("SELECT COUNT(*) FROM lazy_t")
        with pytest.raises(RuntimeError, match="after the last"):
            c.execute("SELECT COUNT(*) FROM lazy_t")
    assert count(db) == 3  # the connection went back to the pool usable


def test_a_failed_lazy_read_leaves_its_connection_usable(db: Database) -> None:
    def read_a_missing_table() -> None:
        with db.read_lazily() as c:
            c.execute("SELECT COUNT(*) FROM lazy_t")
            c.last("SELECT * FROM no_such_table")

    with pytest.raises(Exception, match=r"no_such_table|does not exist"):
        read_a_missing_table()
    assert count(db) == 3


def test_unpacking_a_page_at_once_gives_each_body_as_unpacking_it_alone() -> None:
    bodies = [b'{"id":"e%d","title":"Statement %d","version":1}' % (n, n) for n in range(5)]
    stored = [pack(body) for body in bodies[:4]] + [bodies[4]]  # the last stored before packing
    assert unpack_all([*stored[:2], memoryview(stored[2]), *stored[3:]]) == bodies
    assert unpack_all(stored) == [unpack(body) for body in stored]
    assert unpack_all([]) == []


def test_a_timeline_page_at_the_head_is_one_statement_in_no_transaction(
    app: TimelineApp, read_models: ReadModels
) -> None:
    db = read_models.db
    if not isinstance(db, SQLiteDatabase):
        pytest.skip("PostgreSQL's statements are not traced here")
    seed(app)
    for kind in BODIES:
        app.record_entry(body(kind), by="reporter")
    read_models.written()
    queries = Queries(db)  # no page cache: the page is read each time
    head = queries.position()
    first = queries.timeline(TimelineFilters(), head=head, limit=2)  # the clock, remembered
    statements: list[str] = []
    with db._connection() as connection:  # the one the next read is given: the last used
        connection.set_trace_callback(statements.append)
    try:
        again = queries.timeline(TimelineFilters(), head=head, limit=2)
    finally:
        connection.set_trace_callback(None)
    assert again == first
    assert len(again.items) == 2
    assert len(statements) == 1
    assert statements[0].startswith("SELECT")
