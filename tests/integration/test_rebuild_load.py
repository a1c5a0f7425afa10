"""A replay's bulk load (`projections.rebuild`): the log read with plain SQL, in pages,
gives the rows a catch-up gives, and stops where a catch-up stops."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import TimelineApp, parse_store_url
from projections import Projector, ReadModels
from projections.database import Database, open_database
from projections.rebuild import LogScan, bulk_load
from projections.views.changes import UnreadableEvent, read_changes
from tests.builders import body, seed
from tests.integration.test_read_models import assert_same_rows, every_event


@pytest.mark.parametrize(("page", "transaction"), [(1000, 20_000), (3, 7)])
def test_a_bulk_load_gives_the_rows_of_a_catch_up_however_its_pages_cut_the_log(
    app: TimelineApp, read_models: ReadModels, page: int, transaction: int
) -> None:
    every_event(app, read_models.written)
    live = read_models.projector
    loaded = Projector(app, read_models.db, suffix="__bulk")
    loaded.create(read_indexes=False)

    reached = bulk_load(
        app,
        read_models.db,
        loaded.views,
        page=page,
        transaction=transaction,
        fresh=loaded.views,
    )

    assert reached == app.head_position() == loaded.position()
    assert_same_rows(live.views, loaded.views)
    assert not read_models.db.table_exists("entry_history__bulk__keyed")


def test_the_log_scan_decodes_each_event_as_the_recorder_does(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, read_models.written)
    with read_models.db.read() as c:
        scanned = LogScan(app, read_models.db).page(c, 2, 10)
    assert scanned == read_changes(app.recorder, 2, 10)


SQLiteStore = tuple[Path, TimelineApp, Database]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A SQLite store's file, its write service and its views' database."""
    path = tmp_path / "t.db"
    config = parse_store_url(f"sqlite:///{path}")
    app = TimelineApp(config.env())
    db = open_database(config)
    try:
        yield path, app, db
    finally:
        db.close()
        app.close()


def test_a_bulk_load_stops_at_the_event_a_catch_up_stops_at(sqlite_store: SQLiteStore) -> None:
    path, app, db = sqlite_store
    seed(app)
    app.record_entry(body("meeting"), by="tests")
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE stored_events SET originator_id = 'not-a-uuid' WHERE rowid = 3")
    views = Projector(app, db, suffix="__bulk")
    views.create()
    with pytest.raises(UnreadableEvent) as by_recorder:
        views.catch_up()
    with pytest.raises(UnreadableEvent) as by_scan:
        bulk_load(app, db, views.views)
    assert by_scan.value.position == by_recorder.value.position == 3
    assert str(by_scan.value) == str(by_recorder.value)


def test_a_bulk_load_leaves_the_pages_of_its_sqlite_tables_keyed_at_random_full(
    app: TimelineApp, read_models: ReadModels
) -> None:
    if read_models.db.dialect.name != "sqlite":
        pytest.skip("only SQLite's tables are clustered by their key")
    seed(app)
    for n in range(150):  # dates out of log order: index rows land at random
        day = f"{2000 + n * 7 % 23}-{1 + n * 5 % 12:02d}-{1 + n * 3 % 28:02d}"
        app.record_entry(body("meeting", occurred=day, title=f"Meeting {n}"), by="tests")
    read_models.written()
    loaded = Projector(app, read_models.db, suffix="__bulk")
    loaded.create(read_indexes=False)

    bulk_load(app, read_models.db, loaded.views, fresh=loaded.views)

    assert_same_rows(read_models.projector.views, loaded.views)
    with read_models.db.read() as c:
        c.execute(
            "SELECT SUM(unused) * 1.0 / SUM(pgsize) FROM dbstat "
            "WHERE name = 'timeline_index__bulk' AND pagetype = 'leaf'"
        )
        empty = float(c.fetchone()[0])
    assert empty < 0.08, empty  # 0.11 without the copy
    assert not read_models.db.table_exists("timeline_index__bulk__sparse")


def test_a_rebuild_after_one_stopped_midway_keys_the_index_rows_by_page_order_again(
    sqlite_store: SQLiteStore,
) -> None:
    path, app, db = sqlite_store
    seed(app)
    for n in range(40):  # dates out of log order: page order is not log order
        day = f"{2000 + n * 7 % 23}-{1 + n * 5 % 12:02d}-{1 + n * 3 % 28:02d}"
        app.record_entry(body("meeting", occurred=day, title=f"Meeting {n}"), by="tests")
    live = Projector(app, db)
    live.create()
    live.catch_up()
    with sqlite3.connect(path) as raw:
        (state,) = raw.execute("SELECT state FROM stored_events WHERE rowid = 30").fetchone()
        raw.execute("UPDATE stored_events SET state = CAST('no' AS BLOB) WHERE rowid = 30")
    with pytest.raises(UnreadableEvent):
        live.rebuild()  # leaves the load's index rows keyed by position
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE stored_events SET state = ? WHERE rowid = 30", (state,))

    live.rebuild()

    fresh = Projector(app, db, suffix="__x")
    fresh.create()
    fresh.catch_up()
    assert_same_rows(live.views, fresh.views)
    with db.read() as c:
        c.execute("SELECT sql FROM sqlite_master WHERE name = 'timeline_index'")
        definition = str(c.fetchall()[0][0])
        c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%rebuild%'")
        left = c.fetchall()
    assert "PRIMARY KEY (facet, occurred_start, span, first_position, version)" in definition
    assert left == []
