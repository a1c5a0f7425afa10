"""An entry's occurred date as the exports show it: the EDTF text, read, never re-decided.

The record keeps the EDTF text and the bounds fixed when it was recorded
(`occurred_start`, `occurred_end`). An export shows the text, says in words
what it states (a day, a month, a year, a season, an interval of those) and
whether it is approximate (`~`, `%`) or uncertain (`?`, `%`), and uses the
recorded bounds wherever a format needs a span (iCalendar). Nothing here
parses the date again with other rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["MONTHS", "Occurred", "Part", "occurred_of"]

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# EDTF level 1 seasons (21-24); the other level 2 codes are shown as written.
SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
_PART = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([~?%]?)")


@dataclass(frozen=True)
class Part:
    """One end of an EDTF date: the parts it states, and its qualifier."""

    year: int
    month: int | None  # 1-12
    day: int | None
    season: int | None  # 21-24 (or another EDTF season code)
    approximate: bool
    uncertain: bool

    @property
    def precision(self) -> str:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        if self.season is not None:
            return "season"
        return "year"

    def label(self) -> str:
        """`27 December 2023`, `December 2023`, `Spring 2023`, `2023`; with `(approximate)`."""
        if self.day is not None and self.month is not None:
            text = f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        elif self.month is not None:
            text = f"{MONTHS[self.month - 1]} {self.year}"
        elif self.season is not None:
            name = SEASONS.get(self.season, f"season {self.season}")
            text = f"{name} {self.year}"
        else:
            text = str(self.year)
        qualifier = _qualifier(self.approximate, self.uncertain)
        return f"{text} ({qualifier})" if qualifier else text


@dataclass(frozen=True)
class Occurred:
    """An entry's occurred date: EDTF text, recorded bounds, and what the text states.

    `parts` holds one Part for a single date, two for an interval, and none
    for a form this reading does not take apart (unspecified digits such as
    `201X`, level 2 qualifiers on components): those are shown as written.
    """

    text: str
    start: date
    end: date
    parts: tuple[Part, ...]

    @property
    def approximate(self) -> bool:
        return "~" in self.text or "%" in self.text

    @property
    def uncertain(self) -> bool:
        return "?" in self.text or "%" in self.text

    @property
    def qualifier(self) -> str | None:
        """`approximate`, `uncertain`, `approximate and uncertain`, or None."""
        return _qualifier(self.approximate, self.uncertain)

    @property
    def precision(self) -> str:
        """`day`, `month`, `year`, `season`, `interval`, or `other` (shown as written)."""
        if len(self.parts) == 2:
            return "interval"
        if len(self.parts) == 1:
            return self.parts[0].precision
        return "other"

    def label(self) -> str:
        """The date in words: `27 December 2023`, `21 December 2023 (approximate)`, two
        such joined by an en dash for an interval; a form not taken apart is its EDTF text."""
        if not self.parts:
            qualifier = self.qualifier
            return f"{self.text} ({qualifier})" if qualifier else self.text
        return " \N{EN DASH} ".join(part.label() for part in self.parts)

    def span_note(self) -> str | None:
        """What the recorded bounds span when the label does not say it already:
        `the whole month: 1 December 2023 to 31 December 2023`; None for days."""
        bounds = f"{_day(self.start)} to {_day(self.end)}"
        if self.approximate:
            return f"the approximate date as the record widens it: {bounds}"
        if all(part.precision == "day" for part in self.parts) and self.parts:
            return None  # the label already names every day
        precision = self.precision
        if precision in ("month", "year", "season"):
            return f"the whole {precision}: {bounds}"
        return bounds

    @property
    def last_day_exclusive(self) -> date:
        """The day after the recorded end: iCalendar's DTEND of an all-day event."""
        return date.fromordinal(self.end.toordinal() + 1)


def occurred_of(text: str, start: str, end: str) -> Occurred:
    """The Occurred of an entry body's `occurred`, `occurred_start` and `occurred_end`."""
    return _occurred(text, start, end)


@lru_cache(maxsize=4096)
def _occurred(text: str, start: str, end: str) -> Occurred:
    # A million entries repeat a few thousand dates; Occurred is immutable.
    return Occurred(text, date.fromisoformat(start), date.fromisoformat(end), _parts(text))


def _parts(text: str) -> tuple[Part, ...]:
    ends = text.split("/")
    if len(ends) > 2:
        return ()
    parts = []
    for end in ends:
        match = _PART.fullmatch(end)
        if match is None:
            return ()
        year, month, day, mark = match.groups()
        number = None if month is None else int(month)
        season = number if number is not None and number > 12 else None
        if season is not None and day is not None:
            return ()
        parts.append(
            Part(
                year=int(year),
                month=number if season is None else None,
                day=None if day is None else int(day),
                season=season,
                approximate=mark in ("~", "%"),
                uncertain=mark in ("?", "%"),
            )
        )
    return tuple(parts)


def _day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _qualifier(approximate: bool, uncertain: bool) -> str | None:
    if approximate and uncertain:
        return "approximate and uncertain"
    if approximate:
        return "approximate"
    if uncertain:
        return "uncertain"
    return None
