"""Views whose rows change shape: a store made before is brought up to the shape
the code has when its views are next created, on each backend."""

from __future__ import annotations

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
        c.execute("DELETE FROM timeline_search")
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
