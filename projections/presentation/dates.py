"""Dates in words, for the exports and the web pages alike: the one EDTF describer.

The domain takes an EDTF text apart (`domain.dates.read_edtf`, the project's
one EDTF pattern); this module only says what it took apart, at two lengths:

* long, for the exports (`Occurred.label`, `point_label`): `27 December 2023`,
  `21 December 2023 (approximate)`, `Spring 2023`, `27 December 2023, 10:00 UTC`,
  two such joined by an en dash for an interval;
* short, for the web pages (`short_date`): `27 Dec 2023`, `~21 Dec 2023`,
  `Dec 2023?`, `18–22 Dec 2023`, `28 Nov – 2 Dec 2023`, `from 1 Dec 2023`,
  `27 Dec 2023, 10:00 UTC`.

A time of day is shown as written, in the zone it is written in (`UTC`,
`UTC-05:00`, none for the local time of the place): no export converts it.

An entry's occurred date is the EDTF text, read, never re-decided: the record
keeps the text and the bounds fixed when it was recorded (`occurred_start`,
`occurred_end`). An export shows the text, says in words what it states and
whether it is approximate (`~`, `%`) or uncertain (`?`, `%`), and uses the
recorded bounds wherever a format needs a span (iCalendar). Nothing here
parses the date again with other rules.
"""

# The en dash is what ranges are written with; ruff would have it be a hyphen.
# ruff: noqa: RUF002, RUF003

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from domain.dates import OPEN, EdtfPoint, read_edtf

__all__ = [
    "MONTHS",
    "SHORT_MONTHS",
    "Occurred",
    "Part",
    "occurred_of",
    "point_label",
    "short_date",
]

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
SHORT_MONTHS = tuple(name[:3] for name in MONTHS)
# EDTF level 1 seasons (21-24); the other level 2 codes (25-41) are named by number.
SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
DASH = "\N{EN DASH}"  # between the ends of a range

# One end of a date as the domain reads it.
Part = EdtfPoint


def point_label(part: Part) -> str:
    """`27 December 2023`, `December 2023`, `Spring 2023`, `2023`; with `(approximate)`;
    `27 December 2023, 10:00 UTC` with a time of day."""
    if part.day is not None and part.month is not None:
        text = f"{part.day} {MONTHS[part.month - 1]} {part.year}" + _clock(part, ", ")
    elif part.month is not None:
        text = f"{MONTHS[part.month - 1]} {part.year}"
    elif part.season is not None:
        text = f"{_season(part.season)} {part.year}"
    else:
        text = str(part.year)
    qualifier = _qualifier(part.approximate, part.uncertain)
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
        """`second` (a day with its time), `day`, `month`, `year`, `season`, `interval`,
        or `other` (shown as written)."""
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
        return f" {DASH} ".join(point_label(part) for part in self.parts)

    def span_note(self) -> str | None:
        """What the recorded bounds span when the label does not say it already:
        `the whole month: 1 December 2023 to 31 December 2023`; None for days."""
        bounds = f"{_day(self.start)} to {_day(self.end)}"
        if self.approximate:
            return f"the approximate date as the record widens it: {bounds}"
        if all(part.day is not None for part in self.parts) and self.parts:
            return None  # the label already names every day
        precision = self.precision
        if precision in ("month", "year", "season"):
            return f"the whole {precision}: {bounds}"
        return bounds

    @property
    def moment(self) -> datetime | None:
        """The time of day of a single date that states one: aware with a zone, naive
        (the local time of the place) without; None for any other date."""
        if len(self.parts) != 1 or (part := self.parts[0]).time is None:
            return None
        day = date(part.year, part.month or 1, part.day or 1)  # a time is always on a day
        return datetime.combine(day, part.time, _tz(part))

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
    ends = read_edtf(text)
    if ends is None or not all(isinstance(end, EdtfPoint) for end in ends):
        return ()
    return tuple(end for end in ends if isinstance(end, EdtfPoint))


