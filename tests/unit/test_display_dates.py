"""The web pages' dates: an EDTF text shown as precisely as it is known, no more."""

# The expected texts hold en dashes, as ranges are printed; ruff would have hyphens.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from api.web.dates import display_date, display_moment
from api.web.present import month_groups
from domain import parse_edtf_date


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2023-12-27", "27 Dec 2023"),
        ("2023-12", "Dec 2023"),
        ("2023", "2023"),
        ("2023-09-03", "3 Sep 2023"),
    ],
)
def test_a_day_a_month_and_a_year_show_only_what_they_know(text: str, shown: str) -> None:
    assert display_date(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2023-12-21~", "~21 Dec 2023"),
        ("2023-12~", "~Dec 2023"),
        ("2023~", "~2023"),
    ],
)
def test_an_approximate_date_is_marked_with_a_tilde_before_it(text: str, shown: str) -> None:
    assert display_date(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2024-01?", "Jan 2024?"),
        ("2023-12-21?", "21 Dec 2023?"),
        ("2023-12-21%", "~21 Dec 2023?"),
    ],
)
def test_an_uncertain_date_is_marked_with_a_question_mark_after_it(text: str, shown: str) -> None:
    assert display_date(text) == shown


def test_an_interval_within_a_month_names_the_month_once() -> None:
    assert display_date("2023-12-18/2023-12-22") == "18–22 Dec 2023"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2023-11-28/2023-12-02", "28 Nov – 2 Dec 2023"),
        ("2023-11/2023-12", "Nov – Dec 2023"),
        ("2023-11/2023-12-28", "Nov – 28 Dec 2023"),
    ],
)
def test_an_interval_across_months_names_the_year_once(text: str, shown: str) -> None:
    assert display_date(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2023-12-27/2024-01-02", "27 Dec 2023 – 2 Jan 2024"),
        ("2023/2024", "2023–2024"),
        ("2023/2023-12", "2023 – Dec 2023"),
    ],
)
def test_an_interval_across_years_names_both_years(text: str, shown: str) -> None:
    assert display_date(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2023-11~/2023-12-28", "~Nov – 28 Dec 2023"),
        ("2023-12-18~/2023-12-22", "~18 Dec – 22 Dec 2023"),
        ("2023-12-18/2023-12-22?", "18 Dec – 22 Dec 2023?"),
    ],
)
def test_a_qualified_end_of_an_interval_keeps_its_own_mark(text: str, shown: str) -> None:
    assert display_date(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2023-12-01/..", "from 1 Dec 2023"),
        ("../2023-12-01", "until 1 Dec 2023"),
        ("2023-12-01/", "1 Dec 2023 – ?"),
        ("/2023-12", "? – Dec 2023"),
    ],
)
def test_an_open_or_unknown_end_is_said_in_words(text: str, shown: str) -> None:
    assert display_date(text) == shown


def test_an_interval_of_one_day_is_that_day() -> None:
    assert display_date("2023-12-27/2023-12-27") == "27 Dec 2023"


def test_a_season_is_named() -> None:
    assert display_date("2024-21") == "Spring 2024"


def test_a_form_these_rules_do_not_read_shows_its_bounds() -> None:
    assert display_date("2023-12-XX", date(2023, 12, 1), "2023-12-31") == "1–31 Dec 2023"


def test_a_form_without_bounds_shows_its_text() -> None:
    assert display_date("2023-12-27T10:00:00Z/2023-12-28") == "2023-12-27T10:00:00Z/2023-12-28"


def test_a_time_of_day_is_shown_with_its_zone() -> None:
    assert display_date("2023-12-27T10:00:00Z") == "27 Dec 2023, 10:00 UTC"
    assert display_date("2023-12-27T10:00:30+01:00") == "27 Dec 2023, 10:00:30 UTC+01:00"


def test_an_impossible_day_is_not_made_readable() -> None:
    assert display_date("2023-02-30") == "2023-02-30"


def _card(text: str) -> dict[str, Any]:
    return {"occurred": text, "occurred_start": parse_edtf_date(text, "t").start.isoformat()}


def _headings(texts: list[str], *, descending: bool = False) -> list[tuple[str, list[str]]]:
    cards = [_card(text) for text in texts]
    groups = month_groups(cards, descending=descending)
    return [(g["heading"], [card["occurred"] for card in g["entries"]]) for g in groups]


def test_a_widened_date_first_in_the_list_heads_its_stated_month() -> None:
    # The sample's first entry: under October it would read as a mistake.
    texts = ["2023-11~/2023-12-28", "2023-11-15", "2023-12-27"]
    assert _headings(texts) == [
        ("November 2023", ["2023-11~/2023-12-28", "2023-11-15"]),
        ("December 2023", ["2023-12-27"]),
    ]


def test_a_widened_date_among_earlier_months_stays_in_order_without_a_second_heading() -> None:
    # Ordered by lower bound, October 5 comes after the widened November (from 1 Oct):
    # under November it would send the headings back to October.
    texts = ["2023-10-01", "2023-11~", "2023-10-05", "2023-11-02"]
    assert _headings(texts) == [
        ("October 2023", ["2023-10-01", "2023-11~", "2023-10-05"]),
        ("November 2023", ["2023-11-02"]),
    ]


def test_newest_first_a_widened_date_follows_the_same_rule() -> None:
    assert _headings(["2023-12-27", "2023-11-15", "2023-11~/2023-12-28"], descending=True) == [
        ("December 2023", ["2023-12-27"]),
        ("November 2023", ["2023-11-15", "2023-11~/2023-12-28"]),
    ]
    assert _headings(["2023-11-02", "2023-10-05", "2023-11~"], descending=True) == [
        ("November 2023", ["2023-11-02"]),
        ("October 2023", ["2023-10-05", "2023-11~"]),
    ]


def test_a_recorded_time_is_shown_in_utc_to_the_second() -> None:
    moment = display_moment("2024-01-03T10:15:30.123456+01:00")
    assert moment == "3 Jan 2024, 09:15:30 UTC"
