"""The flat CSV layout a person types in a spreadsheet, and `--dry-run`'s checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from domain import TimelineApp
from domain.entry_keys import entry_id_for
from domain.import_check import DryRun
from domain.import_formats import read_records
from domain.import_layout import DETAIL_COLUMNS
from domain.importing import import_file
from tests.builders import body, seed

BY = "tests"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "entries.csv"


def _records(text: str, tmp_path: Path) -> list[tuple[int, Any]]:
    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    return list(read_records(path, "csv"))


def test_the_example_sheet_imports_into_an_empty_store(app: TimelineApp) -> None:
    report = import_file(app, EXAMPLE, by=BY)
    assert report.problems == []
    assert (report.read, report.stored) == (16, 16)
    assert app.get_actor("antony-blinken").roles[0]["title"] == "Secretary of State"
    assert app.get_source("cbs-2023-12-28").authors == ["Caitlin Yilek", "Camilo Montoya Galvez"]

    def entry(key: str) -> Any:
        return app.get_entry(str(entry_id_for(BY, key)))

    meeting = entry("mexico-city-meeting")
    assert meeting.citations == [
        {"source": "cbs-2023-12-28", "quote": "the meeting lasted over two hours",
         "locator": "paragraph 3"},
        {"source": "ap-2023-12-28-border"},
    ]  # fmt: skip
    assert meeting.details["duration_minutes"] == 120
    assert entry("amlo-remarks").details["quotes"] == [
        "[The] migrants are not criminals",
        "We will cooperate; we always have, and we will go on doing so",
    ]
    assert entry("lukeville-closure").details["measure"] == {
        "value": 1,
        "unit": "port closed",
        "period": "2023-12",
    }
    assert entry("supplemental-talks").details["positions"][1] == {
        "actor": "senate-democrats",
        "position": "aid without new asylum limits",
    }
    assert entry("december-encounters").note == "A daily average, as the source gives it."


def test_the_detail_columns_come_from_the_table_of_kinds() -> None:
    assert {"participants", "format", "speaker", "quotes", "agency", "action", "package"} <= set(
        DETAIL_COLUMNS
    )
    # A measure's and a vote's fields are columns of their own.
    assert {"value", "unit", "period", "yeas", "nays"} <= set(DETAIL_COLUMNS)


def test_a_sheet_without_a_type_column_holds_entries_and_reads_as_their_json(
    tmp_path: Path,
) -> None:
    sheet = (
        "kind,title,summary,occurred,actors,topics,agency,action,value,unit,period,"
        "source,quote,locator,source\n"
        "enforcement_action,Apprehensions,191000 apprehended.,2023-11,"
        "border-patrol:agency; joe-biden:overseer,border-security; migration,"
        "border-patrol,apprehensions,191000,migrants,2023-11,cbs-2023-12-28,,par. 2,ap\n"
    )
    ((line, record),) = _records(sheet, tmp_path)
    assert line == 2
    assert record == {
        "type": "entry",
        "kind": "enforcement_action",
        "title": "Apprehensions",
        "summary": "191000 apprehended.",
        "occurred": "2023-11",
        "actors": [
            {"actor": "border-patrol", "role": "agency"},
            {"actor": "joe-biden", "role": "overseer"},
        ],
        "topics": ["border-security", "migration"],
        "details": {
            "agency": "border-patrol",
            "action": "apprehensions",
            "measure": {"value": 191000, "unit": "migrants", "period": "2023-11"},
        },
        "sources": [{"source": "cbs-2023-12-28", "locator": "par. 2"}, {"source": "ap"}],
    }


def test_the_older_layout_with_json_in_cells_still_reads(tmp_path: Path) -> None:
    meeting = body("meeting")
    cells = [orjson.dumps(meeting[name]).decode() for name in ("actors", "topics", "details")]
    sources = orjson.dumps(meeting["sources"]).decode()
    sheet = "type,key,kind,title,summary,occurred,actors,topics,details,sources\n" + ",".join(
        [
            "entry",
            "m",
            "meeting",
            meeting["title"],
            meeting["summary"],
            meeting["occurred"],
            *(_quoted(cell) for cell in cells),
            _quoted(sources),
        ]
    )
    ((_, record),) = _records(sheet + "\n", tmp_path)
    assert record == {"type": "entry", "key": "m", **{k: v for k, v in meeting.items()
                      if k != "location"}}  # fmt: skip


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (
            "statistic,,format,in_person",
            "format: not a detail of a statistic; its detail columns are: "
            "metric, value, unit, period, agency",
        ),
        ("meeting,joe-biden,,", "actors.0: expected `actor-id:role`, `;` between pairs"),
        ("meeting,,duration_minutes,two hours", "duration_minutes: expected a whole number"),
        ("statistic,,value,many", "value: expected a number"),
    ],
)
def test_a_bad_cell_is_reported_with_its_line_and_column(
    tmp_path: Path, cells: str, problem: str
) -> None:
    kind, actors, column, cell = cells.split(",")
    sheet = f"kind,title,actors,{column or 'note'}\n\ncall,fine,,\n{kind},t,{actors},{cell}\n"
    read = _records(sheet, tmp_path)
    assert read[-1] == (4, problem)


def test_a_quote_without_its_source_is_refused(tmp_path: Path) -> None:
    sheet = "kind,title,source,quote\nmeeting,t,,the words\n"
    assert _records(sheet, tmp_path) == [(2, "source: a quote or locator needs its source id")]


def _dry_run_file(tmp_path: Path) -> Path:
    records: list[dict[str, Any]] = [
        {"type": "actor", "id": "ken-salazar", "name": "Ken Salazar", "kind": "person"},
        {"type": "actor", "id": "joe-biden", "name": "Joseph Biden", "kind": "person"},  # 2
        {"type": "entry", "key": "call", **body("call", actors=[
            {"actor": "ken-salazar", "role": "ambassador"}])},
        {"type": "entry", "key": "ghost", **body("call", actors=[
            {"actor": "nobody", "role": "host"}])},  # 4
        {"type": "entry", "key": "call", **body("meeting")},  # 5: the key again
        {"type": "entry", "key": "late", **body("statistic", occurred="in December")},  # 6
        {"type": "correction", "id": "call", "expected_version": 1,
         "changes": {"title": "Biden and AMLO talk"}, "reason": "clearer"},
        {"type": "correction", "id": "call", "expected_version": 1,
         "changes": {"title": "Again"}, "reason": "stale"},  # 8
        {"type": "retraction", "id": "call", "reason": "withdrawn"},
        {"type": "retraction", "id": "call", "reason": "twice"},  # 10
        {"type": "link", "id": "call", "relation": "follows", "entry": "ghost"},  # 11
    ]  # fmt: skip
    path = tmp_path / "records.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    return path


def test_a_dry_run_writes_nothing_and_finds_the_problems_the_import_then_meets(
    app: TimelineApp, tmp_path: Path
) -> None:
    seed(app)
    path = _dry_run_file(tmp_path)
    head = app.head_position()
    checked = DryRun(app, by=BY).check(read_records(path, "ndjson"))
    assert app.head_position() == head
    assert [line for line, _ in checked.problems] == [2, 4, 5, 6, 8, 10, 11]
    assert checked.problem_lines()[:2] == [
        "line 2: id: actor 'joe-biden' is already registered",
        "line 4: actors.0.actor: no actor 'nobody' is registered; register it first",
    ]
    assert checked.planned_lines()[0] == "line 1: would register actor 'ken-salazar'"
    assert checked.stored == 4
    imported = import_file(app, path, by=BY)
    assert imported.problem_lines() == checked.problem_lines()
    assert (imported.stored, imported.present) == (checked.stored, checked.present)
    again = DryRun(app, by=BY).check(read_records(path, "ndjson"))
    assert (again.stored, again.present) == (0, 4)


def test_a_list_column_an_entry_does_not_take_is_refused(tmp_path: Path) -> None:
    sheet = "type,kind,title,aliases\nentry,call,t,AMLO\n"
    assert _records(sheet, tmp_path) == [(2, "aliases: not a column of 'entry' rows")]
