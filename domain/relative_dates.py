"""Phrases such as "last week" or "Wednesday", resolved against a report's date.

A report says "last week"; an entry needs EDTF. `resolve(phrase, reference)`
turns the phrase into the EDTF it stands for, read against the reference date
(the report's original publication), with the bounds `domain.dates` gives that
EDTF and a sentence for the entry's note saying why. EDTF text passes through
as written.

The conventions, chosen to match what the sample chronology
(scripts/sample/border-talks-2023-12.ndjson) records by hand:

* weeks are ISO weeks, Monday to Sunday; "last week" on Thursday 2023-12-28
  is 2023-12-18/2023-12-24, "N weeks ago" the ISO week N weeks back;
* "this week", "this month" and "this year" are the whole unit, days after
  the reference included: the sample records "this month" as 2023-12, since
  the report cannot speak of later days but gives no finer span; "earlier
  this week/month/year" stops the day before the reference;
* a bare weekday ("Wednesday", "late Wednesday") is the most recent such day
  on or before the reference: news writes "Thursday" for its own day and
  "Wednesday" for the day before it;
* a bare month ("in November", "in January") is the nearest such month to
  the reference's, the earlier one on a tie: a report of 28 December says
  "in November" of the month gone and "in January" of the month to come, as
  the seed does ("will meet again ... in January"); "next January" is the
  first one after the reference, "last January" the most recent one before;
* "early", "mid" and "late" a month are its thirds (days 1-10, 11-20, 21 to
  the end) as a strict interval: EDTF has no such qualifier, and a `~` would
  widen the bounds by a whole month on each side;
* "for weeks" is an interval ending on the reference whose start is the
  month before, approximate (`2023-11~/2023-12-28`, bounds from 2023-10-01):
  "weeks" means at least two and gives no start;
* "in recent days" is an interval ending on the reference whose start is
  about a week before (`2023-12-21~/2023-12-28`): a few days, no start given;
* "(in just) five days last week" is the week: the days within it are not said;
* a phrase that lies wholly after the reference ("tomorrow", "next week",
  "next January") is marked uncertain (`?`): the report announces a plan, it
  did not see it happen, as the sample marks "in January" of a future meeting.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.dates import parse_edtf_date
from domain.errors import UnknownDatePhrase, ValidationError

__all__ = ["PHRASES", "Resolution", "resolve"]

FIELD = "phrase"

PHRASES = (
    "today, yesterday, tomorrow, a weekday (Wednesday, late Wednesday), "
    "this week, last week, next week, earlier this week, five days last week, "
    "this month, last month, "
    "next month, earlier this month, this year, last year, earlier this year, "
    "N days/weeks/months/years ago (3 days ago, two weeks ago), for weeks, "
    "in recent days, a month (in November, next January, last March), "
    "early/mid/late and a month (late December)"
)


@dataclass(frozen=True)
class Resolution:
    """What a phrase stands for: its EDTF, the strict bounds of that EDTF, and why."""

    phrase: str
    reference: date
    edtf: str
    start: date
    end: date
    basis: str

    def to_json(self) -> dict[str, str]:
        return {
            "phrase": self.phrase,
            "reference": self.reference.isoformat(),
            "edtf": self.edtf,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "basis": self.basis,
        }


def resolve(phrase: str, reference: date) -> Resolution:
    """The EDTF `phrase` stands for in a report published on `reference`.

    EDTF passes through as written; a phrase nobody listed raises
    UnknownDatePhrase naming the phrases accepted.
    """
    said = " ".join(phrase.split())
    found = _match(_normalise(said), reference)
    if found is None:
        try:
            parsed = parse_edtf_date(said, FIELD)
        except ValidationError as error:
            raise UnknownDatePhrase(
                FIELD, f"{error.message}; or a phrase read against the reference date: {PHRASES}"
            ) from None
        return Resolution(said, reference, parsed.text, parsed.start, parsed.end, "as written")
    text, why = found
    parsed = parse_edtf_date(text, FIELD)
    if parsed.start > reference:
        why += "; uncertain (?): it lies after publication, a plan the report announces"
    basis = (
        f'"{said}" in a report published {reference.isoformat()} ({_weekday(reference)}): {why}'
    )
    return Resolution(said, reference, parsed.text, parsed.start, parsed.end, basis)


def _normalise(said: str) -> str:
    text = said.lower().strip(" .,;:")
    return re.sub(r"^(on|in) ", "", text)


_Found = tuple[str, str]  # the EDTF text and the reason for it
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_WEEKDAYS = [name.lower() for name in calendar.day_name]
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_THIRDS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}


def _match(text: str, ref: date) -> _Found | None:
    for pattern, handler in _HANDLERS:
        matched = re.fullmatch(pattern, text)
        if matched is not None:
            return handler(ref, *matched.groups())
    return None


def _day(ref: date, offset: int, name: str) -> _Found:
    day = ref + timedelta(days=offset)
    return _future(day.isoformat(), day > ref), f"{name}, {_weekday(day)} {day.isoformat()}"


def _week(ref: date, weeks: str, *, earlier: bool = False) -> _Found:
    back = {"this": 0, "last": 1, "next": -1}.get(weeks)
    count = _number(weeks) if back is None else back
    monday = ref - timedelta(days=ref.weekday(), weeks=count)
    sunday = monday + timedelta(days=6)
    if earlier:
        end = _before(ref, monday, "week")
        return f"{monday}/{end}", f"from Monday {monday} to the day before publication, {end}"
    text = _future(f"{monday}/{sunday}", monday > ref)
    why = f"the week of Monday {monday} to Sunday {sunday}"
    if count == 0:
        why = f"the whole {why[4:]}, days after publication included"
    elif back is None:
        why += f", {count} week{'s' * (count > 1)} before the week of publication"
    return text, why


def _month(ref: date, months: str, *, earlier: bool = False) -> _Found:
    back = {"this": 0, "last": 1, "next": -1}.get(months)
    count = _number(months) if back is None else back
    year, month = _shift(ref.year, ref.month, -count)
    if earlier:
        first = date(year, month, 1)
        end = _before(ref, first, "month")
        return f"{first}/{end}", f"from {first} to the day before publication, {end}"
    text = _future(f"{year:04d}-{month:02d}", (year, month) > (ref.year, ref.month))
    why = f"{calendar.month_name[month]} {year}"
    if count == 1:
        why = f"the month before publication, {why}"
    elif count == 0:
        why += ", the whole month, days after publication included"
    return text, why


def _year(ref: date, years: str, *, earlier: bool = False) -> _Found:
    back = {"this": 0, "last": 1, "next": -1}.get(years)
    year = ref.year - (_number(years) if back is None else back)
    if earlier:
        first = date(year, 1, 1)
        end = _before(ref, first, "year")
        return f"{first}/{end}", f"from {first} to the day before publication, {end}"
    return _future(f"{year:04d}", year > ref.year), f"the year {year}"


def _ago(ref: date, count: str, unit: str) -> _Found:
    if unit.startswith("day"):
        return _day(ref, -_number(count), f"{_number(count)} days before publication")
    handler = {"week": _week, "month": _month, "year": _year}[unit.rstrip("s")]
    return handler(ref, count)


def _weekday(day: date) -> str:
    return calendar.day_name[day.weekday()]


def _named_day(ref: date, _part: str | None, name: str) -> _Found:
    back = (ref.weekday() - _WEEKDAYS.index(name)) % 7
    day = ref - timedelta(days=back)
    if back == 0:
        return day.isoformat(), f"{name.title()} is the day of publication itself, {day}"
    return day.isoformat(), f"the most recent {name.title()} before publication, {day}"


def _named_month(ref: date, part: str | None, name: str) -> _Found:
    # A month with its year ("November 2023") is no relative phrase: the EDTF
    # reader's refusal says to write it 2023-11.
    month = _MONTHS[name]
    ahead = (month - ref.month) % 12
    later = 0 < ahead < 12 - ahead
    if later:
        year = ref.year if month > ref.month else ref.year + 1
        why = (
            f"the nearest {calendar.month_name[month]} to publication, {year}, which comes "
            f'after it (write "last {calendar.month_name[month]}" for the one before)'
        )
    else:
        year = ref.year if month <= ref.month else ref.year - 1
        why = f"the nearest {calendar.month_name[month]} to publication, not after it, {year}"
    if part is None:
        return _future(f"{year:04d}-{month:02d}", later), why
    low, high = _THIRDS[part]
    high = min(high, calendar.monthrange(year, month)[1])
    text = _future(f"{date(year, month, low)}/{date(year, month, high)}", later)
    return text, (
        f"{why}; {part} {calendar.month_name[month]} is read as days {low} to {high}, "
        "the month's thirds being early, mid and late (EDTF has no such qualifier)"
    )


def _last_month_named(ref: date, name: str) -> _Found:
    month = _MONTHS[name]
    year = ref.year if month < ref.month else ref.year - 1
    return (
        f"{year:04d}-{month:02d}",
        f"the most recent {calendar.month_name[month]} before publication, {year}",
    )


def _next_month(ref: date, name: str) -> _Found:
    month = _MONTHS[name]
    year = ref.year if month > ref.month else ref.year + 1
    return (
        f"{year:04d}-{month:02d}?",
        f"the first {calendar.month_name[month]} after publication, {year}",
    )


def _recent_days(ref: date) -> _Found:
    start = f"{ref - timedelta(days=7)}~"
    return f"{start}/{ref}", (
        'an interval ending on the day of publication; "recent days" are a few and '
        f"give no start, so the start is about a week before ({start})"
    )


def _days_last_week(ref: date, count: str) -> _Found:
    text, why = _week(ref, "last")
    return text, f"{why}; the {_number(count)} days within it are not said"


def _for_weeks(ref: date) -> _Found:
    year, month = _shift(ref.year, ref.month, -1)
    start = f"{year:04d}-{month:02d}~"
    low = parse_edtf_date(start, FIELD).start
    return f"{start}/{ref}", (
        f'an interval ending on the day of publication; "weeks" means at least two and '
        f"gives no start, so the start is about the month before ({start}, bounds from {low})"
    )


def _future(text: str, after: bool) -> str:
    """`text` marked uncertain when it lies after the reference: a plan, not a fact seen."""
    if not after:
        return text
    return "/".join(f"{end}?" for end in text.split("/"))


def _before(ref: date, first: date, unit: str) -> date:
    if ref <= first:
        raise UnknownDatePhrase(
            FIELD, f'"earlier this {unit}" has no day before {ref}, the first of its {unit}'
        )
    return ref - timedelta(days=1)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


_COUNT = r"(\d{1,3}|" + "|".join(_NUMBERS) + ")"
_WEEKDAY = "(" + "|".join(_WEEKDAYS) + ")"
_MONTH = "(" + "|".join(_MONTHS) + ")"
_HANDLERS: list[tuple[str, Callable[..., _Found]]] = [
    ("today", lambda ref: _day(ref, 0, "the day of publication")),
    ("yesterday", lambda ref: _day(ref, -1, "the day before publication")),
    ("tomorrow", lambda ref: _day(ref, 1, "the day after publication")),
    (r"(this|last|next) week", _week),
    (r"earlier this week", lambda ref: _week(ref, "this", earlier=True)),
    (r"(this|last|next) month", _month),
    (r"earlier this month", lambda ref: _month(ref, "this", earlier=True)),
    (r"(this|last|next) year", _year),
    (r"earlier this year", lambda ref: _year(ref, "this", earlier=True)),
    (_COUNT + r" (days?|weeks?|months?|years?) ago", _ago),
    (r"for weeks", _for_weeks),
    (r"(?:in )?recent days", _recent_days),
    (r"(?:in )?(?:just )?" + _COUNT + r" days last week", _days_last_week),
    (r"(?:(early|late) )?" + _WEEKDAY, _named_day),
    (r"(?:(early|mid|late)[- ])?" + _MONTH, _named_month),
    (r"next " + _MONTH, _next_month),
    (r"last " + _MONTH, _last_month_named),
]
