"""EDTF dates with the strict bounds this project gives them.

The `edtf` library parses and validates the text. Its own fuzzy bounds for a
qualified date spill far (`2023-12-21~` becomes 2022-11-20 .. 2025-01-22), so
the bounds used for filtering and ordering follow our own rule instead:

* a plain date, month, year, season or interval keeps its strict bounds
  (`2023-12` is 2023-12-01 .. 2023-12-31);
* approximate (`~`) or approximate-and-uncertain (`%`) widens each bound by
  one unit of that bound's own precision: a day for a day, a month for a
  month, a year for a year (`2023-12-21~` is 2023-12-20 .. 2023-12-22);
* uncertain (`?`) keeps the strict bounds: the source doubts the value, not
  its span, and the flag travels with the date.

Open or unknown interval ends (`2023-12-01/..`) are refused: an entry must
say when, however coarsely.

Speed: the library's grammar takes about 20 ms a parse, so the forms that make
up nearly all real entries (a year, month or day, each with an optional
qualifier, and intervals of them) take a strict fast path checked by
`datetime`; the tests hold it equal to the library's answer. Any other text
goes to the library.

The same reading takes a text apart for whoever says it in words
(`read_edtf`: the year, month or season, day and qualifier of each end, and
a single date's time of day); it is the one EDTF pattern of the project, and
it decides nothing about bounds.

A time of day (`2023-12-27T10:00:00Z`, `2023-12-27T10:00:00-05:00`) is kept in
the text and shown by every export; its bounds are the day as written, in the
zone it is written in (a call at 23:30 in Washington is on that day, not the
next day in UTC), so filters and ordering are by the day as they are for
any other date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from domain.errors import ValidationError

__all__ = [
    "OPEN",
    "UNKNOWN",
    "EdtfDate",
    "EdtfEnd",
    "EdtfPoint",
    "parse_edtf_date",
    "read_edtf",
    "read_point",
]

ACCEPTED = (
    "an EDTF date such as 2023-12-27, 2023-12, 2023, 2023-12-18/2023-12-22, "
    "2023-12-21~ (approximate), 2023-12? (uncertain) or 2023-12-27T10:00:00Z (a time of day)"
)


@dataclass(frozen=True)
class EdtfDate:
    """An EDTF text with the inclusive bounds decided when it was recorded.

    The bounds are stored beside the text, so a later change of the bounds
    rule never changes what an old event meant.
    """

    text: str
    start: date
    end: date

    @property
    def span_days(self) -> int:
        """Length of the interval minus one: 0 for a day, 30 for December."""
        return (self.end - self.start).days

    def to_json(self) -> dict[str, str]:
        return {
            "text": self.text,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> EdtfDate:
        return cls(
            text=data["text"],
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
        )


def parse_edtf_date(text: object, field: str) -> EdtfDate:
    """Parse `text` as EDTF and fix its bounds; raise ValidationError naming `field`."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(field, f"expected {ACCEPTED}")
    if not text.isascii():
        # EDTF is written in ASCII; full-width digits would otherwise pass as a date.
        raise ValidationError(field, f"expected {ACCEPTED}, in ASCII digits")
    try:
        return _parse_text(text.strip())
    except _Refused as refused:
        raise ValidationError(field, str(refused)) from None


class _Refused(Exception):
    """Why a text is no usable date; the caller adds the field."""


# The answer depends on the text alone and EdtfDate is immutable, so one
# parse serves every record of an import that repeats a date. Refusals are
# exceptions, which lru_cache does not keep.
@lru_cache(maxsize=8192)
def _parse_text(text: str) -> EdtfDate:
    fast = _parse_simple(text)
    if fast is not None:
        start, end = fast
        if start > end:
            raise _Refused(f"{text!r} ends before it starts")
        return EdtfDate(text=text, start=start, end=end)
    # Imported on first need: its grammar takes a tenth of a second to build,
    # which every process would pay at start, an import's worker among them,
    # though the fast path answers nearly every date.
    if (timed := _timed_end(text)) is not None:
        # EDTF takes a time of day on a single date only (level 0 `date T time`).
        raise _Refused(
            f"{text!r} has a time of day in an interval; EDTF takes a time on a single "
            f"date only: give the interval by its days ({timed} for that end), or the one moment"
        )
    import edtf

    try:
        parsed = edtf.parse_edtf(text)
    except Exception:  # the parser raises several unrelated types
        raise _Refused(f"{text!r} is not valid EDTF; {_hint(text)}expected {ACCEPTED}") from None
    try:
        if isinstance(parsed, edtf.Interval | edtf.Level1Interval):
            start = _bound(parsed.lower, "", text, lower=True)
            end = _bound(parsed.upper, "", text, lower=False)
        else:
            start = _bound(parsed, "", text, lower=True)
            end = _bound(parsed, "", text, lower=False)
    except ValidationError as error:
        raise _Refused(error.message) from None
    except (ValueError, OverflowError, TypeError, AttributeError):
        raise _Refused(
            f"{text!r} has no calendar bounds this engine can use; expected {ACCEPTED}"
        ) from None
    if start > end:
        raise _Refused(f"{text!r} ends before it starts")
    return EdtfDate(text=text, start=start, end=end)


