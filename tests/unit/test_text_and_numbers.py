"""Text and numbers the record can hold on both stores, and what it refuses."""

from __future__ import annotations

import pytest

from domain import ValidationError
from domain.application import command_fingerprint
from domain.details import parse_details
from domain.sources import parse_source
from domain.values import fold, require_text, search_fold, slugify


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "esc\x1b", "del\x7f", "\x0bv"])
def test_control_characters_are_refused_in_text(text: str) -> None:
    with pytest.raises(ValidationError, match="control characters") as caught:
        require_text(text, "title")
    assert caught.value.field == "title"


def test_tabs_and_line_breaks_stay_in_text() -> None:
    assert require_text(" a\tb\r\nc ", "title") == "a\tb\r\nc"


@pytest.mark.parametrize("minutes", [2**53, 10**30, -1])
def test_a_count_must_be_a_whole_number_json_readers_hold_exactly(minutes: int) -> None:
    meeting = {"participants": ["a", "b"], "duration_minutes": minutes}
    with pytest.raises(ValidationError) as caught:
        parse_details("meeting", meeting)
    assert caught.value.field == "details.duration_minutes"


def test_a_statistic_takes_large_decimals_but_not_inexact_whole_numbers() -> None:
    statistic = {"metric": "m", "unit": "u", "period": "2023", "value": 1e20}
    assert parse_details("statistic", statistic)[0]["value"] == 1e20
    with pytest.raises(ValidationError) as caught:
        parse_details("statistic", {**statistic, "value": 10**20})
    assert caught.value.field == "details.value"


def test_a_command_json_cannot_hold_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        command_fingerprint("correct_entry", {"expected_version": 10**30})
    assert caught.value.field == "body"


@pytest.mark.parametrize("url", ["http://0[", "https://[::1", "ftp://example.org/", "/relative"])
def test_a_source_url_that_is_no_web_address_is_refused_by_name(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_source({"title": "A report", "publisher": "A paper", "url": url})
    assert refused.value.field == "url"


def test_a_source_url_with_an_ipv6_host_is_taken() -> None:
    assert parse_source({"title": "T", "publisher": "P", "url": "http://[::1]/a"}).url


def test_search_folding_drops_format_characters_but_slugs_keep_their_derivation() -> None:
    assert search_fold("Bi\u200bden\u00ad") == "biden"
    assert search_fold("L\u00f3pez") == fold("L\u00f3pez") == "lopez"
    assert slugify("Joe\u200bBiden") == "joe-biden"
