"""Links stored in the v1 shape (`{relation, target}`) are brought up to the shape
they are written in (`entry` too) when the views are next created, on each backend."""

from __future__ import annotations

import orjson

from domain import TimelineApp
from projections import Projector, ReadModels
from projections.views.packing import unpack
from tests.builders import body, seed

BY = "reporter"


def test_links_of_the_v1_shape_gain_entry_when_the_views_are_created(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    meeting = app.record_entry(body("meeting"), by=BY).id
    call = app.record_entry(body("call"), by=BY).id
    app.link_entries(call, "follows", meeting, by=BY)
    read_models.written()
    projector = read_models.projector
    before = {view.name: view.rows() for view in projector.views}
    with read_models.db.write() as c:
        # As a store made before links carried `entry` holds them.
        c.execute("SELECT entry_id, version, body FROM timeline_entries")
        for entry_id, version, raw in c.fetchall():
            old = orjson.loads(unpack(raw))
            old["links"] = [
                {"relation": k["relation"], "target": k["target"]} for k in old["links"]
            ]
            c.execute(
                "UPDATE timeline_entries SET body = ? WHERE entry_id = ? AND version = ?",
                (orjson.dumps(old), entry_id, version),
            )
        c.execute("SELECT entry_id, version, item FROM entry_history")
        for entry_id, version, raw in c.fetchall():
            item = orjson.loads(bytes(raw))
            if item["event"] == "linked":
                link = item["changes"]["links"][0]
                item["changes"]["links"] = [
                    {"relation": link["relation"], "target": link["target"]}
                ]
                c.execute(
                    "UPDATE entry_history SET item = ? WHERE entry_id = ? AND version = ?",
                    (orjson.dumps(item), entry_id, version),
                )
        c.execute("UPDATE projection_shapes SET shape = 2 WHERE view = 'timeline'")
        c.execute("UPDATE projection_shapes SET shape = 1 WHERE view = 'entry_history'")
    assert read_models.queries.entry(call).count(b'"entry":') == 0
    history = read_models.queries.entry_history(call)
    assert b'"entry"' not in history[-1]

    Projector(app, read_models.db).create()

    assert {view.name: view.rows() for view in projector.views} == before
    linked = orjson.loads(read_models.queries.entry(call))["links"]
    assert linked == [{"relation": "follows", "entry": meeting, "target": meeting}]
    assert projector.position() == app.head_position()  # nothing to replay
