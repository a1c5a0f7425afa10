"""The counts beside a timeline (entries per stated month and kind, per actor) are
asked of the store, and agree with the timeline they count, on each backend."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import orjson

from domain import TimelineApp
from projections import Queries, ReadModels, TimelineFilters
from projections.views.body import stated_month
from tests.builders import BODIES, body, seed

BY = "tests"
# The months the list heads them with: `~` widens a bound into the month before.
DATES = ["2023-11~/2023-12-28", "2023-12-01~", "2023-11", "2023-12-27", "2024-01~", "2023"]
FILTERS = [
    TimelineFilters(),
    TimelineFilters(topic="migration"),
    TimelineFilters(actor="joe-biden"),
    TimelineFilters(actor="joe-biden", topic="asylum"),
    TimelineFilters(kind="call"),
    TimelineFilters(start="2023-12", end="2023-12"),
    TimelineFilters(q="migration"),
    TimelineFilters(include_retracted=True),
]


def by_hand(
    queries: Queries, filters: TimelineFilters, as_of: int | None
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Months by kind and actors, counted over every entry the timeline pages through."""
    months: dict[str, Counter[str]] = {}
    actors: Counter[str] = Counter()
    page = queries.timeline(filters, as_of=as_of, limit=500)
    assert page.next_cursor is None
    for raw in page.items:
        item: dict[str, Any] = orjson.loads(raw)
        month = stated_month(item["occurred"], item["occurred_start"])
        months.setdefault(month, Counter())[item["kind"]] += 1
        actors.update({pair["actor"] for pair in item["actors"]})
    return {m: dict(kinds) for m, kinds in months.items()}, dict(actors)


def test_tallies_agree_with_the_timeline_under_each_filter_before_and_after_a_merge(
    app: TimelineApp, read_models: ReadModels
) -> None:
    rng = random.Random(5)
    seed(app)
    app.register_actor({"id": "biden-dup", "name": "J. Biden", "kind": "person"}, by=BY)
    recorded = []
    for _ in range(40):
        entry = body(rng.choice(sorted(BODIES)), occurred=rng.choice(DATES))
        entry["topics"] = rng.sample(["migration", "asylum", "aid"], rng.randint(1, 2))
        named = rng.sample(["joe-biden", "biden-dup", "antony-blinken"], rng.randint(0, 2))
        entry["actors"] = [{"actor": slug, "role": "subject"} for slug in named]
        recorded.append(app.record_entry(entry, by=BY).id)
    for entry_id in recorded[:4]:
        app.retract_entry(entry_id, expected_version=1, reason="wrong", by=BY)
    app.correct_entry(
        recorded[5], expected_version=1, changes={"occurred": "2022-06~"}, reason="r", by=BY
    )
    before = app.head_position()
    app.merge_actor("biden-dup", "joe-biden", by=BY, reason="duplicate")
    read_models.written()
    queries = read_models.queries

    for as_of in (None, before):
        for filters in FILTERS:
            tally = queries.tally(filters, as_of=as_of, topics=True)
            months, actors = by_hand(queries, filters, as_of)
            assert (tally.months, tally.actors) == (months, actors), (filters, as_of)
            topics, _ = queries.topics(filters, as_of=as_of)
            assert tally.topics == {t["topic"]: t["entries"] for t in topics}
            assert tally.total == sum(sum(kinds.values()) for kinds in months.values())
    everything = queries.tally(TimelineFilters())
    # An approximate November interval is counted in November, as the list shows it.
    assert "2023-11" in everything.months
    assert "2023-10" not in everything.months
    assert "2022-06" in everything.months
