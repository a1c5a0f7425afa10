"""Importing files: the same records from each format, idempotently, bad records reported."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from domain import EntryNotFound, TimelineApp, importing
from domain.entry_keys import entry_id_for
from domain.import_formats import STRUCTURED_FIELDS
from domain.importing import ImportReport, import_file
from tests.builders import ACTORS, BODIES, SOURCE, body

BY = "tests"


def good_records() -> list[dict[str, Any]]:
    """Actors, the source, an entry of every kind, and a correction, retraction and link."""
    records: list[dict[str, Any]] = [{"type": "actor", **actor} for actor in ACTORS]
    records.append({"type": "source", **SOURCE})
    records += [{"type": "entry", "key": kind, **body(kind)} for kind in sorted(BODIES)]
    records += [
        {"type": "correction", "id": "call", "changes": {"title": "Biden calls AMLO"},
         "reason": "a clearer title"},
        {"type": "retraction", "id": "policy_action", "expected_version": 1,
         "reason": "the source says it was only discussed"},
        {"type": "link", "id": "statement", "relation": "follows", "entry": "meeting"},
    ]  # fmt: skip
    return records


def write(tmp_path: Path, records: list[dict[str, Any] | str], fmt: str) -> Path:
    """`records` in `fmt`; a str goes in as a raw line (NDJSON only)."""
    path = tmp_path / f"records.{fmt}"
    if fmt == "ndjson":
        lines = [r if isinstance(r, str) else orjson.dumps(r).decode() for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "json":
        path.write_bytes(orjson.dumps(records, option=orjson.OPT_INDENT_2))
    else:
        names = list(dict.fromkeys(name for r in records if isinstance(r, dict) for name in r))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(names)
        for record in records:
            assert isinstance(record, dict)
            writer.writerow([_cell(record, name) for name in names])
        path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _cell(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if name in STRUCTURED_FIELDS or (name == "source" and record["type"] == "correction"):
        return orjson.dumps(value).decode()
    return str(value)


def entry(app: TimelineApp, key: str) -> Any:
    return app.get_entry(str(entry_id_for(BY, key)))


def run(app: TimelineApp, path: Path, **options: Any) -> ImportReport:
    return import_file(app, path, by=BY, **options)


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_each_format_imports_the_same_records(app: TimelineApp, tmp_path: Path, fmt: str) -> None:
    records = good_records()
    report = run(app, write(tmp_path, list(records), fmt))
    assert report.problems == []
    assert (report.read, report.stored, report.present) == (len(records), len(records), 0)
    assert app.get_actor("andres-manuel-lopez-obrador").aliases == ["AMLO"]
    for kind in BODIES:
        assert entry(app, kind).kind == kind
    assert entry(app, "call").title == "Biden calls AMLO"
    assert entry(app, "policy_action").status == "retracted"
    meeting = str(entry_id_for(BY, "meeting"))
    assert entry(app, "statement").links == [{"relation": "follows", "target": meeting}]


def test_importing_the_same_file_twice_adds_nothing(app: TimelineApp, tmp_path: Path) -> None:
    path = write(tmp_path, list(good_records()), "ndjson")
    run(app, path)
    head = app.head_position()
    again = run(app, path)
    assert (again.stored, again.present, again.problems) == (0, again.read, [])
    assert app.head_position() == head


def test_the_same_records_in_another_format_add_nothing(app: TimelineApp, tmp_path: Path) -> None:
    records = [r for r in good_records() if r["type"] != "entry"][:7]
    records += [{k: v for k, v in r.items() if k != "key"} for r in good_records()[7:14]]
    run(app, write(tmp_path, list(records), "ndjson"))
    head = app.head_position()
    report = run(app, write(tmp_path, list(records), "csv"))
    assert (report.stored, report.problems) == (0, [])
    assert app.head_position() == head


def test_each_kind_of_bad_record_is_reported_with_its_line_and_stores_nothing_of_itself(
    app: TimelineApp, tmp_path: Path
) -> None:
    records: list[dict[str, Any] | str] = list(good_records()[:7])  # actors and source
    records += [
        '{"type": "entry", "key": "broken"',  # 8
        {"type": "event", "key": "what"},  # 9
        {"type": "entry", "key": "untitled", **body("call", title=None)},  # 10
        {
            "type": "entry",
            "key": "ghost",
            **body("meeting", actors=[{"actor": "nobody", "role": "host"}]),
        },  # 11
        {"type": "entry", "key": "good", **body("statement")},  # 12
        {"type": "entry", "key": "good", **body("meeting")},  # 13
        {"type": "link", "id": "good", "relation": "follows", "entry": "ghost"},  # 14
        {"type": "entry", "key": "after", **details_without_participants()},  # 15
        {"type": "entry", "key": "last", **body("statistic")},  # 16
    ]
    head = app.head_position()
    report = run(app, write(tmp_path, records, "ndjson"))
    problems = report.problem_lines()
    assert problems[0].startswith("line 8: not valid JSON")
    assert problems[1:] == [
        "line 9: type: expected one of: actor, source, entry, correction, retraction, link, "
        "citation, rename, alias, role, role_end, merge",
        "line 10: title: expected non-empty text",
        "line 11: actors.0.actor: no actor 'nobody' is registered; register it first",
        "line 13: key: 'good' was already used for different content",
        "line 14: entry: no entry 'ghost' is recorded; record it before what names it",
        "line 15: details.participants: expected at least two different participant actors",
    ]
    assert (report.read, report.stored, report.present, report.bad) == (16, 7 + 2, 0, 7)
    assert entry(app, "good").kind == "statement"
    assert entry(app, "good").links == []
    assert entry(app, "last").kind == "statistic"
    for key in ("broken", "untitled", "ghost", "after"):
        with pytest.raises(EntryNotFound):
            entry(app, key)
    assert app.head_position() == head + 9


def details_without_participants() -> dict[str, Any]:
    meeting = body("meeting")
    meeting["details"]["participants"] = ["antony-blinken", "antony-blinken"]
    return meeting


def test_a_key_reused_in_a_later_file_for_different_content_is_reported(
    app: TimelineApp, tmp_path: Path
) -> None:
    records = good_records()[:7]
    run(app, write(tmp_path, [*records, {"type": "entry", "key": "k", **body("call")}], "ndjson"))
    changed = {"type": "entry", "key": "k", **body("call", title="Another title")}
    report = run(app, write(tmp_path, [*records, changed], "ndjson"))
    assert report.problem_lines() == ["line 8: key: 'k' was already used for different content"]
    assert entry(app, "k").title == "Biden speaks to López Obrador"


def test_a_key_of_32_hex_digits_names_its_entry_not_a_raw_id(
    app: TimelineApp, tmp_path: Path
) -> None:
    key = "5d41402abc4b2a76b9719d911017c592"  # an MD5, which UUID() would also accept
    records: list[dict[str, Any] | str] = [
        *good_records()[:7],
        {"type": "entry", "key": key, **body("call")},
        {"type": "correction", "id": key, "changes": {"title": "Retitled"}, "reason": "typo"},
    ]
    report = run(app, write(tmp_path, records, "ndjson"))
    assert report.problems == []
    assert entry(app, key).title == "Retitled"


def test_a_csv_cell_that_is_not_json_is_reported_and_the_rows_around_it_are_stored(
    app: TimelineApp, tmp_path: Path
) -> None:
    records: list[dict[str, Any] | str] = list(good_records()[:7])
    records += [{"type": "entry", "key": k, **body("call")} for k in ("x", "broken", "y")]
    path = write(tmp_path, records, "csv")
    lines = path.read_text().splitlines()
    assert '""source""' in lines[9]
    lines[9] = lines[9].replace('""source""', '""source"" oops')
    path.write_text("\n".join(lines) + "\n")
    report = run(app, path)
    [problem] = report.problem_lines()
    assert problem.startswith("line 10: sources: the cell is not valid JSON")
    assert report.stored == 9
    assert entry(app, "y").kind == "call"
    with pytest.raises(EntryNotFound):
        entry(app, "broken")


@pytest.mark.parametrize("head_start", [50, 0, 5000])
def test_a_large_file_prepared_in_a_worker_process_imports_alike(
    app: TimelineApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, head_start: int
) -> None:
    # The records this process prepares while the worker starts; the rest are the worker's.
    monkeypatch.setattr(importing, "_HEAD_START", head_start)
    records: list[dict[str, Any] | str] = list(good_records()[:7])
    records += [
        {"type": "entry", "key": f"e{i}", **body(sorted(BODIES)[i % 7], title=f"Entry {i}")}
        for i in range(1200)
    ]
    records.insert(100, "not json")
    path = write(tmp_path, records, "ndjson")
    reached: list[int] = []
    report = run(app, path, parallel=True, batch_size=500, on_progress=reached.append)
    assert report.problem_lines()[0].startswith("line 101: not valid JSON")
    assert (report.stored, report.bad) == (1207, 1)
    assert reached[-1] == len(records)
    assert entry(app, "e1199").title == "Entry 1199"
    again = run(app, path, parallel=True)
    assert (again.stored, again.present) == (0, 1207)
