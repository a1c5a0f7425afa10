"""Every problem the API gives has a type of its own, documented, and served as a page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from api.problems import _BY_STATUS, _DOMAIN_TYPES, _MEANINGS, PROBLEM_TYPES, problems_markdown
from domain import errors
from tests.builders import body
from tests.e2e.conftest import Api, problem_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_table_is_the_table_the_api_answers_by() -> None:
    assert problems_markdown() in (ROOT / "docs" / "problems.md").read_text()


def test_every_type_the_code_names_is_in_the_table() -> None:
    named = set(_BY_STATUS.values()) | {name for _, name in _DOMAIN_TYPES}
    for path in (ROOT / "api").rglob("*.py"):
        named |= set(re.findall(r'kind="([a-z-]+)"', path.read_text()))
    assert named <= set(PROBLEM_TYPES)
    # Every status the document lists has a type, so none is answered as about:blank.
    assert set(_MEANINGS) <= set(_BY_STATUS)


def test_every_domain_error_class_has_a_type_of_its_own_or_its_familys() -> None:
    mapped = {cls for cls, _ in _DOMAIN_TYPES}
    for name in errors.__all__:
        cls = getattr(errors, name)
        if cls is errors.DomainError or issubclass(cls, tuple(mapped)):
            continue
        pytest.fail(f"{name} has no problem type")
    for cls, kind in _DOMAIN_TYPES:
        assert PROBLEM_TYPES[kind].status in _MEANINGS, cls


def _answers(api: Api, serve: Callable[..., Api]) -> dict[str, dict[str, object]]:
    """One real problem of as many types as a test can provoke, by their type's name."""
    entry = api.record("call")
    path = f"/entries/{entry['id']}"
    correction = {"expected_version": 1, "changes": {"title": "New"}, "reason": "r"}
    small = serve(max_body_bytes=100)
    assert api.post("/entries", body("call"), key="k1").status_code == 201
    reused = api.post("/entries", body("meeting"), key="k1")
    answers = [
        problem_of(api.post("/actors", content=b"{nope", headers={"Content-Type": "x/y"}), 400),
        problem_of(api.client.post("/api/v1/actors", json={}), 401),
        problem_of(api.get("/entries/nope"), 404),
        problem_of(api.client.delete("/api/v1/actors"), 405),
        problem_of(api.post(f"{path}/corrections", {**correction, "expected_version": 7}), 409),
        problem_of(api.post("/actors", {"id": "joe-biden", "name": "J", "kind": "person"}), 409),
        problem_of(small.post("/actors", {"name": "x" * 200, "kind": "person"}), 413),
        problem_of(api.post("/entries", body("call", occurred="soon")), 422),
        problem_of(
            api.post(
                "/entries",
                body("meeting", actors=[{"actor": "nobody-here", "role": "participant"}]),
            ),
            422,
        ),
        problem_of(api.post("/actors", content=b'{"name": "a", "name": "b"}'), 422),
        problem_of(reused, 422),
    ]
    return {str(a["type"]).rsplit("/", 1)[-1]: a for a in answers}


def test_each_problem_given_has_a_documented_type_whose_page_says_what_it_means(
    local_seeded: Api, serve: Callable[..., Api]
) -> None:
    answers = _answers(local_seeded, serve)

    assert {
        "not-json",
        "unauthorized",
        "not-found",
        "method-not-allowed",
        "version-conflict",
        "already-registered",
        "body-too-large",
        "validation",
        "unknown-reference",
        "duplicate-key",
        "idempotency-key-reused",
    } <= set(answers)
    for name, answer in answers.items():
        kind = PROBLEM_TYPES[name]
        assert answer["type"] == f"http://testserver/problems/{name}"
        assert (answer["status"], answer["title"]) == (kind.status, kind.title)
        page = local_seeded.client.get(f"/problems/{name}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert kind.title in page.text


def test_the_problem_index_lists_every_type_and_an_unknown_one_is_a_404(
    local_api: Api,
) -> None:
    index = local_api.client.get("/problems")
    assert index.status_code == 200
    for name in PROBLEM_TYPES:
        assert f'href="problems/{name}"' in index.text
    missing = problem_of(local_api.client.get("/problems/nope"), 404)
    assert missing["type"] == "http://testserver/problems/not-found"


def test_a_type_is_made_absolute_from_the_base_url_the_request_came_through(
    local_api: Api,
) -> None:
    answer = local_api.client.get(
        "/api/v1/entries/nope", headers={"Host": "timeline.example.org"}
    ).json()
    assert answer["type"] == "http://timeline.example.org/problems/not-found"
