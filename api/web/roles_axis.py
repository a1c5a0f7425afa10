"""An actor's roles on a time axis: one bar per role, as a small SVG drawn on the server.

Each role runs from its start to its end, or to today while it is held. The dates
are EDTF, read by the domain's parser into inclusive bounds: a bar reaches as far
as a date could (the start's earliest day, the end's latest). The stretch a date
leaves unsure is drawn faded: an imprecise or qualified start (`2021`, `2021~`)
from its earliest to its latest day, the same for an end, and the last weeks of a
role still open, since it may end any day. A role with no dates gets a row and no
bar. The roles list beside the drawing says the same in words for screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain import ValidationError
from domain.dates import EdtfDate, parse_edtf_date

__all__ = ["RolesAxis", "roles_axis"]

WIDTH = 640
ROW = 30
# Room for the year labels under the rows.
FOOT = 18
TOP = 4
_QUALIFIERS = ("~", "?", "%")
# How much of the axis an open role's faded tail takes.
OPEN_TAIL = 0.04


@dataclass(frozen=True)
class Piece:
    """A stretch of a bar: sure (solid) or unsure (faded)."""

    x: float
    width: float
    sure: bool


@dataclass(frozen=True)
class RoleRow:
    """One role: its label, its row, the stretches drawn (none without dates)."""

    label: str
    period: str
    y: float
    pieces: list[Piece]
    open: bool


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class RolesAxis:
    """The drawing's rows and year ticks, and its size."""

    rows: list[RoleRow]
    ticks: list[Tick]
    width: int
    height: int

    @property
    def summary(self) -> str:
        """The roles and their periods in words, for the drawing's `aria-label`."""
        said = "; ".join(f"{row.label}, {row.period or 'dates not recorded'}" for row in self.rows)
        return f"Roles over time: {said}."


@dataclass(frozen=True)
class _Span:
    row: int
    first: date
    sure_from: date
    sure_to: date
    last: date
    open: bool


def roles_axis(roles: Sequence[Mapping[str, Any]], today: date) -> RolesAxis | None:
    """The drawing of `roles` (each with `title`, `organization`, `start`, `end`, and
    `period` in words); None when no role has a date to draw."""
    spans = [span for n, role in enumerate(roles) if (span := _span(n, role, today))]
    if not spans:
        return None
    low = min(span.first for span in spans)
    high = max(max(span.last for span in spans), low.replace(year=low.year + 1))
    days = (high - low).days or 1

    def at(moment: date) -> float:
        return round(WIDTH * (moment - low).days / days, 2)

    drawn = {span.row: span for span in spans}
    rows = []
    for n, role in enumerate(roles):
        label = str(role.get("title", ""))
        if role.get("organization"):
            label += f", {role['organization']}"
        span = drawn.get(n)
        pieces = _pieces(span, at, days) if span else []
        rows.append(
            RoleRow(
                label, str(role.get("period", "")), TOP + n * ROW, pieces, bool(span and span.open)
            )
        )
    step = max(1, round((high.year - low.year + 1) / 8))
    ticks = [
        Tick(at(date(year, 1, 1)), str(year))
        for year in range(low.year + 1, high.year + 1, step)
        # A label at the very edge would be cut in half.
        if 20 < at(date(year, 1, 1)) < WIDTH - 20
    ]
    return RolesAxis(rows, ticks, WIDTH, TOP + len(roles) * ROW + FOOT)


def _pieces(span: _Span, at: Any, days: int) -> list[Piece]:
    sure_to = span.sure_to
    if span.open:
        # A role still held may end any day: its last stretch is unsure.
        tail = max(1, round(days * OPEN_TAIL))
        sure_to = max(span.sure_from, date.fromordinal(span.last.toordinal() - tail))
    stretches = [
        (span.first, span.sure_from, False),
        (span.sure_from, sure_to, True),
        (sure_to, span.last, False),
    ]
    return [
        Piece(at(start), max(round(at(end) - at(start), 2), 1.0), sure)
        for start, end, sure in stretches
        if end > start or (sure and end == start)
    ]


def _span(n: int, role: Mapping[str, Any], today: date) -> _Span | None:
    start = _read(role.get("start"))
    end = _read(role.get("end"))
    if start is None and end is None:
        return None
    if start is None:
        # Only the end is known: the bar starts where the end does, all unsure.
        assert end is not None
        return _Span(n, end.start, end.end, end.end, end.end, False)
    if end is None:
        last = max(today, start.end)
        return _Span(n, start.start, _sure(start, lower=True), last, last, True)
    return _Span(n, start.start, _sure(start, lower=True), _sure(end, lower=False), end.end, False)


def _sure(edtf: EdtfDate, *, lower: bool) -> date:
    """Where a date stops being unsure: a day is sure, anything wider or qualified is not
    until its other bound."""
    if edtf.span_days == 0 and not any(mark in edtf.text for mark in _QUALIFIERS):
        return edtf.start
    return edtf.end if lower else edtf.start


def _read(text: object) -> EdtfDate | None:
    if not text:
        return None
    try:
        return parse_edtf_date(text, "role")
    except ValidationError:
        # A role stored before a stricter parser: leave it undrawn rather than fail the page.
        return None
