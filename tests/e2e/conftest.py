"""The HTTP API v1 through the real app: a client with a writer's token, on each backend.

On PostgreSQL the API process does not apply events to the views itself
(`ReadModels.in_process` is off there): `policy-timeline project` does, and a
write waits for it before it answers. `api` therefore runs a follower thread
beside the app on PostgreSQL, as a deployment runs the `project` processes.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from api import Settings, create_app
from domain import TimelineApp, parse_store_url
from projections import Projector
from projections.database import open_database
from tests.builders import ACTORS, SOURCE, body, seed

# Starlette warns once, on import, when it finds httpx rather than httpx2; the
# test client works the same with either, and warnings are errors here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as TestClient

BASE = "/api/v1"
PROBLEM = "application/problem+json"
SEEDED = len(ACTORS) + 1  # the actors and the one source `Api.seed` registers


def problem_of(response: httpx2.Response, status: int) -> dict[str, Any]:
    """The RFC 9457 problem `response` holds, checked for its media type and members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(problem[member], str), member
        assert problem[member], member
    return problem


def fields_named(problem: Mapping[str, Any]) -> list[list[str | int]]:
    """The locations a validation problem names, each without the part of the request
    (`query`, `header`) it may start with: `cursor`, `details.participants`."""
    assert problem["errors"], problem
    located = []
    for error in problem["errors"]:
        assert isinstance(error["msg"], str)
        assert error["msg"]
        loc = list(error["loc"])
        located.append(loc[1:] if loc[:1] in (["query"], ["header"], ["path"]) else loc)
    return located


class Api:
    """A client of the v1 API holding a token with scopes read and write."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"}

    @property
    def app(self) -> FastAPI:
        app = self.client.app
        assert isinstance(app, FastAPI)
        return app

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
    ) -> httpx2.Response:
        """POST as the writer, with `Idempotency-Key: key` when given."""
        sent = dict(self.auth)
        if key is not None:
            sent["Idempotency-Key"] = key
        sent.update(headers or {})
        if content is not None:
            return self.client.post(BASE + path, content=content, headers=sent)
        return self.client.post(BASE + path, json=json, headers=sent)

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, **params: Any
    ) -> httpx2.Response:
        """GET without a token: reads are open."""
        return self.client.get(BASE + path, params=params, headers=headers)

    def created(self, path: str, json: Any, **kwargs: Any) -> dict[str, Any]:
        """POST `json` and return the body of its 201."""
        response = self.post(path, json, **kwargs)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def seed(self) -> None:
        """Register, through the API, the actors and the source every builder body cites."""
        for actor in ACTORS:
            self.created("/actors", actor)
        response = self.post("/sources", SOURCE)
        assert response.status_code == 201, response.text
        self.wait(int(response.headers["Log-Position"]))

    def wait(self, position: int) -> None:
        """Wait until the views reflect `position`, as a client reading its writes would."""
        response = self.get("/timeline", min_position=position, limit=1)
        assert response.status_code == 200, response.text

    def record(self, kind: str = "meeting", /, **changes: Any) -> dict[str, Any]:
        """Record a builder body of `kind` with `changes`; return the entry as answered."""
        return self.created("/entries", body(kind, **changes))

    def head(self) -> int:
        """The log's head position, as /health reports it."""
        position: int = self.get("/health").json()["position"]
        return position


@contextmanager
def _follower(url: str) -> Iterator[None]:
    """Apply new events to the views in a thread, as `policy-timeline project` does."""
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    db = open_database(config)
    stop = threading.Event()
    thread = threading.Thread(target=Projector(app, db).follow, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # Woken now, the follower sees `stop` at once, not at its next idle check
        # (a second on): that wait was most of each PostgreSQL test's teardown.
        channel = app.recorder.channel_name  # type: ignore[attr-defined]
        with db.write() as c:
            c.execute(f'NOTIFY "{channel}"')
        thread.join(timeout=10)
        db.close()
        app.close()


@contextmanager
def _serving(url: str, **settings: Any) -> Iterator[Api]:
    with TestClient(create_app(Settings(db=url, **settings))) as client:
        tokens = client.app.state.tokens  # type: ignore[attr-defined]
        api = Api(client, tokens.create("reporter", ["read", "write"]))
        if url.startswith("postgresql"):
            with _follower(url):
                yield api
        else:
            yield api


@pytest.fixture
def api(store_url: str) -> Iterator[Api]:
    """The app on a fresh store of each backend, its views kept up on both."""
    with _serving(store_url) as api:
        yield api


@pytest.fixture
def seeded(api: Api) -> Api:
    """`api` with the builders' actors and source registered."""
    api.seed()
    return api


@pytest.fixture
def local_api(tmp_path: Path) -> Iterator[Api]:
    """The app on a fresh SQLite store, for what does not depend on the backend:
    the shape of requests and of problems."""
    with _serving(f"sqlite:///{tmp_path / 'timeline.db'}") as api:
        yield api


@pytest.fixture
def local_seeded(local_api: Api) -> Api:
    local_api.seed()
    return local_api


@pytest.fixture
def sqlite_with_a_meeting(tmp_path: Path) -> str:
    """The URL of a SQLite store holding the builders' actors and source and one
    meeting, written before any command opens it."""
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    app = TimelineApp(parse_store_url(url).env())
    seed(app)
    app.record_entry(body("meeting"), by="tests")
    app.close()
    return url


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    """Start the app on SQLite with other settings: `serve(max_body_bytes=2000)`."""
    with ExitStack() as stack:

        def start(**settings: Any) -> Api:
            return stack.enter_context(_serving(f"sqlite:///{tmp_path / 'x.db'}", **settings))

        yield start