def short_date(text: str, start: date | str | None = None, end: date | str | None = None) -> str:
    """`text` (EDTF) as a reader would write it in a list: `27 Dec 2023`, `~21 Dec 2023`,
    `Dec 2023?`, `18–22 Dec 2023`, `from 1 Dec 2023`; `start`/`end` (its bounds) are
    the fallback for forms not taken apart, else the text itself. Never raises."""
    text = text.strip()
    ends = read_edtf(text)
    if ends is None:
        return _from_bounds(text, start, end)
    if len(ends) == 1:
        return _short(_point(ends[0]))
    low, high = ends
    if isinstance(low, EdtfPoint) and isinstance(high, EdtfPoint):
        return _interval(low, high)
    if isinstance(low, EdtfPoint):
        return f"from {_short(low)}" if high == OPEN else f"{_short(low)} {DASH} ?"
    if isinstance(high, EdtfPoint):
        return f"until {_short(high)}" if low == OPEN else f"? {DASH} {_short(high)}"
    return "any time" if low == high == OPEN else "unknown"


def _point(end: EdtfPoint | str) -> EdtfPoint:
    if not isinstance(end, EdtfPoint):
        raise TypeError(f"a single date cannot be {end!r}")
    return end


def _short(point: EdtfPoint, *, with_year: bool = True) -> str:
    words: list[str] = []
    if point.day is not None:
        words.append(str(point.day))
    if point.month is not None:
        words.append(SHORT_MONTHS[point.month - 1])
    elif point.season is not None:
        words.append(_season(point.season))
    if with_year:
        words.append(str(point.year))
    text = " ".join(words) + _clock(point, ", ")
    return ("~" if point.approximate else "") + text + ("?" if point.uncertain else "")


def _interval(low: EdtfPoint, high: EdtfPoint) -> str:
    if low == high:
        return _short(low)
    low_unit, high_unit = _unit(low), _unit(high)
    if low.year != high.year or low_unit is None or high_unit is None:
        # An end of year precision keeps its year ("2023 – Dec 2023"): without it, it
        # would be empty.
        if low_unit is None and high_unit is None and not (low.qualified or high.qualified):
            return f"{low.year}{DASH}{high.year}"
        return f"{_short(low)} {DASH} {_short(high)}"
    # The same year: say it once, at the end.
    plain = not (low.qualified or high.qualified)
    if low_unit == high_unit and low.day is not None and high.day is not None and plain:
        return f"{low.day}{DASH}{_short(high)}"
    return f"{_short(low, with_year=False)} {DASH} {_short(high)}"


def _unit(point: EdtfPoint) -> int | None:
    """The month or season a point names, if any."""
    return point.month if point.month is not None else point.season


def _from_bounds(text: str, start: date | str | None, end: date | str | None) -> str:
    try:
        low = start if isinstance(start, date) else date.fromisoformat(str(start))
        high = end if isinstance(end, date) else date.fromisoformat(str(end))
    except ValueError:
        return text
    return _interval(_plain_day(low), _plain_day(high))


def _plain_day(day: date) -> EdtfPoint:
    return EdtfPoint(day.year, day.month, day.day, None, approximate=False, uncertain=False)


def _clock(point: EdtfPoint, before: str) -> str:
    """`, 10:00 UTC`, `, 23:30:15 UTC-05:00`, `, 10:00` (local time): `before` and the
    time of day, or "" for a date without one."""
    if point.time is None:
        return ""
    shown = point.time.strftime("%H:%M" if point.time.second == 0 else "%H:%M:%S")
    if point.zone == "Z":
        shown += " UTC"
    elif point.zone is not None:
        shown += f" UTC{point.zone}"
    return before + shown


def _tz(point: EdtfPoint) -> tzinfo | None:
    if point.zone is None:
        return None
    if point.zone == "Z":
        return UTC
    hours, _, minutes = point.zone[1:].partition(":")
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-offset if point.zone[0] == "-" else offset)


def _season(code: int) -> str:
    return SEASONS.get(code, f"season {code}")


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
