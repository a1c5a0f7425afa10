"""Merged actors read through the queries as a plain count over the entries says they should."""

from __future__ import annotations

import random
from typing import Any

import orjson

from domain import TimelineApp
from projections import ReadModels, TimelineFilters
from tests.builders import SOURCE, body

BY = "tests"
ACTORS = [f"actor-{n}" for n in range(8)]
# Duplicates and the actor each is merged into, in order: a chain (0 -> 1 -> 2) among them.
MERGES = [("actor-0", "actor-1"), ("actor-3", "actor-4"), ("actor-1", "actor-2")]


def _survivor(slug: str, merged: dict[str, str]) -> str:
    while slug in merged:
        slug = merged[slug]
    return slug


def expected(
    entries: dict[str, set[str]], merged: dict[str, str], slug: str
) -> tuple[set[str], dict[str, int]]:
    """The entries an actor's history holds, and its co-actors with their counts,
    worked out by hand: an actor stands for itself and every actor merged into it."""
    group = {a for a in ACTORS if a == slug or slug in _chain(a, merged)}
    mine = {entry for entry, actors in entries.items() if actors & group}
    counts: dict[str, int] = {}
    for entry in mine:
        for other in {_survivor(a, merged) for a in entries[entry] - group} - {slug}:
            counts[other] = counts.get(other, 0) + 1
    return mine, counts


def _chain(slug: str, merged: dict[str, str]) -> list[str]:
    chain = []
    while slug in merged:
        slug = merged[slug]
        chain.append(slug)
    return chain


def test_histories_counts_and_co_actors_match_a_count_by_hand_before_and_after_merges(
    app: TimelineApp, read_models: ReadModels
) -> None:
    rng = random.Random(7)
    app.register_source(SOURCE, by=BY)
    for slug in ACTORS:
        app.register_actor({"id": slug, "name": slug, "kind": "person"}, by=BY)
    entries: dict[str, set[str]] = {}
    for n in range(60):
        named = rng.sample(ACTORS, rng.randint(2, 4))
        entry: dict[str, Any] = body("call", occurred=f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}")
        entry["details"]["participants"] = named
        entries[app.record_entry(entry, by=BY).id] = set(named)
    # Corrected actors count as they now stand; retracted entries not at all.
    for entry_id in list(entries)[:3]:
        named = rng.sample(ACTORS, 3)
        details = {"participants": named, "medium": "phone"}
        app.correct_entry(
            entry_id, expected_version=1, changes={"details": details}, reason="r", by=BY
        )
        entries[entry_id] = {pair["actor"] for pair in app.get_entry(entry_id).actors}
    for entry_id in list(entries)[3:6]:
        app.retract_entry(entry_id, expected_version=1, reason="r", by=BY)
        del entries[entry_id]
    merged: dict[str, str] = {}
    positions = [app.head_position()]
    for dup, into in MERGES:
        positions.append(app.merge_actor(dup, into, by=BY, reason="duplicate").position)
        merged[dup] = into
    read_models.written()
    queries = read_models.queries

    for slug in ACTORS:
        mine, counts = expected(entries, merged, slug)
        page = queries.actor(slug, co_actors=len(ACTORS))
        assert page["entries"] == len(mine), slug
        assert {c["actor"]: c["entries"] for c in page["co_actors"]} == counts, slug
        history = queries.actor_history(slug, limit=500)
        assert sorted(_id(item) for item in history.items) == sorted(mine)  # each once
        timeline = queries.timeline(TimelineFilters(actor=slug), limit=500)
        assert [_id(item) for item in timeline.items] == [_id(item) for item in history.items]

    # As of each merge's position, only the merges made by then count.
    for made, position in enumerate(positions):
        then = dict(MERGES[:made])
        for slug in ACTORS:
            mine, _ = expected(entries, then, slug)
            history = queries.actor_history(slug, as_of=position, limit=500)
            assert sorted(_id(item) for item in history.items) == sorted(mine), slug


def _id(item: bytes) -> str:
    found: str = orjson.loads(item)["id"]
    return found


def test_topic_counts_for_an_actor_agree_with_its_timeline_before_and_after_a_merge(
    app: TimelineApp, read_models: ReadModels
) -> None:
    app.register_source(SOURCE, by=BY)
    for slug in ("dup", "keep", "other"):
        app.register_actor({"id": slug, "name": slug, "kind": "person"}, by=BY)
    named = [["dup", "other"], ["dup", "other"], ["keep", "other"], ["dup", "keep"]]
    topics = [["asylum"], ["asylum", "aid"], ["aid"], ["asylum"]]
    for n, (actors, tagged) in enumerate(zip(named, topics, strict=True)):
        entry: dict[str, Any] = body("call", occurred=f"2023-0{n + 1}-01", topics=tagged)
        entry["details"]["participants"] = actors
        app.record_entry(entry, by=BY)
    before = app.head_position()
    app.merge_actor("dup", "keep", by=BY, reason="duplicate")
    read_models.written()
    queries = read_models.queries

    def by_topic(as_of: int | None) -> tuple[dict[str, int], dict[str, int]]:
        answered, _ = queries.topics(TimelineFilters(actor="keep"), as_of=as_of)
        page = queries.timeline(TimelineFilters(actor="keep"), as_of=as_of, limit=500)
        counted: dict[str, int] = {}
        for item in page.items:
            for topic in orjson.loads(item)["topics"]:
                counted[topic] = counted.get(topic, 0) + 1
        return {t["topic"]: t["entries"] for t in answered}, counted

    # After the merge `keep` stands for `dup` too, its entry naming both counted once.
    assert by_topic(None) == ({"aid": 2, "asylum": 3}, {"aid": 2, "asylum": 3})
    # Before it, as the timeline then said, `keep`'s own entries only.
    assert by_topic(before) == ({"aid": 1, "asylum": 1}, {"aid": 1, "asylum": 1})
