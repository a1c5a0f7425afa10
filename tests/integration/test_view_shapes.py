"""Views whose rows change shape: a store made before is brought up to the shape
the code has when its views are next created, on each backend."""

from __future__ import annotations

import orjson

from domain import TimelineApp
from projections import Projector, ReadModels
from projections.views.history import EntryHistoryView
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
