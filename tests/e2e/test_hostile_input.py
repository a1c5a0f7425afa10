"""Hostile input in URLs, cursors and bodies: each is a 4xx naming what was wrong,
the same on both stores, never a 500 nor a silent answer to another question."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.e2e.conftest import BASE, Api, fields_named, problem_of


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/actors/%00", ["actor_id"]),
        ("/actors/a%00b/history", ["actor_id"]),
        ("/actors/a%1Bb", ["actor_id"]),
        ("/actors?q=a%00b", ["q"]),
        ("/actors?q=%00", ["q"]),
        ("/timeline?q=%07", ["q"]),
        ("/timeline?topic=a%0Db", ["topic"]),
        ("/entries/%00", ["entry_id"]),
    ],
)
def test_a_control_character_in_a_path_or_query_is_a_422_naming_the_parameter(
    seeded: Api, url: str, field: list[str]
) -> None:
    response = seeded.client.get(BASE + url)

    assert fields_named(problem_of(response, 422)) == [field]


@pytest.mark.parametrize("url", ["/actors/%00", "/?q=a%00b", "/actors/x?cursor=%00"])
def test_a_control_character_in_a_page_url_is_the_422_page(seeded: Api, url: str) -> None:
    response = seeded.client.get(url)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "control characters" in response.text


def test_tabs_and_newlines_in_a_search_are_text_not_refused(seeded: Api) -> None:
    assert seeded.client.get(BASE + "/actors?q=joe%09biden").status_code == 200
    assert seeded.client.get(BASE + "/timeline?q=border%0Acrossings").status_code == 200


def _cursor_past(api: Api, ahead: int) -> str:
    for kind in ("meeting", "call", "statement"):
        api.record(kind)
    cursor = api.get("/timeline", limit=1).json()["next_cursor"]
    position, *rest = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    moved = orjson.dumps([position + ahead, *rest])
    return base64.urlsafe_b64encode(moved).decode().rstrip("=")


def test_a_cursor_past_the_head_of_the_log_is_a_422_naming_cursor(seeded: Api) -> None:
    # Made by another store, or made up: no wait would ever reach it.
    response = seeded.get("/timeline", limit=1, cursor=_cursor_past(seeded, 1))

    assert fields_named(problem_of(response, 422)) == [["cursor"]]
    assert "Retry-After" not in response.headers


def test_a_cursor_past_the_head_of_the_log_is_the_422_page(local_seeded: Api) -> None:
    response = local_seeded.client.get("/", params={"cursor": _cursor_past(local_seeded, 1)})

    assert response.status_code == 422
    assert "the log has reached" in response.text


def test_a_cursor_the_log_has_reached_but_the_views_not_yet_is_a_503(
    local_seeded: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = local_seeded
    cursor = _cursor_past(api, 0)
    queries: Any = api.app.state.read_models.queries
    # The views one event behind the log, as when another process has just written.
    head = queries._head
    monkeypatch.setattr(queries, "_head", lambda c: head(c) - 1)

    response = api.get("/timeline", limit=1, cursor=cursor)

    assert problem_of(response, 503)["detail"].startswith("this cursor continues")
    assert response.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"name": "A", "kind": "person", "name": "B"}', ["name"]),
        (
            b'{"name": "A", "kind": "person", "roles": [{"title": "x", "title": "y"}]}',
            ["roles", 0, "title"],
        ),
    ],
)
def test_a_key_sent_twice_in_one_object_is_a_422_naming_it(
    api: Api, content: bytes, field: list[str | int]
) -> None:
    head = api.head()
    headers = {"Content-Type": "application/json"}

    response = api.post("/actors", content=content, headers=headers)

    assert fields_named(problem_of(response, 422)) == [field]
    assert api.head() == head


def test_a_body_over_the_limit_is_still_a_413_when_sent_in_chunks(
    serve: Any,
) -> None:
    api = serve(max_body_bytes=2000)
    big = b'{"name": "' + b"a" * 5000 + b'", "kind": "person"}'

    def chunks() -> Any:
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    response = api.client.post(
        BASE + "/actors",
        content=chunks(),
        headers={**api.auth, "Content-Type": "application/json"},
    )

    assert problem_of(response, 413)


def test_a_zero_width_space_neither_hides_an_actor_nor_changes_its_id(api: Api) -> None:
    response = api.post("/actors", {"name": "Ma\u200brcelo Ebrard\u00ad", "kind": "person"})
    assert response.status_code == 201, response.text
    # The id is derived as before: ids are stored, so the way they are made stays.
    assert response.json()["id"] == "ma-rcelo-ebrard"
    # On PostgreSQL the directory is a follower's: read once it has the write.
    api.wait(int(response.headers["Log-Position"]))

    for q in ("marcelo", "Mar\u200bcelo\u2060 Ebr\u200dard", "\ufeffebrard"):
        found = api.get("/actors", q=q).json()["items"]
        assert [actor["id"] for actor in found] == ["ma-rcelo-ebrard"], q


def test_a_search_of_format_characters_alone_is_a_422_as_an_empty_one(api: Api) -> None:
    response = api.get("/actors", q="\u200b\u200c")

    assert fields_named(problem_of(response, 422)) == [["q"]]