def _timed_end(text: str) -> str | None:
    """The day of an interval's end that has a time of day (`2023-12-27` of
    `2023-12-27T10:00:00Z/2023-12-28`), else None."""
    ends = text.split("/")
    if len(ends) != 2:
        return None
    for end in ends:
        point = read_point(end)
        if point is not None and point.time is not None:
            return end.partition("T")[0]
    return None


def _with_seconds(text: str) -> str | None:
    """`2023-12-27T10:00:00Z` for `2023-12-27T10:00Z`: a time of day without the
    seconds EDTF requires, completed; None for any other text."""
    day, mark, clock = text.partition("T")
    if not mark or len(clock) < 5:
        return None
    completed = f"{day}T{clock[:5]}:00{clock[5:]}"
    point = read_point(completed)
    return completed if point is not None and point.time is not None else None


# Dates as people write them, read only to suggest the EDTF to send instead.
_WRITTEN = (
    ("%m/%d/%Y", "%Y-%m-%d"),
    ("%d.%m.%Y", "%Y-%m-%d"),
    ("%B %d, %Y", "%Y-%m-%d"),
    ("%b %d, %Y", "%Y-%m-%d"),
    ("%d %B %Y", "%Y-%m-%d"),
    ("%d %b %Y", "%Y-%m-%d"),
    ("%B %Y", "%Y-%m"),
    ("%b %Y", "%Y-%m"),
    ("%m/%Y", "%Y-%m"),
)


def _hint(text: str) -> str:
    """'write it 2023-12-27; ' when `text` is a date written another common way, else ''."""
    if (completed := _with_seconds(text)) is not None:
        return f"write it {completed} (with seconds); "
    for written, edtf_form in _WRITTEN:
        try:
            read = datetime.strptime(text, written)
        except ValueError:
            continue
        return f"write it {read.strftime(edtf_form)}; "
    return ""


def _bound(part: Any, field: str, text: str, *, lower: bool) -> date:
    import edtf  # loaded by now: see _parse_text

    if isinstance(part, edtf.UnspecifiedIntervalSection):
        raise ValidationError(
            field, f"{text!r} has an open or unknown end; give both ends of an interval"
        )
    strict = part.lower_strict() if lower else part.upper_strict()
    low, high = _as_date(part.lower_strict()), _as_date(part.upper_strict())
    value = _as_date(strict)
    if not _is_approximate(part):
        return value
    step = -1 if lower else 1
    if low == high:
        return value + timedelta(days=step)
    if low.month == 1 and low.day == 1 and high.month == 12 and high.day == 31:
        return _shift_years(value, step, lower=lower)
    return _shift_months(value, step, lower=lower)


def _is_approximate(part: Any) -> bool:
    return bool(
        getattr(part, "_is_approximate", False)
        or getattr(part, "_uncertain_and_approximate", False)
    )


def _as_date(value: Any) -> date:
    return date(value.tm_year, value.tm_mon, value.tm_mday)


def _shift_months(value: date, months: int, *, lower: bool) -> date:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = 1 if lower else calendar.monthrange(year, month)[1]
    return date(year, month, day)


def _shift_years(value: date, years: int, *, lower: bool) -> date:
    year = value.year + years
    return date(year, 1, 1) if lower else date(year, 12, 31)


# The one EDTF pattern: `YYYY[-MM[-DD]]` with an optional qualifier, where MM may
# be a season code (21-41), or a day with a time of day (`2023-12-27T10:00:00Z`,
# EDTF level 0: seconds required, a zone optional). Everything that takes a date
# apart reads it here.
_POINT = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}(?::[0-9]{2})?)?)?)?)?([~?%]?)"
)
_SEASONS = range(21, 42)
OPEN = ".."  # an interval end that is open: `2023-12-01/..`
UNKNOWN = ""  # an interval end that is unknown: `2023-12-01/`


