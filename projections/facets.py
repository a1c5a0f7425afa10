"""Counts over every entry a timeline view keeps: by kind, by actor, by month.

The timeline's facets (beside the list) and its activity over time (entries per
month) count the same entries the timeline answers, so they are read through
`Queries.timeline` itself, page after page at one moment, and counted here: a
count cannot disagree with the list it sits beside, whatever the views' tables
look like. Topics have their own query (`Queries.topics`, `GET /api/v1/topics`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from projections.presentation.exports.months import stated_month
from projections.queries import MAX_LIMIT, AsOf, Queries, TimelineFilters

__all__ = ["Activity", "Matching", "activity", "actor_counts", "kind_counts", "matching"]

# Enough for a chronology of years; past it a view says it shows the first ones only.
DEFAULT_CAP = 10_000


@dataclass(frozen=True)
class Matching:
    """The entries a view keeps (at most `cap`), in its order, as of one moment;
    `truncated` when more match."""

    entries: list[dict[str, Any]]
    as_of: AsOf
    truncated: bool


@dataclass(frozen=True)
class Activity:
    """Entries per month (`YYYY-MM`: the month each date says it starts in, under
    which the list shows it) and per kind in each; `months` runs without gaps."""

    months: list[str]
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.counts.values())


def matching(
    queries: Queries,
    filters: TimelineFilters,
    *,
    as_of: str | int | None = None,
    cap: int = DEFAULT_CAP,
) -> Matching:
    """Every entry `filters` keep as of `as_of` (or now), up to `cap`; the pages after
    the first continue at the first one's moment, as their cursors say."""
    entries: list[dict[str, Any]] = []
    page = queries.timeline(filters, as_of=as_of, limit=min(MAX_LIMIT, cap))
    moment = page.as_of
    while True:
        entries.extend(orjson.loads(raw) for raw in page.items)
        if page.next_cursor is None or len(entries) >= cap:
            break
        page = queries.timeline(filters, limit=min(MAX_LIMIT, cap), cursor=page.next_cursor)
    truncated = len(entries) > cap or (len(entries) == cap and page.next_cursor is not None)
    return Matching(entries[:cap], moment, truncated)


def kind_counts(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """How many entries of each kind, most first (then by name)."""
    return _ranked(Counter(str(entry["kind"]) for entry in entries))


def actor_counts(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """How many entries name each actor (once an entry, whatever its roles), most first."""
    counted: Counter[str] = Counter()
    for entry in entries:
        counted.update({str(part["actor"]) for part in entry.get("actors") or ()})
    return _ranked(counted)


def activity(entries: list[dict[str, Any]], by: str = "kind") -> Activity:
    """Entries per month, split by `kind` or by first `topic` (an entry counts once)."""
    counts: dict[str, Counter[str]] = {}
    for entry in entries:
        month = stated_month(str(entry["occurred"]), str(entry["occurred_start"]))
        if by == "topic":
            topics = entry.get("topics") or ["(none)"]
            key = str(topics[0])
        else:
            key = str(entry["kind"])
        counts.setdefault(month, Counter())[key] += 1
    if not counts:
        return Activity([], {})
    months = _month_range(min(counts), max(counts))
    return Activity(months, {month: counts.get(month, Counter()) for month in months})


def _ranked(counted: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while (shown := f"{year:04d}-{month:02d}") <= last:
        months.append(shown)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
