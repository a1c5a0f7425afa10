"""`GET /api/v1/stream` as a client sees it: a real uvicorn server on a loopback port.

The stream is endless, so these tests read it over a real socket rather than
through TestClient, and write to the store with a second TimelineApp, the way
another process (`policy-timeline import`) would.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi.routing import APIRoute

from api import Settings, create_app
from api.routes import stream
from domain import TimelineApp, store_env
from tests.builders import ACTORS, seed

SEEDED = len(ACTORS) + 1  # the actors and the one source `seed` registers
TIMEOUT = httpx.Timeout(5.0)
# The bound `serve` gives uvicorn to wait for open responses when it stops.
GRACE_SECONDS = 1


@dataclass(frozen=True)
class Message:
    id: str
    event: str
    data: dict[str, Any]


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def stream_url(self) -> str:
        return f"{self.url}/api/v1/stream"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 't.db'}"


@pytest.fixture
def writer(db: str) -> Iterator[TimelineApp]:
    """A second write service on the server's store, as another process would hold."""
    app = TimelineApp(store_env(db))
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def served(db: str) -> Iterator[Served]:
    yield from _serve(Settings(db=db))


@pytest.fixture
def served_protected(db: str) -> Iterator[Served]:
    """The server with reads protected: the stream needs a token with scope read."""
    yield from _serve(Settings(db=db, protect_reads=True))


def _serve(settings: Settings) -> Iterator[Served]:
    app = create_app(settings)
    if not any(isinstance(r, APIRoute) and r.path == "/api/v1/stream" for r in app.routes):
        app.include_router(stream.router, prefix="/api/v1")
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _messages(response: httpx.Response, count: int | None = None) -> Iterator[Message]:
    """Parse SSE messages off `response`, stopping after `count` or at its end."""
    fields: dict[str, str] = {}
    seen = 0
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
            continue
        if "data" in fields:
            yield Message(fields["id"], fields["event"], orjson.loads(fields["data"]))
            seen += 1
            if count is not None and seen >= count:
                return
        fields = {}


def _read(url: str, count: int | None = None, **kwargs: Any) -> list[Message]:
    with httpx.stream("GET", url, timeout=TIMEOUT, **kwargs) as response:
        assert response.status_code == 200, response.read()
        return list(_messages(response, count))


def test_events_arrive_in_log_order_with_their_positions_as_ids(
    served: Served, writer: TimelineApp
) -> None:
    seed(writer)
    with httpx.stream(
        "GET", served.stream_url, params={"after": 0, "limit": SEEDED}, timeout=TIMEOUT
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        messages = list(_messages(response))

    assert [m.id for m in messages] == [str(p) for p in range(1, SEEDED + 1)]
    assert [m.event for m in messages] == ["Actor.Registered"] * len(ACTORS) + [
        "Source.Registered"
    ]
    first = messages[0].data
    assert set(first) == {
        "position",
        "originator_id",
        "originator_version",
        "topic",
        "recorded_at",
        "state",
    }
    assert first["position"] == 1
    assert first["originator_version"] == 1
    assert first["topic"] == "domain.actors:Actor.Registered"
    assert first["state"]["name"] == "Antony Blinken"
    assert first["recorded_at"] == first["state"]["timestamp"]


def test_without_a_start_only_writes_made_while_connected_arrive(
    served: Served, writer: TimelineApp
) -> None:
    seed(writer)
    with httpx.stream("GET", served.stream_url, timeout=TIMEOUT) as response:
        # The headers came back, so the server has fixed its start at the head.
        result = writer.register_actor({"name": "Xiomara Castro", "kind": "person"}, by="t")
        [message] = _messages(response, 1)

    assert result.position == SEEDED + 1
    assert message.id == str(result.position)
    assert message.data["state"]["name"] == "Xiomara Castro"


def test_last_event_id_resumes_just_after_that_position(
    served: Served, writer: TimelineApp
) -> None:
    seed(writer)
    # As a reconnecting EventSource sends it: the original URL, and the header.
    resumed = _read(
        served.stream_url,
        SEEDED - 3,
        params={"after": 0},
        headers={"Last-Event-ID": "3"},
    )

    assert [m.id for m in resumed] == [str(p) for p in range(4, SEEDED + 1)]


def test_after_zero_replays_the_log_from_its_start(served: Served, writer: TimelineApp) -> None:
    seed(writer)
    replayed = _read(served.stream_url, params={"after": 0, "limit": 2})
    again = _read(served.stream_url, params={"after": 0, "limit": 2})

    assert [m.id for m in replayed] == ["1", "2"]
    assert replayed == again


def test_limit_ends_the_stream_after_that_many_events(served: Served, writer: TimelineApp) -> None:
    seed(writer)
    started = time.monotonic()
    # No `count`: the messages are read until the server ends the response.
    messages = _read(served.stream_url, params={"after": 2, "limit": 3})

    assert [m.id for m in messages] == ["3", "4", "5"]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("params", "headers", "loc"),
    [
        ({"after": "-1"}, {}, ["query", "after"]),
        ({"after": "seven"}, {}, ["query", "after"]),
        ({"after": "99"}, {}, ["query", "after"]),
        ({}, {"Last-Event-ID": "x"}, ["header", "Last-Event-ID"]),
        ({"limit": "0"}, {}, ["query", "limit"]),
    ],
)
def test_a_bad_start_or_limit_is_refused_as_a_problem_naming_it(
    served: Served,
    writer: TimelineApp,
    params: dict[str, str],
    headers: dict[str, str],
    loc: list[str],
) -> None:
    seed(writer)
    response = httpx.get(served.stream_url, params=params, headers=headers, timeout=TIMEOUT)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [loc]