@dataclass(frozen=True)
class EdtfPoint:
    """One date an EDTF text states: its year, month or season, day and qualifier."""

    year: int
    month: int | None  # 1-12
    day: int | None
    season: int | None  # 21-41: 21-24 are spring to winter
    approximate: bool  # `~` or `%`
    uncertain: bool  # `?` or `%`
    time: time | None = None  # a time of day on a day, as written (never qualified)
    zone: str | None = None  # `Z`, `+01:00`, `-05`; None: the local time of the place

    @property
    def precision(self) -> str:
        """`second` (a day with its time of day), `day`, `month`, `season` or `year`."""
        if self.time is not None:
            return "second"
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        if self.season is not None:
            return "season"
        return "year"

    @property
    def qualified(self) -> bool:
        return self.approximate or self.uncertain


EdtfEnd = EdtfPoint | str  # a point, OPEN or UNKNOWN


def read_point(text: str) -> EdtfPoint | None:
    """`YYYY[-MM[-DD]][~?%]` (MM a month or a season code) taken apart; None for any
    other text, or a day the calendar lacks. Never raises."""
    match = _POINT.fullmatch(text)
    if match is None:
        return None
    year_text, month_text, day_text, hour, minute, second, zone, mark = match.groups()
    moment = None
    if hour is not None:
        if mark or (zone is not None and not _valid_zone(zone)):
            return None  # EDTF qualifies no time of day; the library words the refusal
        try:
            moment = time(int(hour), int(minute), int(second))
        except ValueError:
            return None
    year = int(year_text)
    number = None if month_text is None else int(month_text)
    season = number if number in _SEASONS else None
    if season is not None and day_text is not None:
        return None
    if number is not None and season is None and not 1 <= number <= 12:
        return None
    day = None if day_text is None else int(day_text)
    if day is not None and number is not None:
        try:
            date(year, number, day)
        except ValueError:
            return None
    return EdtfPoint(
        year=year,
        month=None if season is not None else number,
        day=day,
        season=season,
        approximate=mark in ("~", "%"),
        uncertain=mark in ("?", "%"),
        time=moment,
        zone=zone,
    )


def _valid_zone(zone: str) -> bool:
    if zone == "Z":
        return True
    hours, _, minutes = zone[1:].partition(":")
    return int(hours) <= 23 and int(minutes or 0) <= 59


def read_edtf(text: str) -> tuple[EdtfEnd, ...] | None:
    """The dates an EDTF text states: one point, or an interval's two ends (either of
    which may be OPEN or UNKNOWN); None for a form this reading does not take apart
    (unspecified digits such as `201X`, a time of day, level 2 qualifiers). Never raises."""
    ends = text.split("/")
    if len(ends) == 1:
        point = read_point(text)
        return None if point is None else (point,)
    if len(ends) != 2:
        return None
    read: list[EdtfEnd] = []
    for end in ends:
        found: EdtfEnd | None = end if end in (OPEN, UNKNOWN) else read_point(end)
        if found is None or (isinstance(found, EdtfPoint) and found.time is not None):
            return None  # EDTF has no time of day in an interval
        read.append(found)
    return tuple(read)


def _parse_simple(text: str) -> tuple[date, date] | None:
    """Bounds of `YYYY[-MM[-DD]][~?%]` or an interval of two; None for other forms
    (seasons and open ends among them), which the library answers."""
    ends = read_edtf(text)
    if ends is None or not all(isinstance(end, EdtfPoint) and end.season is None for end in ends):
        return None
    try:
        bounds = [_simple_bounds(end) for end in ends if isinstance(end, EdtfPoint)]
    except (ValueError, OverflowError):
        return None  # let the library word the error (a widened 9999-12-31~ overflows)
    return bounds[0][0], bounds[-1][1]


def _simple_bounds(point: EdtfPoint) -> tuple[date, date]:
    year, month, day = point.year, point.month, point.day
    if month is not None and day is not None:
        low = high = date(year, month, day)
    elif month is not None:
        low = date(year, month, 1)
        high = date(year, month, calendar.monthrange(year, month)[1])
    else:
        low, high = date(year, 1, 1), date(year, 12, 31)
    if point.approximate:
        if day is not None:
            return low - timedelta(days=1), high + timedelta(days=1)
        if month is not None:
            return _shift_months(low, -1, lower=True), _shift_months(high, 1, lower=False)
        return _shift_years(low, -1, lower=True), _shift_years(high, 1, lower=False)
    return low, high
