"""The timeline's plain pages are answered before FastAPI routes them, the plainest
before any middleware: the same status, headers and bytes as the route answers,
refusals included."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from api.routes import timeline
from api.schemas import TimelineQuery
from tests.e2e.conftest import BASE, PROBLEM, Api

# Sent to the route: a position to wait for (0: none) takes a request past the shortcut.
ROUTED = {"Min-Log-Position": "0"}
PAGES = [
    "",
    "?limit=2",
    "?topic=migration&order=desc",
    "?actor=joe-biden&kind=call",
    "?kind=statistic",
    "?from=2023-12&to=2024&limit=1",
    "?q=migration",
    "?as_of=3",
    "?as_of=2020-01-01T00:00:00Z",
    "?include_retracted=true&limit=1&limit=3",
]
# A value the route's model refuses, for each parameter it reads: a parameter
# added to the model without one here fails `test_every_parameter_has_a_refusal_checked`.
REFUSED = {
    "topic": "UPPER",
    "actor": "x!",
    "kind": "nope",
    "from": "2023-13",
    "to": "soon",
    "q": "x" * 501,
    "as_of": "x" * 65,
    "include_retracted": "maybe",
    "order": "sideways",
    "limit": "0",
    "cursor": "c" * 1001,
}
# Refused by the model's types, or once the page is read.
MORE_REFUSALS = [
    "?cursor=garbage",
    "?as_of=yesterday",
    "?q=!!",
    "?limit=ten",
    "?limit=501",
    "?as_of=-1",
]
# Headers a middleware acts on: the request goes through the middlewares.
THROUGH_MIDDLEWARES: list[dict[str, str]] = [
    {"Origin": "https://elsewhere.example"},
    {"If-None-Match": 'W/"nothing-1"'},
    {"Idempotency-Key": "a-key"},
]


def _without_date(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "date"}


def _same_as_the_route(api: Api, query: str, headers: dict[str, str] | None = None) -> int:
    plain = api.client.get(f"{BASE}/timeline{query}", headers=headers)
    routed = api.client.get(f"{BASE}/timeline{query}", headers={**(headers or {}), **ROUTED})

    assert plain.status_code == routed.status_code
    assert plain.content == routed.content
    assert _without_date(plain.headers) == _without_date(routed.headers)
    return plain.status_code


@pytest.fixture
def three(seeded: Api) -> Api:
    for kind in ("meeting", "call", "statement"):
        seeded.record(kind)
    return seeded


@pytest.mark.parametrize("query", PAGES)
def test_the_shortcut_answers_what_the_route_answers(three: Api, query: str) -> None:
    assert _same_as_the_route(three, query) == 200


def test_every_parameter_has_a_refusal_checked() -> None:
    read = {field.alias or name for name, field in TimelineQuery.model_fields.items()}

    assert read == set(REFUSED)


@pytest.mark.parametrize(("name", "value"), REFUSED.items())
def test_a_value_the_model_refuses_is_the_routes_problem(
    local_seeded: Api, name: str, value: str
) -> None:
    status = _same_as_the_route(local_seeded, f"?{name}={value}")

    assert status == 422
    answer = local_seeded.client.get(f"{BASE}/timeline?{name}={value}")
    assert answer.headers["content-type"] == PROBLEM
    assert name in str(answer.json()["errors"])


@pytest.mark.parametrize("query", MORE_REFUSALS)
def test_any_other_refusal_is_the_routes_problem(local_seeded: Api, query: str) -> None:
    local_seeded.record("meeting")

    assert _same_as_the_route(local_seeded, query) == 422


@pytest.mark.parametrize("headers", THROUGH_MIDDLEWARES)
def test_a_request_for_the_middlewares_answers_as_the_route(
    local_seeded: Api, headers: dict[str, str]
) -> None:
    local_seeded.record("meeting")

    assert _same_as_the_route(local_seeded, "?limit=1", headers) == 200


def test_the_plainest_page_skips_the_middlewares_and_others_do_not(local_seeded: Api) -> None:
    seen: list[str] = []

    class Seen:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(scope["query_string"].decode())
            await self.app(scope, receive, send)

    app = local_seeded.app
    app.middleware_stack = Seen(app.build_middleware_stack())
    local_seeded.record("meeting")
    seen.clear()

    assert local_seeded.client.get(f"{BASE}/timeline?limit=1").status_code == 200
    origin = {"Origin": "https://elsewhere.example"}
    assert local_seeded.client.get(f"{BASE}/timeline?limit=2", headers=origin).status_code == 200
    assert local_seeded.client.get(f"{BASE}/timeline?limit=0").status_code == 422
    assert seen == ["limit=2", "limit=0"]


def test_a_cursor_from_the_shortcut_continues_on_the_route(three: Api) -> None:
    first = three.client.get(f"{BASE}/timeline?limit=2").json()
    second = three.client.get(
        f"{BASE}/timeline?limit=2&cursor={first['next_cursor']}", headers=ROUTED
    )

    assert second.status_code == 200, second.text
    assert len(first["items"]) + len(second.json()["items"]) == 3


def test_a_long_query_string_is_answered_alike_and_not_kept(three: Api) -> None:
    # Long, plain and valid: a search of words the entries have, and repeated
    # names, of which the last counts.
    words = "+".join(["migration"] * 40)
    query = f"?q={words}{'&order=asc' * 15}&limit=2&order=desc"
    assert len(query) > timeline._KEPT_QUERY_BYTES
    kept_before = timeline._kept_query.cache_info().currsize

    assert _same_as_the_route(three, query) == 200
    assert timeline._kept_query.cache_info().currsize == kept_before