def test_an_idle_stream_sends_keep_alive_comments(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server runs in this process, so its keep-alive interval can be shortened.
    monkeypatch.setattr(stream, "KEEP_ALIVE_SECONDS", 0.3)
    with httpx.stream("GET", served.stream_url, timeout=TIMEOUT) as response:
        lines = response.iter_lines()
        # First an id alone, where the (empty) log stands: a client that drops
        # before any event resumes from there, not from a later head.
        assert [next(lines), next(lines)] == ["id: 0", ""]
        assert next(lines) == ": keep-alive"


def test_the_server_stops_within_seconds_while_a_stream_is_open(served: Served) -> None:
    with httpx.stream("GET", served.stream_url, timeout=TIMEOUT) as response:
        assert response.status_code == 200
        started = time.monotonic()
        served.server.should_exit = True
        served.thread.join(timeout=GRACE_SECONDS + 4)

        assert not served.thread.is_alive()
        assert time.monotonic() - started < GRACE_SECONDS + 3
        # The server ended the response instead of leaving it open.
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()


def test_a_stream_stops_reading_the_log_once_its_client_leaves(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[float] = []
    read = stream._read

    def counted(*args: Any) -> Any:
        reads.append(time.monotonic())
        return read(*args)

    monkeypatch.setattr(stream, "_read", counted)
    with httpx.stream("GET", served.stream_url, timeout=TIMEOUT) as response:
        assert response.status_code == 200
        time.sleep(4 * stream.POLL_SECONDS)
    left = time.monotonic()
    time.sleep(4 * stream.POLL_SECONDS)

    assert reads, "the stream never read the log"
    assert [t for t in reads if t > left + 2 * stream.POLL_SECONDS] == []


def test_an_open_stream_ends_once_its_token_is_revoked(
    served_protected: Served, writer: TimelineApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "TOKEN_CHECK_SECONDS", 0.2)
    app: Any = served_protected.server.config.app
    tokens = app.state.tokens
    token = tokens.create("watcher", ["read"])
    headers = {"Authorization": f"Bearer {token}"}
    url = served_protected.stream_url
    with httpx.stream(
        "GET", url, params={"after": 0}, headers=headers, timeout=TIMEOUT
    ) as response:
        assert response.status_code == 200
        seed(writer)
        lines = response.iter_lines()
        data = 0
        while data < SEEDED:
            data += next(lines).startswith("data:")
        tokens.revoke("watcher")
        started = time.monotonic()
        rest = list(lines)  # the stream ends, rather than running into the timeout

    assert time.monotonic() - started < 2
    assert ": the token no longer reads: the stream ends" in rest
    assert httpx.get(url, headers=headers).status_code == 401
