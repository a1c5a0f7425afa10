"""`GET /api/v1/exports/chronology` through the real app, on each backend."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from icalendar import Calendar

from projections import ReadModels
from projections.presentation.exports import FORMATS
from tests.e2e.conftest import Api, fields_named, problem_of

PATH = "/exports/chronology"
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "ics": "text/calendar; charset=utf-8",
    "timelinejs": "application/json",
}
# Where each format names its log position.
POSITION_MARKS = {
    "md": "- **Log position:** {}\n",
    "html": '<meta name="log-position" content="{}"/>',
    "csv": ",{},",
    "json": '"log_position":{},',
    "ndjson": '"log_position":{},',
    "ics": "X-POLICY-TIMELINE-LOG-POSITION:{}\r\n",
    "timelinejs": '"log_position":{},',
}
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256("")


@pytest.fixture
def recorded(seeded: Api) -> dict[str, str]:
    """A meeting, a call and a statement: kind -> id."""
    return {kind: seeded.record(kind)["id"] for kind in ("meeting", "call", "statement")}


def read_models(api: Api) -> ReadModels:
    models: ReadModels = api.app.state.read_models
    return models


def ids_in(response: Any) -> list[str]:
    lines = response.content.splitlines()
    return [json.loads(line)["id"] for line in lines[1:-1]]


def test_every_format_streams_with_its_media_type_file_name_position_and_head_hash(
    seeded: Api, recorded: dict[str, str]
) -> None:
    assert set(MEDIA_TYPES) == set(FORMATS)
    position = seeded.head()
    for name, media_type in MEDIA_TYPES.items():
        response = seeded.get(PATH, format=name)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media_type
        assert response.headers["Log-Position"] == str(position)
        head_hash = response.headers["Log-Head-Hash"]
        assert re.fullmatch("[0-9a-f]{64}", head_hash)
        assert head_hash == read_models(seeded).ledger.head(position).root
        extension = "timeline.json" if name == "timelinejs" else name
        assert response.headers["content-disposition"] == (
            f'attachment; filename="chronology-at-{position}.{extension}"'
        )
        unfolded = response.content.replace(b"\r\n ", b"")  # iCalendar folds long lines
        assert head_hash.encode() in unfolded
        assert POSITION_MARKS[name].format(position).encode() in unfolded


def test_the_files_read_back_with_their_parsers_and_hold_the_filtered_entries(
    seeded: Api, recorded: dict[str, str]
) -> None:
    migration = seeded.get(PATH, format="csv", topic="migration", order="desc")
    rows = list(csv.DictReader(io.StringIO(migration.text, newline="")))
    # Newest first: the meeting (2023-12-27), the statement (2023-12-21~), the call (12-18/22).
    assert [row["id"] for row in rows] == [
        recorded["meeting"],
        recorded["statement"],
        recorded["call"],
    ]
    assert {row["export_filters"] for row in rows} == {
        "topic=migration&include_retracted=false&order=desc"
    }
    calendar = Calendar.from_ical(seeded.get(PATH, format="ics", kind="meeting").content)
    [meeting] = calendar.walk("VEVENT")
    assert str(meeting["uid"]) == f"{recorded['meeting']}@policy-timeline"
    assert "CBS News" in str(meeting["description"])
    since: dict[str, Any] = {"from": "2023-12-25"}
    timeline = seeded.get(PATH, format="timelinejs", **since).json()
    assert [s["unique_id"] for s in timeline["events"]] == [f"entry-{recorded['meeting']}"]
    found = seeded.get(PATH, format="json", q="poor countries").json()
    assert [e["id"] for e in found["entries"]] == [recorded["statement"]]
    assert found["export"]["filters"] == {
        "q": "poor countries",
        "include_retracted": False,
        "order": "asc",
    }


def test_as_of_a_position_gives_the_same_bytes_after_more_writes(
    seeded: Api, recorded: dict[str, str]
) -> None:
    before = {name: seeded.get(PATH, format=name) for name in FORMATS}
    position = int(before["json"].headers["Log-Position"])
    seeded.post(
        f"/entries/{recorded['meeting']}/retractions", {"expected_version": 1, "reason": "r"}
    )
    later = seeded.record("policy_action")
    seeded.wait(seeded.head())
    now = seeded.get(PATH, format="ndjson")
    assert ids_in(now) == [later["id"], recorded["call"], recorded["statement"]]  # 2023-12 first
    assert int(now.headers["Log-Position"]) > position
    for name, response in before.items():
        again = seeded.get(PATH, format=name, as_of=position)
        assert again.headers["Log-Position"] == str(position)
        assert again.headers["Log-Head-Hash"] == response.headers["Log-Head-Hash"]
        assert again.content == response.content, name
    with_retracted = seeded.get(PATH, format="ndjson", include_retracted="true")
    assert recorded["meeting"] in ids_in(with_retracted)


def test_as_of_a_time_before_the_first_event_is_an_empty_export_of_the_empty_log(
    seeded: Api, recorded: dict[str, str]
) -> None:
    response = seeded.get(PATH, format="json", as_of="2000-01-01T00:00:00Z")
    assert response.status_code == 200
    assert response.headers["Log-Position"] == "0"
    assert response.headers["Log-Head-Hash"] == EMPTY_ROOT
    assert response.json()["entries"] == []
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        (
            {"format": "pdf"},
            ["format"],
            "'md', 'html', 'csv', 'json', 'ndjson', 'ics' or 'timelinejs'",
        ),
        ({}, ["format"], "required"),
        ({"format": "md", "from": "last week"}, ["from"], "EDTF"),
        ({"format": "md", "as_of": "yesterday"}, ["as_of"], "ISO 8601"),
        ({"format": "md", "kind": "rumour"}, ["kind"], "meeting"),
        ({"format": "md", "order": "up"}, ["order"], "asc"),
        ({"format": "md", "q": "?!"}, ["q"], "word"),
    ],
)
def test_bad_queries_are_refused_with_422_naming_the_field_and_what_is_accepted(
    local_seeded: Api, params: dict[str, Any], field: list[str], says: str
) -> None:
    problem = problem_of(local_seeded.get(PATH, **params), 422)
    assert fields_named(problem) == [field]
    assert problem["errors"][0]["loc"][0] == "query"
    assert says in problem["errors"][0]["msg"]


def test_protected_reads_need_a_token_with_scope_read(serve: Callable[..., Api]) -> None:
    api = serve(protect_reads=True)
    problem_of(api.get(PATH, format="md"), 401)
    response = api.client.get("/api/v1" + PATH, params={"format": "md"}, headers=api.auth)
    assert response.status_code == 200
    assert response.text.startswith("# Chronology\n")
