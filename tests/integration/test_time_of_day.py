"""A date with a time of day (EDTF level 0 `2023-12-27T10:00:00Z`) is kept to the
second in every export, and filtered and ordered by the day as written."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar

from domain import TimelineApp, parse_edtf_date
from domain.dates import read_edtf
from projections import ReadModels, TimelineFilters
from projections.presentation.dates import occurred_of, short_date
from projections.presentation.exports import export, open_chronology
from tests.builders import body, seed

UTC_CALL = "2023-12-27T10:00:00Z"
LATE_CALL = "2023-12-27T23:30:15-05:00"  # the 28th in UTC: still the 27th, as written
LOCAL_CALL = "2023-12-27T09:15:00"  # no zone: the local time of the place


@pytest.fixture
def calls(app: TimelineApp, read_models: ReadModels) -> dict[str, str]:
    seed(app)
    ids = {
        text: app.record_entry(body("call", occurred=text, title=f"Call at {text}"), by="t").id
        for text in (UTC_CALL, LATE_CALL, LOCAL_CALL)
    }
    read_models.written()
    return ids


def _export(read_models: ReadModels, fmt: str) -> bytes:
    return b"".join(export(open_chronology(read_models, TimelineFilters()), fmt))


def test_a_time_of_day_has_the_bounds_of_its_day_as_written() -> None:
    late = parse_edtf_date(LATE_CALL, "occurred")
    assert (late.start.isoformat(), late.end.isoformat()) == ("2023-12-27", "2023-12-27")
    (point,) = read_edtf(UTC_CALL) or ()
    assert not isinstance(point, str)
    assert (point.precision, point.zone, str(point.time)) == ("second", "Z", "10:00:00")


def test_the_words_for_a_time_of_day_name_its_zone() -> None:
    assert occurred_of(UTC_CALL, "2023-12-27", "2023-12-27").label() == (
        "27 December 2023, 10:00 UTC"
    )
    assert occurred_of(LATE_CALL, "2023-12-27", "2023-12-27").label() == (
        "27 December 2023, 23:30:15 UTC-05:00"
    )
    assert short_date(LOCAL_CALL) == "27 Dec 2023, 09:15"


def test_timelinejs_places_a_call_at_its_hour_and_minute(
    read_models: ReadModels, calls: dict[str, str]
) -> None:
    slides = {s["unique_id"]: s for s in json.loads(_export(read_models, "timelinejs"))["events"]}
    start = slides[f"entry-{calls[UTC_CALL]}"]["start_date"]
    assert start == {
        "year": 2023,
        "month": 12,
        "day": 27,
        "hour": 10,
        "minute": 0,
        "second": 0,
        "display_date": "27 December 2023, 10:00 UTC",
    }


def test_icalendar_gives_a_call_a_date_time_start(
    read_models: ReadModels, calls: dict[str, str]
) -> None:
    raw = _export(read_models, "ics")
    calendar = Calendar.from_ical(raw)
    assert calendar.to_ical(sorted=False) == raw  # the DATE-TIME lines are icalendar's
    events = {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}

    def start(text: str) -> Any:
        return events[calls[text]].decoded("dtstart")

    assert start(UTC_CALL) == datetime(2023, 12, 27, 10, tzinfo=UTC)
    assert start(LATE_CALL) == datetime(2023, 12, 28, 4, 30, 15, tzinfo=UTC)
    assert (start(LOCAL_CALL), start(LOCAL_CALL).tzinfo) == (datetime(2023, 12, 27, 9, 15), None)
    assert "dtend" not in events[calls[UTC_CALL]]
    assert str(events[calls[UTC_CALL]]["x-date-precision"]) == "second"


def test_csv_and_json_call_the_precision_second_and_say_the_time(
    read_models: ReadModels, calls: dict[str, str]
) -> None:
    rows = {
        r["id"]: r
        for r in csv.DictReader(io.StringIO(_export(read_models, "csv").decode("utf-8-sig")))
    }
    assert {rows[i]["date_precision"] for i in calls.values()} == {"second"}
    document = json.loads(_export(read_models, "json"))
    dates = {e["id"]: e["date"] for e in document["entries"]}
    assert dates[calls[UTC_CALL]]["precision"] == "second"
    assert dates[calls[UTC_CALL]]["label"] == "27 December 2023, 10:00 UTC"


def test_markdown_and_html_show_the_time(read_models: ReadModels, calls: dict[str, str]) -> None:
    markdown = _export(read_models, "md").decode()
    page = _export(read_models, "html").decode()
    assert "27 December 2023, 10:00 UTC (`2023-12-27T10:00:00Z`" in markdown
    assert '<time datetime="2023-12-27T10:00:00+00:00">27 December 2023, 10:00 UTC</time>' in page
    assert '<time datetime="2023-12-27T23:30:15-05:00">' in page


def test_a_day_filter_finds_a_call_on_that_day_as_written(
    read_models: ReadModels, calls: dict[str, str]
) -> None:
    on_the_27th = TimelineFilters(start="2023-12-27", end="2023-12-27")
    found = b"".join(export(open_chronology(read_models, on_the_27th), "ndjson"))
    assert {json.loads(line).get("id") for line in found.splitlines()} >= set(calls.values())
