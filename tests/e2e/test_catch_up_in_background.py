"""A server on SQLite answers while its views catch up with the log at start.

`create_app(catch_up_at_start=False)`, as `policy-timeline serve` builds it,
leaves the start's catch-up to the views' follower thread. To see the server
between its start and the end of that catch-up whatever the machine's speed,
the tests hold the follower's catch-up at a gate (`Projector.catch_up` wrapped
for the thread named `views-follower`) and open it when they have looked.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import Settings, create_app
from domain import TimelineApp, parse_store_url
from projections import Projector
from projections.bootstrap import SystemConfig, bootstrap
from tests.builders import body, seed
from tests.e2e.test_cli import serving

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ENTRIES = 200


def _store_behind(url: str, entries: int = ENTRIES) -> int:
    """A store whose views exist but have applied nothing: return the log's head."""
    with bootstrap(SystemConfig.from_url(url)) as system:
        system.read_models(signed=False)  # creates the views, level with the empty log
    app = TimelineApp(parse_store_url(url).env())  # no read models: the views stay behind
    try:
        seed(app)
        head = 0
        for _ in range(entries):
            head = app.record_entry(body("meeting"), by="tests").position
        return head
    finally:
        app.close()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold the follower thread's catch-ups until the test sets the event."""
    opened = threading.Event()
    catch_up: Callable[..., int] = Projector.catch_up

    def held(self: Projector, *args: Any, **kwargs: Any) -> int:
        if threading.current_thread().name == "views-follower":
            assert opened.wait(30), "the test never opened the gate"
        return catch_up(self, *args, **kwargs)

    monkeypatch.setattr(Projector, "catch_up", held)
    yield opened
    opened.set()  # never leave the follower waiting


def test_the_server_answers_as_of_its_views_while_they_catch_up(
    tmp_path: Path, gate: threading.Event
) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = _store_behind(url)
    settings = Settings(db=url, read_wait_seconds=0.2, health_max_lag=0)
    with TestClient(create_app(settings, catch_up_at_start=False)) as client:
        health = client.get("/api/v1/health")
        page = client.get("/api/v1/timeline")
        ahead = client.get(f"/api/v1/timeline?min_position={head}")
        gate.set()
        deadline = time.monotonic() + 30
        while (level := client.get(f"/api/v1/timeline?min_position={head}")).status_code == 503:
            assert time.monotonic() < deadline, level.text
            time.sleep(0.05)
        caught_up = client.get("/api/v1/health")

    # Health answers at once, naming how far the views are behind and why.
    assert health.json()["position"] == head
    assert health.json()["views"] == 0
    assert {view["behind"] for view in health.json()["lag"]} == {head}
    assert (health.status_code, health.json()["status"]) == (503, "views behind")
    assert "catching them up since it started" in health.json()["problem"]
    # Reads answer as of the views' position; one asking for more waits, then 503.
    assert (page.status_code, page.headers["Log-Position"], page.json()["items"]) == (
        200,
        "0",
        [],
    )
    assert ahead.status_code == 503, ahead.text
    assert ahead.headers["Retry-After"] == "1"
    # Once the follower has caught up, the same read answers, and health is level.
    assert level.status_code == 200, level.text
    assert int(level.headers["Log-Position"]) >= head
    assert level.json()["items"]
    assert caught_up.status_code == 200, caught_up.text
    assert {view["behind"] for view in caught_up.json()["lag"]} == {0}


def test_a_write_while_the_views_catch_up_answers_once_its_own_position_is_reached(
    tmp_path: Path, gate: threading.Event
) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = _store_behind(url)
    with TestClient(create_app(Settings(db=url), catch_up_at_start=False)) as client:
        tokens = client.app.state.tokens  # type: ignore[attr-defined]
        token = tokens.create("reporter", ["read", "write"])
        # The request thread catches up itself, beside the held follower.
        created = client.post(
            "/api/v1/entries", json=body("meeting"), headers={"Authorization": f"Bearer {token}"}
        )
        gate.set()
        health = client.get("/api/v1/health")

    assert created.status_code == 201, created.text
    assert int(created.headers["Log-Position"]) > head
    assert health.status_code in (200, 503)  # answered; the follower may still be finishing


def test_the_commands_read_models_are_level_when_built(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = _store_behind(url, entries=5)
    with bootstrap(SystemConfig.from_url(url)) as system:
        assert system.read_models(signed=False).projector.position() == head


def test_serve_answers_health_and_reaches_the_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = _store_behind(url)
    with serving("--db", url, cwd=tmp_path) as base:
        first = httpx.get(f"{base}/api/v1/health", timeout=10)
        deadline = time.monotonic() + 60
        while True:
            read = httpx.get(f"{base}/api/v1/timeline?min_position={head}", timeout=10)
            if read.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)

    assert first.status_code in (200, 503), first.text  # answered, level or behind
    assert first.json()["position"] == head
    assert read.status_code == 200, read.text
    assert int(read.headers["Log-Position"]) >= head
