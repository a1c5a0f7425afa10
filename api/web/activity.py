"""Activity over time: entries per month, by kind, as a small SVG bar chart and a table.

Drawn on the server from the store's counts (`Queries.tally`, shaped by
`projections.facets.activity`): no chart library, nothing
for the browser to run. Each month is a stack of bars, one per kind, coloured as
the kinds are on the cards (`kind-…` classes); the chart has an `aria-label`
saying every month's count, and the table beside it says the same in full.
A span of more than ten years is counted by year instead, to keep bars wide.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from projections import Tally
from projections.facets import Activity, activity
from projections.presentation.dates import SHORT_MONTHS

__all__ = ["ActivityChart", "activity_chart"]

WIDTH = 640
HEIGHT = 90
# Past this many months a bar would be a hairline: the chart counts years instead.
MOST_MONTHS = 120


@dataclass(frozen=True)
class Segment:
    kind: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    """One month (or year): where it is drawn, its label, count, and stack by kind."""

    key: str
    label: str
    x: float
    width: float
    count: int
    segments: list[Segment]
    by_kind: list[tuple[str, int]]
    shown_label: bool


@dataclass(frozen=True)
class ActivityChart:
    """The chart's bars, its kinds (for the legend and table), total and unit."""

    bars: list[Bar]
    kinds: list[str]
    total: int
    unit: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def summary(self) -> str:
        """Every bar's count in words, for the chart's `aria-label`."""
        counts = ", ".join(f"{bar.label}: {bar.count}" for bar in self.bars)
        return f"Entries per {self.unit}, {self.total} in all. {counts}."

    @property
    def kind_totals(self) -> list[tuple[str, int]]:
        """Each kind's entries over the whole span, in the table's column order."""
        return [(kind, sum(dict(bar.by_kind)[kind] for bar in self.bars)) for kind in self.kinds]


def activity_chart(tally: Tally | None) -> ActivityChart | None:
    """The chart of the entries `tally` counts (None when there are none)."""
    if tally is None:
        return None
    counted = activity(tally.months)
    if not counted.months:
        return None
    unit = "month"
    if len(counted.months) > MOST_MONTHS:
        counted, unit = _by_year(counted), "year"
    kinds = sorted({kind for counts in counted.counts.values() for kind in counts})
    tallest = max(sum(counts.values()) for counts in counted.counts.values())
    step = WIDTH / len(counted.months)
    # About eight labels along the axis, whatever the span.
    every = max(1, round(len(counted.months) / 8))
    bars = []
    for n, key in enumerate(counted.months):
        counts = counted.counts[key]
        total = sum(counts.values())
        segments, top = [], float(HEIGHT)
        for kind in kinds:
            if counts[kind]:
                height = HEIGHT * counts[kind] / tallest
                top -= height
                segments.append(Segment(kind, counts[kind], round(top, 2), round(height, 2)))
        bars.append(
            Bar(
                key=key,
                label=_label(key),
                x=round(n * step + step * 0.1, 2),
                width=round(step * 0.8, 2),
                count=total,
                segments=segments,
                by_kind=[(kind, counts[kind]) for kind in kinds],
                shown_label=n % every == 0,
            )
        )
    return ActivityChart(bars, kinds, counted.total, unit)


def _by_year(counted: Activity) -> Activity:
    years: dict[str, Counter[str]] = {}
    for month, counts in counted.counts.items():
        years.setdefault(month[:4], Counter()).update(counts)
    keys = [str(year) for year in range(int(min(years)), int(max(years)) + 1)]
    return Activity(keys, {key: years.get(key, Counter()) for key in keys})


def _label(key: str) -> str:
    if len(key) == 4:
        return key
    return f"{SHORT_MONTHS[int(key[5:7]) - 1]} {key[:4]}"
