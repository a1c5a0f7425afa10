from __future__ import annotations

import itertools
from datetime import date

import edtf
import pytest

from domain import ValidationError, parse_edtf_date
from domain.dates import _bound


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023-12-27", date(2023, 12, 27), date(2023, 12, 27)),
        ("2023-12", date(2023, 12, 1), date(2023, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("2023-12-18/2023-12-22", date(2023, 12, 18), date(2023, 12, 22)),
        ("2023-12-21~", date(2023, 12, 20), date(2023, 12, 22)),
        ("2023-12~", date(2023, 11, 1), date(2024, 1, 31)),
        ("2023~", date(2022, 1, 1), date(2024, 12, 31)),
        ("2023-12?", date(2023, 12, 1), date(2023, 12, 31)),
        ("2023-12%", date(2023, 11, 1), date(2024, 1, 31)),
        ("2023-12-21~/2023-12-24", date(2023, 12, 20), date(2023, 12, 24)),
        ("2023-21", date(2023, 3, 1), date(2023, 5, 31)),
        ("2023-12-XX", date(2023, 12, 1), date(2023, 12, 31)),
    ],
)
def test_bounds_follow_the_documented_rule(text: str, start: date, end: date) -> None:
    parsed = parse_edtf_date(text, "occurred")
    assert (parsed.text, parsed.start, parsed.end) == (text, start, end)


def test_a_day_is_finer_than_its_month() -> None:
    day = parse_edtf_date("2023-12-27", "occurred")
    month = parse_edtf_date("2023-12", "occurred")
    assert day.span_days == 0
    assert month.span_days == 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-13-01", "is not valid EDTF"),
        ("2023-02-30", "is not valid EDTF"),
        ("last week", "is not valid EDTF"),
        ("2023-12-01/..", "open or unknown end"),
        ("../2023-12-01", "open or unknown end"),
        ("2023-12-24/2023-12-01", "ends before it starts"),
        ("", "expected an EDTF date"),
    ],
)
def test_invalid_dates_name_the_field_and_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_edtf_date(text, "occurred")
    assert caught.value.field == "occurred"
    assert message in caught.value.message


def _library_bounds(text: str) -> tuple[date, date]:
    parsed = edtf.parse_edtf(text)
    if isinstance(parsed, edtf.Interval | edtf.Level1Interval):
        low, high = parsed.lower, parsed.upper
    else:
        low = high = parsed
    return _bound(low, "f", text, lower=True), _bound(high, "f", text, lower=False)


def _simple_forms() -> list[str]:
    dates = [
        "2023",
        "2024",
        "2023-02",
        "2024-02",
        "2023-12",
        "2023-01-01",
        "2023-12-31",
        "2024-02-29",
        "2023-06-15",
    ]
    qualified = [d + q for d, q in itertools.product(dates, ["", "~", "?", "%"])]
    intervals = [
        f"{a}/{b}"
        for a, b in itertools.product(qualified[::3], qualified[1::5])
        if _library_bounds(a)[0] <= _library_bounds(b)[1]
    ]
    return qualified + intervals


@pytest.mark.parametrize("text", _simple_forms())
def test_the_fast_path_agrees_with_the_edtf_library(text: str) -> None:
    parsed = parse_edtf_date(text, "occurred")
    assert (parsed.start, parsed.end) == _library_bounds(text)
