"""A write stored while the views lag answers 202 with its id and position, never
a failure: the entry is in the log, and readable once the views get there."""

from __future__ import annotations

import warnings

import pytest

from api import Settings, create_app
from domain import TimelineApp, parse_store_url
from projections import Projector
from projections.database import open_database
from tests.builders import body, seed
from tests.postgres import PostgresServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.mark.postgres
def test_a_write_the_views_have_not_reached_answers_202_with_its_id_and_position(
    postgres: PostgresServer,
) -> None:
    with postgres.database() as url:
        config = parse_store_url(url)
        app = TimelineApp(config.env())
        seed(app)
        settings = Settings(db=url, read_wait_seconds=0.2, followers="external")
        with TestClient(create_app(settings)) as client:
            token = client.app.state.tokens.create("desk", ["read", "write"])  # type: ignore[attr-defined]
            auth = {"Authorization": f"Bearer {token}"}
            response = client.post("/api/v1/entries", json=body("meeting"), headers=auth)
            stored = app.head_position()
            db = open_database(config)
            try:
                Projector(app, db).catch_up()
            finally:
                db.close()
            read = client.get(response.headers["Location"])
        app.close()

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "stored"
    assert accepted["position"] == stored
    assert accepted["version"] == 1
    assert response.headers["Log-Position"] == str(stored)
    assert response.headers["Location"] == (
        f"/api/v1/entries/{accepted['id']}?min_position={stored}"
    )
    assert read.status_code == 200, read.text
    assert read.json()["id"] == accepted["id"]
