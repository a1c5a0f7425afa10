"""What every route of the HTTP API v1 does with a request: idempotency keys, the body
limit, bad input, tokens on the real routes, and problems in place of errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from tests.builders import BODIES, body, details
from tests.e2e.conftest import Api, fields_named, problem_of

NEW_ACTOR = {"name": "Liz Sherwood-Randall", "kind": "person"}
NEW_SOURCE = {"title": "Biden speaks to López Obrador", "publisher": "AP"}


def _first_and_other(api: Api, command: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A POST path, a body for it, and another body for the same path."""
    if command == "actor":
        return "/actors", NEW_ACTOR, {**NEW_ACTOR, "aliases": ["Sherwood-Randall"]}
    if command == "source":
        return "/sources", NEW_SOURCE, {**NEW_SOURCE, "publisher": "Reuters"}
    if command == "entry":
        return "/entries", body("call"), body("call", title="Another call")
    entry = api.record("call")
    if command == "correction":
        first = {"expected_version": 1, "changes": {"title": "Retitled"}, "reason": "r"}
        return f"/entries/{entry['id']}/corrections", first, {**first, "reason": "other"}
    if command == "retraction":
        first = {"expected_version": 1, "reason": "duplicate"}
        return f"/entries/{entry['id']}/retractions", first, {**first, "reason": "other"}
    target = api.record("meeting")["id"]
    first = {"relation": "follows", "entry": target}
    return f"/entries/{entry['id']}/links", first, {**first, "relation": "contradicts"}


