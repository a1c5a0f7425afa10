"""`/health` reports each view's position and lag, and is a 503 past the threshold."""

from __future__ import annotations

import warnings

import pytest

from api import Settings, create_app
from domain import TimelineApp, parse_store_url
from projections import VIEW_CLASSES, Projector
from projections.database import open_database
from tests.builders import body, seed
from tests.postgres import PostgresServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

VIEWS = [cls.name for cls in VIEW_CLASSES]


def test_health_on_sqlite_lists_every_view_level_with_the_log(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    app = TimelineApp(parse_store_url(url).env())
    seed(app)
    head = app.record_entry(body("meeting"), by="tests").position
    app.close()
    with TestClient(create_app(Settings(db=url, health_max_lag=0))) as client:
        response = client.get("/api/v1/health")

    assert response.status_code == 200, response.text
    health = response.json()
    assert health["status"] == "ok"
    assert health["views"] == head
    assert health["lag"] == [
        {"view": view, "position": head, "behind": 0, "seconds": 0.0} for view in VIEWS
    ]


@pytest.mark.postgres
def test_health_is_a_503_naming_the_views_behind_when_no_follower_keeps_them_up(
    postgres: PostgresServer,
) -> None:
    with postgres.database() as url:
        config = parse_store_url(url)
        app = TimelineApp(config.env())
        seed(app)
        head = app.record_entry(body("meeting"), by="tests").position
        settings = Settings(db=url, health_max_lag=0)
        with TestClient(create_app(settings)) as client:
            behind = client.get("/api/v1/health")
            db = open_database(config)
            try:
                Projector(app, db).catch_up()
            finally:
                db.close()
            level = client.get("/api/v1/health")
        app.close()

    assert behind.status_code == 503, behind.text
    health = behind.json()
    assert health["status"] == "views behind"
    assert health["signing"] == "off"
    assert health["views"] == 0
    assert [(v["view"], v["position"], v["behind"]) for v in health["lag"]] == [
        (view, 0, head) for view in VIEWS
    ]
    assert all(v["seconds"] >= 0 for v in health["lag"])
    assert "the timeline view is" in health["problem"]
    assert level.status_code == 200, level.text
    assert level.json()["status"] == "ok"
    assert level.json()["views"] == head
