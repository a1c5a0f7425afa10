"""Relative date phrases, read against the seed report's publication day.

The seed report (/work/shared/seed/, CBS News, published Thursday 28 December
2023) dates its events with "this week", "Thursday", "in January" (a meeting
to come), "on Wednesday", "late Wednesday", "in recent days", "Wednesday",
"last week", "in just five days last week", "In November", "This month" and
"for weeks"; the sample chronology records most of them by hand, and the
helper must agree with it. "over two hours" and "in 30 days on average" are
durations, not dates, and are refused. (The page's "Date:2025-04-18" is the
copy's scrape date, not the publication.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest

from domain.dates import parse_edtf_date
from domain.errors import DomainError, UnknownDatePhrase
from domain.relative_dates import resolve

PUBLISHED = date(2023, 12, 28)  # a Thursday
SAMPLE = Path(__file__).resolve().parents[2] / "scripts/sample/border-talks-2023-12.ndjson"

# Every relative phrase of the seed report: phrase -> EDTF, start, end.
SEED_PHRASES = {
    "Wednesday": ("2023-12-27", "2023-12-27", "2023-12-27"),
    "on Wednesday": ("2023-12-27", "2023-12-27", "2023-12-27"),
    "late Wednesday": ("2023-12-27", "2023-12-27", "2023-12-27"),
    "Thursday": ("2023-12-28", "2023-12-28", "2023-12-28"),
    "this week": ("2023-12-25/2023-12-31", "2023-12-25", "2023-12-31"),
    "last week": ("2023-12-18/2023-12-24", "2023-12-18", "2023-12-24"),
    "In November": ("2023-11", "2023-11-01", "2023-11-30"),
    "This month": ("2023-12", "2023-12-01", "2023-12-31"),
    "for weeks": ("2023-11~/2023-12-28", "2023-10-01", "2023-12-28"),
    "in January": ("2024-01?", "2024-01-01", "2024-01-31"),  # the nearest: to come
    "in recent days": ("2023-12-21~/2023-12-28", "2023-12-20", "2023-12-28"),
    "in just five days last week": ("2023-12-18/2023-12-24", "2023-12-18", "2023-12-24"),
    "next January": ("2024-01?", "2024-01-01", "2024-01-31"),
}

# The sample entry that records each phrase by hand, where one does.
SAMPLE_ENTRIES = {
    "Wednesday": "entry:mayors-capacity-2023-12-27",
    "on Wednesday": "entry:mexico-city-meeting-2023-12-27",
    "late Wednesday": "entry:officials-meeting-length-2023-12-27",
    "Thursday": "entry:nsc-statement-2023-12-28",
    "last week": "entry:biden-lopez-obrador-call-2023-w51",
    "In November": "entry:border-patrol-191000-2023-11",
    "This month": "entry:border-patrol-10000-daily-2023-12",
    "for weeks": "entry:congress-border-policy-aid-package-2023-12",
    "in January": "entry:washington-meeting-planned-2024-01",
    "next January": "entry:washington-meeting-planned-2024-01",
    "in just five days last week": "entry:border-patrol-nearly-50000-five-days-2023-w51",
}


def _sample_dates() -> dict[str, str]:
    records = [orjson.loads(line) for line in SAMPLE.read_bytes().splitlines() if line.strip()]
    return {r["key"]: r["occurred"] for r in records if r["type"] == "entry"}


@pytest.mark.parametrize("phrase", list(SEED_PHRASES))
def test_each_phrase_of_the_seed_resolves_to_its_edtf_and_strict_bounds(phrase: str) -> None:
    resolved = resolve(phrase, PUBLISHED)
    assert (resolved.edtf, resolved.start.isoformat(), resolved.end.isoformat()) == (
        SEED_PHRASES[phrase]
    )
    assert resolved.basis.startswith(f'"{phrase}" in a report published 2023-12-28 (Thursday): ')


@pytest.mark.parametrize("phrase", list(SAMPLE_ENTRIES))
def test_each_phrase_resolves_to_what_the_sample_recorded_for_it(phrase: str) -> None:
    assert resolve(phrase, PUBLISHED).edtf == _sample_dates()[SAMPLE_ENTRIES[phrase]]


def test_every_last_week_entry_of_the_sample_is_the_iso_week_before_publication() -> None:
    last_week = resolve("last week", PUBLISHED).edtf
    weekly = [occurred for key, occurred in _sample_dates().items() if key.endswith("-2023-w51")]
    assert len(weekly) == 4
    assert set(weekly) == {last_week}


def test_the_bounds_are_the_ones_the_dates_module_gives_the_edtf() -> None:
    for phrase in [*SEED_PHRASES, "late December", "next week", "two weeks ago"]:
        resolved = resolve(phrase, PUBLISHED)
        parsed = parse_edtf_date(resolved.edtf, "occurred")
        assert (resolved.start, resolved.end) == (parsed.start, parsed.end), phrase


def test_last_week_says_which_week_in_its_basis() -> None:
    assert resolve("last week", PUBLISHED).basis == (
        '"last week" in a report published 2023-12-28 (Thursday): '
        "the week of Monday 2023-12-18 to Sunday 2023-12-24"
    )


@pytest.mark.parametrize(
    ("phrase", "edtf"),
    [
        ("yesterday", "2023-12-27"),
        ("today", "2023-12-28"),
        ("tomorrow", "2023-12-29?"),
        ("Monday", "2023-12-25"),
        ("Friday", "2023-12-22"),
        ("earlier this week", "2023-12-25/2023-12-27"),
        ("next week", "2024-01-01?/2024-01-07?"),
        ("last month", "2023-11"),
        ("earlier this month", "2023-12-01/2023-12-27"),
        ("this year", "2023"),
        ("last year", "2022"),
        ("earlier this year", "2023-01-01/2023-12-27"),
        ("3 days ago", "2023-12-25"),
        ("two weeks ago", "2023-12-11/2023-12-17"),
        ("a month ago", "2023-11"),
        ("2 years ago", "2021"),
        ("in December", "2023-12"),
        ("late December", "2023-12-21/2023-12-31"),
        ("early December", "2023-12-01/2023-12-10"),
        ("mid-November", "2023-11-11/2023-11-20"),
        ("late February", "2024-02-21?/2024-02-29?"),
        ("late October", "2023-10-21/2023-10-31"),
        ("in February", "2024-02?"),
        ("in June", "2023-06"),  # six months either way: the one gone
        ("last January", "2023-01"),
        ("last December", "2022-12"),
        ("recent days", "2023-12-21~/2023-12-28"),
        ("two days last week", "2023-12-18/2023-12-24"),
        ("  LAST   week. ", "2023-12-18/2023-12-24"),
    ],
)
def test_other_phrases_follow_the_same_conventions(phrase: str, edtf: str) -> None:
    assert resolve(phrase, PUBLISHED).edtf == edtf


def test_a_week_runs_monday_to_sunday_whatever_the_reference_day() -> None:
    monday, sunday = date(2023, 12, 25), date(2023, 12, 31)
    assert resolve("last week", monday).edtf == resolve("last week", sunday).edtf
    assert resolve("Monday", monday).edtf == "2023-12-25"  # its own day
    assert resolve("Sunday", monday).edtf == "2023-12-24"


def test_a_phrase_after_publication_says_it_is_a_plan() -> None:
    assert "a plan the report announces" in resolve("next January", PUBLISHED).basis
    assert "plan" not in resolve("this week", PUBLISHED).basis


def test_edtf_passes_through_as_written() -> None:
    resolved = resolve("2023-12-21~", PUBLISHED)
    assert (resolved.edtf, resolved.basis) == ("2023-12-21~", "as written")
    assert (resolved.start, resolved.end) == (date(2023, 12, 20), date(2023, 12, 22))


def test_a_bare_month_is_the_nearest_one_to_the_reference() -> None:
    early_in_the_year = date(2024, 2, 2)
    assert resolve("in January", early_in_the_year).edtf == "2024-01"
    assert resolve("in November", early_in_the_year).edtf == "2023-11"
    assert resolve("in March", early_in_the_year).edtf == "2024-03?"
    assert 'write "last January" for the one before' in resolve("in January", PUBLISHED).basis


@pytest.mark.parametrize("phrase", ["over two hours", "in 30 days on average"])
def test_the_seeds_durations_are_not_taken_for_dates(phrase: str) -> None:
    with pytest.raises(UnknownDatePhrase):
        resolve(phrase, PUBLISHED)


def test_an_unknown_phrase_is_refused_with_the_phrases_accepted() -> None:
    with pytest.raises(UnknownDatePhrase) as refused:
        resolve("in the coming days", PUBLISHED)
    assert isinstance(refused.value, DomainError)
    assert refused.value.field == "phrase"
    assert "last week" in refused.value.message
    assert "for weeks" in refused.value.message
    assert "2023-12-27" in refused.value.message  # the EDTF forms too


def test_a_date_written_another_way_is_told_its_edtf() -> None:
    with pytest.raises(UnknownDatePhrase, match="write it 2023-12-27"):
        resolve("12/27/2023", PUBLISHED)


def test_a_month_with_its_year_is_told_its_edtf() -> None:
    with pytest.raises(UnknownDatePhrase, match="write it 2022-11"):
        resolve("November 2022", PUBLISHED)


def test_earlier_this_month_on_the_first_has_no_day_to_give() -> None:
    with pytest.raises(UnknownDatePhrase, match="no day before 2023-12-01"):
        resolve("earlier this month", date(2023, 12, 1))
