"""A replay's second process (`projections.rebuild_beside`, `projections.rebuild_worker`):
the views it loads beside the timeline come out as a catch-up makes them, on SQLite
(through a scratch file) and on PostgreSQL, and what stops it stops the replay."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from domain import SQLiteConfig, TimelineApp
from projections import Projector, Queries, ReadModels, TimelineFilters
from projections.database import Database
from projections.dialect import SQLITE
from projections.rebuild_beside import SCRATCH_SUFFIX, LoadBeside
from projections.views.changes import UnreadableEvent
from projections.views.timeline import TimelineView
from projections.views.view import View
from tests.builders import body, seed
from tests.integration.test_read_models import assert_same_rows, every_event


def test_a_replay_loads_every_view_but_the_timeline_beside_it_as_a_catch_up_would(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, read_models.written)
    projector = read_models.projector
    projector.load_beside = True

    report = projector.rebuild(compare=True)

    assert set(report.beside) == {
        view.name
        for view in projector.views
        if view.rebuildable and not isinstance(view, TimelineView)
    }
    assert report.live == report.rebuilt
    assert report.position == app.head_position() == projector.position()
    fresh = Projector(app, read_models.db, suffix="__incremental")
    fresh.create()
    fresh.catch_up()
    assert_same_rows(projector.views, fresh.views)
    # Every view has its read indexes, those loaded beside as those loaded here.
    assert indexes(read_models.db, projector.views) == indexes(read_models.db, fresh.views)
    # The timeline's words stayed searchable: its full-text table was loaded here.
    found = Queries(read_models.db).timeline(TimelineFilters(q="mexico"))
    assert found.items, "the timeline's search found nothing after the replay"
    store = read_models.db.store
    if isinstance(store, SQLiteConfig):
        assert not Path(store.name + SCRATCH_SUFFIX).exists()


def indexes(db: Database, views: Sequence[View]) -> list[str]:
    """The definitions of the indexes on `views`' tables (one projector's, so of one
    suffix), without their names, which tell the generation that made them, and
    without the suffix."""
    suffix = views[0].suffix
    tables = [view.t(table) for view in views for table in view.tables]
    marks = ", ".join("?" for _ in tables)
    if db.dialect is SQLITE:
        query = f"SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})"
    else:
        query = f"SELECT indexdef FROM pg_indexes WHERE tablename IN ({marks})"
    definitions = (str(row[0]) for row in db.read_rows(query, tables) if row[0] is not None)
    unnamed = (re.sub(r"INDEX \S+ ON", "INDEX ON", text).replace('"', "") for text in definitions)
    return sorted(text.replace(suffix, "") if suffix else text for text in unnamed)


def test_a_short_log_is_loaded_in_one_process(app: TimelineApp, read_models: ReadModels) -> None:
    every_event(app, read_models.written)
    report = read_models.projector.rebuild()
    assert report.beside == ()  # a handful of events: not worth a process's start


def test_an_event_the_second_process_cannot_read_is_raised_here_as_itself(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    app.record_entry(body("meeting"), by="tests")
    store = read_models.db.store
    if not isinstance(store, SQLiteConfig):
        pytest.skip("the event is altered in place through SQLite")
    with sqlite3.connect(store.name) as raw:
        raw.execute("UPDATE stored_events SET state = CAST('no' AS BLOB) WHERE rowid = 3")
    rebuilt = Projector(app, read_models.db, suffix="__beside")
    rebuilt.create(read_indexes=False)
    views = [view for view in rebuilt.views if not isinstance(view, TimelineView)]

    with LoadBeside(read_models.db, views, "__beside", app.head_position()) as other:
        other.start()
        with pytest.raises(UnreadableEvent) as stopped:
            other.finish()

    assert stopped.value.position == 3
    assert "changed outside the engine" in str(stopped.value)
    assert not Path(store.name + SCRATCH_SUFFIX).exists()


def test_a_second_process_left_unfinished_is_stopped_and_its_scratch_file_removed(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, read_models.written)
    rebuilt = Projector(app, read_models.db, suffix="__beside")
    rebuilt.create(read_indexes=False)
    views = [view for view in rebuilt.views if not isinstance(view, TimelineView)]

    other = LoadBeside(read_models.db, views, "__beside", app.head_position())
    other.start()
    process = other._process
    other.close()  # as when this process's own load fails

    assert process is not None
    assert process.poll() is not None
    store = read_models.db.store
    if isinstance(store, SQLiteConfig):
        assert not Path(store.name + SCRATCH_SUFFIX).exists()
