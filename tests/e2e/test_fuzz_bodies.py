"""Hostile bodies posted through the app: never a 5xx, every refusal a problem naming
what was wrong, and nothing half-written.

Hypothesis draws bodies for actors, sources and entries (tests/hostile.py):
valid ones changed here and there (huge strings, control characters, NUL, lone
surrogates, deep nesting, wrong types, keys sent twice, 1e309) and other
things altogether. The draws are derandomized, so every run posts the same
bodies, on a fresh SQLite store; the budget is a few seconds per route.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import ACTORS, BODIES, SOURCE, body
from tests.e2e.conftest import PROBLEM, Api, _serving
from tests.hostile import bodies as hostile_bodies
from tests.hostile import encode

# A failing draw may hold a 300,000-character string: its repr is long, and useful.
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One store for every draw of the module: a draw sees what earlier ones wrote,
    as a server does."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    with _serving(f"sqlite:///{folder / 'timeline.db'}") as api:
        api.seed()
        yield api


def _locations_are_fields(problem: dict[str, Any]) -> None:
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert error["loc"], problem
        assert all(isinstance(part, str | int) for part in error["loc"]), problem
        assert isinstance(error["msg"], str), problem
        assert error["msg"], problem


def post_and_check(api: Api, path: str, content: bytes, key: str | None = None) -> None:
    """POST `content`; check the answer and that the log moved only if it is a 2xx."""
    head = api.head()
    response: httpx2.Response = api.post(path, content=content, headers=JSON, key=key)
    after = api.head()

    assert response.status_code < 500, response.text
    if response.is_success:
        assert after > head, "a 2xx that stored nothing"
        return
    assert after == head, f"{response.status_code} but the log moved from {head} to {after}"
    assert response.headers["content-type"] == PROBLEM, response.text
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["detail"]
    if response.status_code == 422:
        _locations_are_fields(problem)


_KINDS = st.sampled_from(sorted(BODIES)).map(body)


@FUZZ
@given(content=hostile_bodies(_KINDS).map(encode))
def test_a_hostile_entry_is_refused_as_a_problem_and_stores_nothing(
    api: Api, content: bytes
) -> None:
    post_and_check(api, "/entries", content)


# New ids, so that a valid actor or source is stored rather than taken.
_ACTORS = st.tuples(st.sampled_from(ACTORS), st.integers(0, 10**9)).map(
    lambda pair: {**pair[0], "id": f"fuzzed-{pair[1]}"}
)
_SOURCES = st.integers(0, 10**9).map(lambda n: {**SOURCE, "id": f"fuzzed-{n}"})


@FUZZ
@given(content=hostile_bodies(_ACTORS).map(encode))
def test_a_hostile_actor_is_refused_as_a_problem_and_stores_nothing(
    api: Api, content: bytes
) -> None:
    post_and_check(api, "/actors", content)


@FUZZ
@given(content=hostile_bodies(_SOURCES).map(encode))
def test_a_hostile_source_is_refused_as_a_problem_and_stores_nothing(
    api: Api, content: bytes
) -> None:
    post_and_check(api, "/sources", content)


_BYTES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [b"", b"{", b'{"name": "a"', b"\xff\xfe{}", b'{"name": "\xc3"}', b"[]" * 1000]
    ),
)


@settings(FUZZ, max_examples=80)
@given(content=_BYTES, path=st.sampled_from(["/entries", "/actors", "/sources"]))
def test_bytes_that_are_not_json_are_refused_as_a_problem(
    api: Api, content: bytes, path: str
) -> None:
    post_and_check(api, path, content)
