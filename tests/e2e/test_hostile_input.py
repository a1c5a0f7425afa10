"""Hostile input in URLs, cursors and bodies: each is a 4xx naming what was wrong,
the same on both stores, never a 500 nor a silent answer to another question."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.builders import body
from tests.e2e.conftest import BASE, Api, fields_named, problem_of

JSON = "application/json"


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
    read_models: Any = api.app.state.read_models
    queries: Any = read_models.queries
    # The views one event behind the log, as when another process has just written:
    # both as the database tells it and as this process last saw it (SQLite).
    head = queries._head
    monkeypatch.setattr(queries, "_head", lambda c: head(c) - 1)
    if read_models.head is not None:
        monkeypatch.setattr(read_models, "_head", read_models.head - 1)

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


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Idempotency-Key", "a\x00b"),
        ("Idempotency-Key", "a\x7fb"),
        ("Authorization", "Bearer a\x00b"),
        ("Authorization", "Bearer a\x7f"),
    ],
)
def test_a_nul_or_del_in_a_header_of_a_write_is_a_422_naming_the_header(
    seeded: Api, header: str, value: str
) -> None:
    head = seeded.head()

    response = seeded.post("/entries", body("meeting"), headers={header: value})

    assert fields_named(problem_of(response, 422)) == [[header]]
    assert "DEL" in response.json()["errors"][0]["msg"]
    assert seeded.head() == head


@pytest.mark.parametrize(
    ("url", "header", "value"),
    [
        ("/stream?limit=1&after=0", "Last-Event-ID", "1\x00"),
        ("/stream?limit=1&after=0", "Last-Event-ID", "\x7f1"),
        ("/timeline", "Min-Log-Position", "1\x00"),
        ("/timeline", "Authorization", "Bearer \x00"),
    ],
)
def test_a_nul_or_del_in_a_header_of_a_read_is_a_422_naming_the_header(
    seeded: Api, url: str, header: str, value: str
) -> None:
    response = seeded.client.get(BASE + url, headers={header: value})

    assert fields_named(problem_of(response, 422)) == [[header]]


def test_a_tab_in_an_idempotency_key_is_text_not_refused(local_seeded: Api) -> None:
    response = local_seeded.post("/entries", body("meeting"), key="batch\t7")

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"name": "\xc3", "kind": "person"}', "not UTF-8 (byte 10)"),
        (b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}", "too deep"),
        (b"[" * 100_000, "too deep"),
    ],
)
def test_a_body_no_json_reader_takes_is_a_400_naming_the_body_and_why(
    local_api: Api, content: bytes, why: str
) -> None:
    head = local_api.head()

    response = local_api.post("/actors", content=content, headers={"Content-Type": JSON})

    problem = problem_of(response, 400)
    assert fields_named(problem) == [["body"]]
    assert why in problem["errors"][0]["msg"]
    assert local_api.head() == head
