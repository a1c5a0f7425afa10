"""Views whose rows change shape: a store made before is brought up to the shape
the code has when its views are next created, on each backend."""

from __future__ import annotations

import orjson

from domain import TimelineApp
from projections import Projector, ReadModels
from projections.queries import TimelineFilters
from projections.views.history import EntryHistoryView
from projections.views.timeline import TimelineView
from projections.views.view import View
from tests.builders import ACTORS, SOURCE, body

BY = "reporter"


def seed_names(app: TimelineApp, read_models: ReadModels) -> None:
    for actor in ACTORS:
        app.register_actor(actor, by=BY)
    app.register_source(SOURCE, by=BY)
    app.register_actor({"name": "Łukasz Wałęsa", "kind": "person"}, by=BY)
    app.record_entry(body("meeting", title="Łukasz Wałęsa meets Зеленський"), by=BY)
    read_models.written()


def test_search_text_of_an_older_shape_is_refilled_in_place_when_views_are_created(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed_names(app, read_models)
    projector = read_models.projector
    before = {view.name: view.rows() for view in projector.views}
    with read_models.db.write() as c:
        # As a store made before transliteration holds them, with no shapes kept.
        c.execute("UPDATE actor_directory SET folded = 'x'")
        c.execute("DROP TABLE timeline_search")
        c.execute("DELETE FROM projection_shapes")

    Projector(app, read_models.db).create()

    assert {view.name: view.rows() for view in projector.views} == before
    assert projector.position() == app.head_position()  # nothing to replay


class HistoryOfANewShape(EntryHistoryView):
    shape = 99
    reshape = View.reshape  # the default: drop the tables, build again from the log


def test_a_view_of_an_older_shape_is_dropped_and_built_again_from_the_log(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed_names(app, read_models)
    before = read_models.projector.view(EntryHistoryView).rows()

    reshaped = Projector(app, read_models.db, views=[HistoryOfANewShape])
    reshaped.create()
    assert reshaped.position() == 0
    reshaped.catch_up()

    assert reshaped.views[0].rows() == before
    again = Projector(app, read_models.db, views=[HistoryOfANewShape])
    again.create()  # the shape is recorded: nothing is dropped a second time
    assert again.position() == app.head_position()


def test_a_recorded_item_keeps_no_copy_of_the_entry_and_an_older_one_drops_it_in_place(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed_names(app, read_models)
    entry = app.record_entry(body("call", title="Twice kept, once stored"), by=BY).id
    read_models.written()
    served = read_models.queries.entry_history(entry)
    history = read_models.projector.view(EntryHistoryView)
    before = history.rows()
    with read_models.db.write() as c:
        c.execute("SELECT item FROM entry_history WHERE entry_id = ?", (entry,))
        stored = orjson.loads(bytes(c.fetchone()[0]))
        # As a store of shape 2 holds it: the entry's fields copied into the item.
        c.execute(
            "UPDATE entry_history SET item = ? WHERE entry_id = ?",
            (orjson.dumps(orjson.loads(served[0])), entry),
        )
        c.execute("UPDATE projection_shapes SET shape = 2 WHERE view = 'entry_history'")

    Projector(app, read_models.db).create()

    assert stored["changes"] is None
    first = orjson.loads(served[0])
    assert (first["event"], first["changes"]["title"]) == ("recorded", "Twice kept, once stored")
    assert set(first["changes"]) == {
        "kind", "title", "summary", "occurred", "actors", "topics",
        "location", "details", "sources", "note",
    }  # fmt: skip
    assert history.rows() == before
    assert read_models.queries.entry_history(entry) == served


def test_a_timeline_index_of_shape_6_is_keyed_by_its_order_with_months_in_place(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed_names(app, read_models)
    entry = app.record_entry(body("call", title="Keyed anew", occurred="2023-11~"), by=BY).id
    read_models.written()
    projector, queries = read_models.projector, read_models.queries
    timeline = projector.view(TimelineView)
    before, page = timeline.rows(), queries.timeline(TimelineFilters())
    tally = queries.tally(TimelineFilters())
    clustered = " WITHOUT ROWID" if read_models.db.dialect.name == "sqlite" else ""
    with read_models.db.write() as c:
        # As shape 6 keeps them: by position, a row per version for its month (`m:`),
        # and columns nothing reads.
        c.execute("ALTER TABLE timeline_index RENAME TO old_index")
        c.execute(
            "CREATE TABLE timeline_index (facet TEXT NOT NULL, occurred_start TEXT NOT "
            "NULL, span INTEGER NOT NULL, first_position BIGINT NOT NULL, version INTEGER "
            "NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL, occurred_end "
            "TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, role TEXT, PRIMARY "
            f"KEY (first_position, version, facet)){clustered}"
        )
        columns = (
            "occurred_start, span, first_position, version, valid_from, valid_to, "
            "occurred_end, kind, status"
        )
        c.execute(f"INSERT INTO timeline_index SELECT facet, {columns}, role FROM old_index")
        c.execute(
            "INSERT INTO timeline_index SELECT 'm:' || CAST(month / 100 AS TEXT) || '-' || "
            "SUBSTR(CAST(100 + month - month / 100 * 100 AS TEXT), 2), "
            f"{columns}, NULL FROM old_index WHERE facet = '*'"
        )
        c.execute("DROP TABLE old_index")
        for table, column in (
            *(("timeline_entries", c) for c in ("kind", "status", "occurred_start")),
            ("timeline_entries", "occurred_end"),
            ("timeline_clock", "recorded_at"),
        ):
            c.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
        c.execute("UPDATE projection_shapes SET shape = 6 WHERE view = 'timeline'")

    Projector(app, read_models.db).create()

    assert timeline.rows() == before
    assert queries.timeline(TimelineFilters()) == page
    assert queries.tally(TimelineFilters()).months == tally.months
    assert tally.months["2023-11"] == {"call": 1}
    if clustered:
        with read_models.db.read() as c:
            c.execute(
                "SELECT name FROM pragma_table_info('timeline_index') WHERE pk > 0 ORDER BY pk"
            )
            key = [str(row[0]) for row in c.fetchall()]
        assert key == ["facet", "occurred_start", "span", "first_position", "version"]
    # A version closed after the reshape is found by the new key.
    app.correct_entry(
        entry, expected_version=None, changes={"title": "Keyed again"}, reason="r", by=BY
    )
    read_models.written()
    built = timeline.rows()
    projector.rebuild()
    assert timeline.rows() == built
