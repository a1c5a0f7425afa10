"""Dates as people read them: an EDTF text shown exactly as precisely as it is known.

    2023-12-27             27 Dec 2023
    2023-12                Dec 2023
    2023                   2023
    2023-12-21~            ~21 Dec 2023          (approximate)
    2023-12?               Dec 2023?             (uncertain)
    2023-12-21%            ~21 Dec 2023?         (both)
    2023-12-18/2023-12-22  18–22 Dec 2023
    2023-11-28/2023-12-02  28 Nov – 2 Dec 2023
    2023-11~/2023-12-28    ~Nov – 28 Dec 2023
    2023-12-01/..          from 1 Dec 2023       (open end)
    ../2023-12-01          until 1 Dec 2023
    2023-12-01/            1 Dec 2023 – ?        (unknown end)

A text these rules do not read (a time of day, an unspecified digit) is shown
as its bounds when they are given, else as the text itself.
"""

# The en dash is what this module writes between the ends of a range; ruff would
# have it be a hyphen.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from projections.exports.dates import MONTHS as MONTH_NAMES

__all__ = ["display_date", "display_moment"]

# The month names the exports write, shortened as dates in a list are.
MONTHS = tuple(name[:3] for name in MONTH_NAMES)
SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
DASH = "–"  # an en dash, as ranges are written
_POINT = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([~?%]?)")


@dataclass(frozen=True)
class _Point:
    """One end of a date: a year, maybe a month (or season), maybe a day, and its qualifier."""

    year: int
    month: int | None
    day: int | None
    approximate: bool
    uncertain: bool

    @property
    def qualified(self) -> bool:
        return self.approximate or self.uncertain

    def words(self, *, with_year: bool = True, with_month: bool = True) -> str:
        parts: list[str] = []
        if self.day is not None:
            parts.append(str(self.day))
        if self.month is not None and with_month:
            parts.append(SEASONS.get(self.month) or MONTHS[self.month - 1])
        if with_year:
            parts.append(str(self.year))
        text = " ".join(parts)
        return ("~" if self.approximate else "") + text + ("?" if self.uncertain else "")


def display_date(text: str, start: date | str | None = None, end: date | str | None = None) -> str:
    """`text` (EDTF) as a reader would write it; `start`/`end` (its bounds) are the
    fallback for forms these rules do not read. Never raises."""
    text = text.strip()
    if "/" not in text:
        point = _point(text)
        if point is not None:
            return point.words()
        return _from_bounds(text, start, end)
    if text.count("/") != 1:
        return _from_bounds(text, start, end)
    first, last = text.split("/")
    low, high = _end(first), _end(last)
    if low is None or high is None:
        return _from_bounds(text, start, end)
    if isinstance(low, _Point) and isinstance(high, _Point):
        return _interval(low, high)
    if isinstance(low, _Point):
        return f"from {low.words()}" if high == ".." else f"{low.words()} {DASH} ?"
    if isinstance(high, _Point):
        return f"until {high.words()}" if low == ".." else f"? {DASH} {high.words()}"
    return "any time" if low == high == ".." else "unknown"


def _interval(low: _Point, high: _Point) -> str:
    if low == high:
        return low.words()
    if low.year != high.year or low.month is None or high.month is None:
        # An end of year precision keeps its year ("2023 – Dec 2023"): without it, it
        # would be empty.
        if low.month is None and high.month is None and not (low.qualified or high.qualified):
            return f"{low.year}{DASH}{high.year}"
        return f"{low.words()} {DASH} {high.words()}"
    # The same year: say it once, at the end.
    same_month = low.month == high.month and low.month is not None
    plain = not (low.qualified or high.qualified)
    if same_month and low.day is not None and high.day is not None and plain:
        return f"{low.day}{DASH}{high.words()}"
    return f"{low.words(with_year=False)} {DASH} {high.words()}"


def _end(text: str) -> _Point | str | None:
    """An interval's end: a point, `..` (open) or `` (unknown); None when unreadable."""
    if text in ("..", ""):
        return text
    return _point(text)


def _point(text: str) -> _Point | None:
    match = _POINT.fullmatch(text)
    if match is None:
        return None
    year, month, day, qualifier = match.groups()
    number = None if month is None else int(month)
    if number is not None and not (1 <= number <= 12 or (number in SEASONS and day is None)):
        return None
    if day is not None:
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            return None
    return _Point(
        int(year),
        number,
        None if day is None else int(day),
        approximate=qualifier in ("~", "%"),
        uncertain=qualifier in ("?", "%"),
    )


def _from_bounds(text: str, start: date | str | None, end: date | str | None) -> str:
    try:
        low = start if isinstance(start, date) else date.fromisoformat(str(start))
        high = end if isinstance(end, date) else date.fromisoformat(str(end))
    except ValueError:
        return text
    as_points = [
        _Point(d.year, d.month, d.day, approximate=False, uncertain=False) for d in (low, high)
    ]
    return _interval(*as_points)


def display_moment(iso: str | None) -> str:
    """A recorded time (ISO 8601 with an offset) in UTC, to the second:
    `29 Nov 2026, 23:29:06 UTC`; the text itself when it is not such a time."""
    if iso is None:
        return "the beginning"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M:%S} UTC"
