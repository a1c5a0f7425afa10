"""The entries a timeline view keeps, and its counts shaped for the pages.

Counts (entries per month and kind, by actor, by kind; `Queries.tally`, and
`Queries.topics`) are asked of the store, exact at any size. The drawing of
`/visual` and the changes page need the entries themselves: `matching` reads
them through `Queries.timeline` itself, page after page at one moment, up to
a cap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from projections.queries import MAX_LIMIT, AsOf, Queries, TimelineFilters

__all__ = ["Activity", "Matching", "activity", "matching", "ranked"]

# Enough for a chronology of years; past it a drawing says it shows the first ones only.
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


def ranked(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """The counts most first (then by name), as the facets list them."""
    return _ranked(Counter(counts))


def activity(months: Mapping[str, Mapping[str, int]]) -> Activity:
    """Entries per month and kind (`Tally.months`), with the months none start in
    between the first and the last."""
    if not months:
        return Activity([], {})
    span = _month_range(min(months), max(months))
    return Activity(span, {month: Counter(months.get(month, {})) for month in span})


def _ranked(counted: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while (shown := f"{year:04d}-{month:02d}") <= last:
        months.append(shown)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