COMMANDS = ["actor", "source", "entry", "correction", "retraction", "link"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_retried_post_returns_the_first_answer_and_stores_nothing(
    seeded: Api, command: str
) -> None:
    path, first, _ = _first_and_other(seeded, command)

    answer = seeded.post(path, first, key="retry-me")
    head = seeded.head()
    again = seeded.post(path, first, key="retry-me")

    assert answer.status_code in (200, 201), answer.text
    assert again.status_code == answer.status_code
    assert again.content == answer.content
    assert again.headers["Log-Position"] == answer.headers["Log-Position"] == str(head)
    assert seeded.head() == head


def test_a_retried_entry_appears_once_in_the_timeline(seeded: Api) -> None:
    for _ in range(3):
        seeded.post("/entries", body("statement"), key="statement-1")

    assert len(seeded.get("/timeline").json()["items"]) == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_a_reused_key_with_another_body_is_a_422_problem_naming_the_header(
    local_seeded: Api, command: str
) -> None:
    seeded = local_seeded
    path, first, other = _first_and_other(seeded, command)
    assert seeded.post(path, first, key="once").status_code in (200, 201)
    head = seeded.head()

    response = seeded.post(path, other, key="once")

    assert fields_named(problem_of(response, 422)) == [["Idempotency-Key"]]
    assert seeded.head() == head


def test_one_key_sent_by_two_principals_records_two_entries(local_seeded: Api) -> None:
    tokens = local_seeded.app.state.tokens
    editor = {"Authorization": f"Bearer {tokens.create('editor', ['write'])}"}

    mine = local_seeded.post("/entries", body("call"), key="k-1")
    theirs = local_seeded.post("/entries", body("call"), key="k-1", headers=editor)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_stale_correction_retried_under_its_key_still_answers_as_the_first_time(
    local_seeded: Api,
) -> None:
    entry = local_seeded.record("meeting")
    correction = {"expected_version": 1, "changes": {"title": "Retitled"}, "reason": "r"}
    first = local_seeded.post(f"/entries/{entry['id']}/corrections", correction, key="c-1")
    local_seeded.post(
        f"/entries/{entry['id']}/corrections",
        {"expected_version": 2, "changes": {"title": "Again"}, "reason": "r"},
    )

    retry = local_seeded.post(f"/entries/{entry['id']}/corrections", correction, key="c-1")
    unkeyed = local_seeded.post(f"/entries/{entry['id']}/corrections", correction)

    assert (retry.status_code, retry.content) == (200, first.content)
    assert retry.json()["title"] == "Retitled"
    problem_of(unkeyed, 409)


# The body limit ------------------------------------------------------------

LIMIT = 4000


def _padded(size: int) -> bytes:
    """A valid entry body of exactly `size` bytes."""
    empty = orjson.dumps(body("call", note="x"))
    return orjson.dumps(body("call", note="x" * (size - len(empty) + 1)))


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


JSON = {"Content-Type": "application/json"}


def test_a_body_declared_over_the_limit_is_a_413_problem_and_one_at_it_is_read(
    serve: Callable[..., Api],
) -> None:
    api = serve(max_body_bytes=LIMIT)
    api.seed()
    head = api.head()

    assert len(_padded(LIMIT)) == LIMIT
    over = api.post("/entries", content=_padded(LIMIT + 1), headers=JSON)

    assert "content-length" in over.request.headers
    assert str(LIMIT) in problem_of(over, 413)["detail"]
    assert api.head() == head
    at_limit = api.post("/entries", content=_padded(LIMIT), headers=JSON)
    assert at_limit.status_code == 201, at_limit.text


def test_a_chunked_body_at_the_limit_is_read(serve: Callable[..., Api]) -> None:
    api = serve(max_body_bytes=LIMIT)
    api.seed()

    response = api.post("/entries", content=_chunks(_padded(LIMIT)), headers=JSON)

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 201, response.text


def test_a_chunked_body_over_the_limit_is_a_413_problem(serve: Callable[..., Api]) -> None:
    api = serve(max_body_bytes=LIMIT)
    api.seed()
    head = api.head()

    response = api.post("/entries", content=_chunks(_padded(LIMIT * 3)), headers=JSON)

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert api.head() == head
    assert str(LIMIT) in problem_of(response, 413)["detail"]


# Bad input -------------------------------------------------------------------


def _without(kind: str, field: str) -> dict[str, Any]:
    result = body(kind)
    del result[field]
    return result


@pytest.mark.parametrize(
    ("sent", "loc"),
    [
        (body("meeting", title=5), ["title"]),
        (body("meeting", colour="red"), ["colour"]),
        (body("meeting", kind="rumour"), ["kind"]),
        (_without("meeting", "kind"), ["kind"]),
        (_without("call", "summary"), ["summary"]),
        (body("call", sources=[]), ["sources"]),
        (body("call", title="   "), ["title"]),
        (body("call", topics=["Border Security"]), ["topics", 0]),
        (body("call", occurred="2023-13-45"), ["occurred"]),
        (body("call", occurred="27 December 2023"), ["occurred"]),
        (details("meeting", duration_minutes="120"), ["details", "duration_minutes"]),
        (details("meeting", participants=["joe-biden"]), ["details", "participants"]),
        (details("statement", quotes=[]), ["details", "quotes"]),
        (details("statistic", value=None), ["details", "value"]),
        (details("congressional_negotiation", status="tabled"), ["details", "status"]),
        (body("call", actors=[{"actor": "nobody", "role": "host"}]), ["actors", 0, "actor"]),
        (
            body("call", sources=[{"source": "cbs-2023-12-28"}, {"source": "nowhere"}]),
            ["sources", 1, "source"],
        ),
    ],
)
def test_an_invalid_entry_is_a_422_problem_naming_the_field_and_stores_nothing(
    local_seeded: Api, sent: dict[str, Any], loc: list[str | int]
) -> None:
    head = local_seeded.head()

    response = local_seeded.post("/entries", sent)

    assert loc in fields_named(problem_of(response, 422))
    assert local_seeded.head() == head


def test_an_unknown_participant_is_a_422_naming_it_in_the_details(local_seeded: Api) -> None:
    response = local_seeded.post(
        "/entries", details("meeting", participants=["joe-biden", "nobody"])
    )

    assert fields_named(problem_of(response, 422)) == [["details", "participants", 1]]


@pytest.mark.parametrize(
    ("path", "sent", "loc"),
    [
        ("/actors", {"name": "X", "kind": "robot"}, ["kind"]),
        ("/actors", {"id": "Not A Slug", "name": "X", "kind": "person"}, ["id"]),
        ("/actors", {"name": "X", "kind": "person", "roles": [{}]}, ["roles", 0, "title"]),
        ("/actors", {"kind": "person"}, ["name"]),
        (
            "/actors",
            {"name": "X", "kind": "person", "roles": [{"title": "Mayor", "start": "2023-02-30"}]},
            ["roles", 0, "start"],
        ),
        ("/sources", {"title": "T"}, ["publisher"]),
        ("/sources", {"title": "T", "publisher": "P", "url": "ftp://x"}, ["url"]),
        ("/sources", {"title": "T", "publisher": "P", "published": "2023-13"}, ["published"]),
        ("/sources", {"title": "T", "publisher": "P", "authors": "Caitlin"}, ["authors"]),
    ],
)
def test_an_invalid_actor_or_source_is_a_422_problem_naming_the_field(
    local_api: Api, path: str, sent: dict[str, Any], loc: list[str | int]
) -> None:
    response = local_api.post(path, sent)

    assert loc in fields_named(problem_of(response, 422))
    assert local_api.head() == 0


@pytest.mark.parametrize(
    ("sent", "loc"),
    [
        ({"expected_version": 0, "changes": {}, "reason": "r"}, ["expected_version"]),
        ({"expected_version": "1", "changes": {}, "reason": "r"}, ["expected_version"]),
        ({"expected_version": 1, "changes": {"kind": "call"}, "reason": "r"}, ["changes", "kind"]),
        ({"expected_version": 1, "changes": {"title": "T"}}, ["reason"]),
        (
            {"expected_version": 1, "changes": {"occurred": "soon"}, "reason": "r"},
            ["changes", "occurred"],
        ),
    ],
)
def test_an_invalid_correction_is_a_422_problem_naming_the_field(
    local_seeded: Api, sent: dict[str, Any], loc: list[str | int]
) -> None:
    entry = local_seeded.record("call")

    response = local_seeded.post(f"/entries/{entry['id']}/corrections", sent)

    assert loc in fields_named(problem_of(response, 422))
    assert local_seeded.get(f"/entries/{entry['id']}").json()["version"] == 1


@pytest.mark.parametrize("path", ["/actors", "/sources", "/entries"])
def test_malformed_json_is_a_400_problem_naming_the_media_type_expected(
    local_api: Api, path: str
) -> None:
    for raw in (b"{not json", b'{"kind": "call",', b"\xff\xfe"):
        response = local_api.post(path, content=raw, headers=JSON)

        problem = problem_of(response, 400)
        assert fields_named(problem) == [["body"]], raw
        assert "application/json" in problem["detail"], raw
        assert problem["type"].endswith("/problems/not-json")
    assert local_api.head() == 0


@pytest.mark.parametrize("sent_as", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_is_read_as_json_whatever_its_content_type(
    local_api: Api, sent_as: str | None
) -> None:
    # `curl -d` sends application/x-www-form-urlencoded: the README's examples do.
    headers = {**local_api.auth, **({"Content-Type": sent_as} if sent_as else {})}
    raw = orjson.dumps({"name": "Ken Salazar", "kind": "person"})

    response = local_api.client.post("/api/v1/actors", content=raw, headers=headers)

    assert response.status_code == 201, response.text
    assert response.json()["id"] == "ken-salazar"


@pytest.mark.parametrize("sent_as", [None, "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_a_400_whatever_its_content_type(
    local_api: Api, sent_as: str | None
) -> None:
    headers = {**local_api.auth, **({"Content-Type": sent_as} if sent_as else {})}

    response = local_api.client.post("/api/v1/actors", content=b"name=Ken", headers=headers)

    problem = problem_of(response, 400)
    assert problem["errors"][0]["loc"] == ["body"]
    assert "expected JSON, media type application/json" in problem["errors"][0]["msg"]
    assert local_api.head() == 0


def test_a_body_repeating_a_key_sent_without_a_content_type_is_still_refused(
    local_api: Api,
) -> None:
    raw = b'{"name": "A", "name": "B", "kind": "person"}'

    response = local_api.client.post("/api/v1/actors", content=raw, headers=local_api.auth)

    assert fields_named(problem_of(response, 422)) == [["name"]]


@pytest.mark.parametrize("path", ["/actors", "/sources", "/entries"])
def test_a_body_that_is_not_an_object_is_a_422_problem(local_api: Api, path: str) -> None:
    not_objects: list[Any] = [None, [], "a string", 42]
    for sent in not_objects:
        response = local_api.post(path, content=orjson.dumps(sent), headers=JSON)

        assert fields_named(problem_of(response, 422)) == [["body"]], sent
    assert local_api.head() == 0


# Tokens on the real routes -----------------------------------------------------


def _posts(api: Api) -> list[tuple[str, dict[str, Any]]]:
    entry = api.record("call")["id"]
    return [
        ("/actors", NEW_ACTOR),
        ("/sources", NEW_SOURCE),
        ("/entries", BODIES["meeting"]),
        (f"/entries/{entry}/corrections", {"expected_version": 1, "changes": {}, "reason": "r"}),
        (f"/entries/{entry}/retractions", {"expected_version": 1, "reason": "r"}),
        (f"/entries/{entry}/links", {"relation": "follows", "entry": entry}),
    ]


def test_every_write_route_needs_a_token_with_scope_write(local_seeded: Api) -> None:
    tokens = local_seeded.app.state.tokens
    reader = {"Authorization": f"Bearer {tokens.create('reader', ['read'])}"}
    head = local_seeded.head()

    for path, sent in _posts(local_seeded):
        anonymous = local_seeded.client.post("/api/v1" + path, json=sent)
        read_only = local_seeded.client.post("/api/v1" + path, json=sent, headers=reader)
        problem_of(anonymous, 401)
        problem_of(read_only, 403)
    assert local_seeded.head() == head + 1  # the entry _posts recorded


def test_reads_are_open_without_a_token(local_seeded: Api) -> None:
    entry = local_seeded.record("meeting")["id"]
    paths = [
        "/health",
        "/actors",
        "/actors/joe-biden",
        "/actors/joe-biden/history",
        "/sources/cbs-2023-12-28",
        f"/entries/{entry}",
        f"/entries/{entry}/history",
        "/timeline",
    ]

    for path in paths:
        response = local_seeded.client.get("/api/v1" + path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "application/json"
        if path != "/health":
            assert int(response.headers["Log-Position"]) == local_seeded.head()


# Problems, never a 500 -----------------------------------------------------------


def test_an_unknown_route_or_method_is_a_problem_too(local_api: Api) -> None:
    problem_of(local_api.get("/nothing-here"), 404)
    problem_of(local_api.client.delete("/api/v1/entries/x"), 405)


def test_a_405_lists_the_methods_the_path_allows(local_api: Api) -> None:
    response = local_api.client.delete("/api/v1/entries")

    problem_of(response, 405)
    assert response.headers["Allow"] == "POST"


def test_health_says_the_position_its_views_reflect(local_seeded: Api) -> None:
    response = local_seeded.get("/health")

    assert response.headers["Log-Position"] == str(response.json()["views"])
    assert response.json()["views"] == local_seeded.head() > 0
