"""A word many entries hold is searched from its matches kept in memory, walking the
ordered index: the pages are those the search in SQL answers, on each backend."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

import projections.queries
from domain import TimelineApp
from projections import Queries, ReadModels, TimelineFilters
from tests.builders import BODIES, body, seed

BY = "tests"
FILTERS = [
    TimelineFilters(q="border"),
    TimelineFilters(q="border", order="desc"),
    TimelineFilters(q="border wall", topic="asylum"),
    TimelineFilters(q="border", actor="joe-biden"),
    TimelineFilters(q="border", start="2023-06", end="2024"),
    TimelineFilters(q="border", include_retracted=True, kind="call"),
]


def pages(queries: Queries, filters: TimelineFilters, as_of: int | None) -> list[list[str]]:
    """Every page of three, by entry id, following the cursors."""
    found, cursor = [], None
    while True:
        if cursor is None:
            page = queries.timeline(filters, as_of=as_of, limit=3)
        else:
            page = queries.timeline(filters, limit=3, cursor=cursor)
        found.append([orjson.loads(item)["id"] for item in page.items])
        if (cursor := page.next_cursor) is None:
            return found


def test_a_common_words_pages_are_the_pages_its_search_in_sql_answers(
    app: TimelineApp, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    seed(app)
    app.register_actor({"id": "biden-dup", "name": "J. Biden", "kind": "person"}, by=BY)
    recorded = []
    for n in range(40):
        entry: dict[str, Any] = body(
            rng.choice(sorted(BODIES)), occurred=f"{2022 + n % 3}-0{1 + n % 9}"
        )
        words = rng.sample(["border", "wall", "aid", "talks"], 2)
        entry["title"] = f"Entry {n} on {' '.join(words)}"
        entry["topics"] = rng.sample(["migration", "asylum"], rng.randint(1, 2))
        named = rng.sample(["joe-biden", "biden-dup"], rng.randint(0, 2))
        entry["actors"] = [{"actor": slug, "role": "subject"} for slug in named]
        recorded.append(app.record_entry(entry, by=BY).id)
    before = app.head_position()
    app.retract_entry(recorded[0], expected_version=1, reason="wrong", by=BY)
    app.correct_entry(
        recorded[1], expected_version=1, changes={"title": "border"}, reason="r", by=BY
    )
    app.merge_actor("biden-dup", "joe-biden", by=BY, reason="duplicate")
    read_models.written()

    # Every word counts as common: its matches are kept and the index walked.
    monkeypatch.setattr(projections.queries, "SEARCH_DRIVES", 0)
    walked = Queries(read_models.db)
    # None is kept: each page tests the index rows against the matches in SQL.
    in_sql = Queries(read_models.db)
    monkeypatch.setattr(in_sql, "_searched", lambda c, q, position: (False, None))
    for as_of in (None, before):
        for filters in FILTERS:
            answered = pages(walked, filters, as_of)
            assert answered == pages(in_sql, filters, as_of), (filters, as_of)
            assert sum(map(len, answered)) > 0, filters
