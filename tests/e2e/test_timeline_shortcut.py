"""The timeline's plain pages are answered before FastAPI routes them: the same
status, headers and bytes as the route answers, refusals included."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BASE, Api

# Sent to the route: a position to wait for (0: none) takes a request past the shortcut.
ROUTED = {"Min-Log-Position": "0"}
QUERIES = [
    "",
    "?limit=2",
    "?topic=migration&order=desc",
    "?actor=joe-biden&kind=call",
    "?from=2023-12&to=2024&limit=1",
    "?q=migration",
    "?as_of=3",
    "?limit=0",
    "?kind=nope",
    "?cursor=garbage",
    "?order=sideways",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_shortcut_answers_what_the_route_answers(seeded: Api, query: str) -> None:
    for kind in ("meeting", "call", "statement"):
        seeded.record(kind)

    plain = seeded.client.get(f"{BASE}/timeline{query}")
    routed = seeded.client.get(f"{BASE}/timeline{query}", headers=ROUTED)

    assert plain.status_code == routed.status_code
    assert plain.content == routed.content
    assert {k: v for k, v in plain.headers.items() if k != "date"} == {
        k: v for k, v in routed.headers.items() if k != "date"
    }


def test_a_cursor_from_the_shortcut_continues_on_the_route(seeded: Api) -> None:
    for kind in ("meeting", "call", "statement"):
        seeded.record(kind)

    first = seeded.client.get(f"{BASE}/timeline?limit=2").json()
    second = seeded.client.get(
        f"{BASE}/timeline?limit=2&cursor={first['next_cursor']}", headers=ROUTED
    )

    assert second.status_code == 200, second.text
    assert len(first["items"]) + len(second.json()["items"]) == 3
