"""Reading import files: records and the line numbers bad records are reported with."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.entries import ENTRY_FIELDS
from domain.entry_keys import content_of, entry_id_for, entry_id_hex
from domain.import_exports import from_export
from domain.import_formats import count_lines, format_for, read_records


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ndjson_skips_blank_and_comment_lines_and_keeps_file_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.ndjson",
        '# a comment\n{"type": "actor", "name": "A"}\n\n{"type": "actor", "name": "B"}\n',
    )
    assert list(read_records(path, "ndjson")) == [
        (2, {"type": "actor", "name": "A"}),
        (4, {"type": "actor", "name": "B"}),
    ]


def test_ndjson_reports_a_bad_line_and_reads_the_next_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.ndjson", '{"type": \n[1, 2]\n{"type": "actor"}\n')
    read = list(read_records(path, "ndjson"))
    assert read[0][0] == 1
    assert str(read[0][1]).startswith("not valid JSON")
    assert read[1] == (2, "expected a JSON object with a type field")
    assert read[2] == (3, {"type": "actor"})


def test_skipped_records_are_counted_as_records_whatever_they_hold(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.ndjson", '# c\n{"a": 1}\n\nnot json\n{"b": 2}\n{"c": 3}\n')
    assert list(read_records(path, "ndjson", skip=2)) == [(5, {"b": 2}), (6, {"c": 3})]
    assert list(read_records(path, "ndjson", skip=9)) == []
    csv_path = _write(tmp_path, "r.csv", "type,name\nactor,A\n\nactor,B\n")
    assert list(read_records(csv_path, "csv", skip=1)) == [(4, {"type": "actor", "name": "B"})]


def test_json_gives_each_record_the_line_where_its_object_starts(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.json",
        '[\n  {"type": "actor",\n   "name": "A"},\n  {"type": "actor", "name": "B"}\n]\n',
    )
    assert [line for line, _ in read_records(path, "json")] == [2, 4]


def test_json_stops_at_a_syntax_error_and_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.json", '[{"type": "actor"},\n {"type": }]')
    read = list(read_records(path, "json"))
    assert read[0] == (1, {"type": "actor"})
    assert read[1][0] == 2
    assert "the rest of the file is not read" in str(read[1][1])


def test_csv_cells_of_structured_fields_hold_json_and_empty_cells_are_absent(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        "type,id,name,kind,aliases,expected_version\n"
        'actor,,"Joe Biden",person,"[""Biden""]",\n'
        'correction,x,,,,"2"\n',
    )
    assert list(read_records(path, "csv")) == [
        (2, {"type": "actor", "name": "Joe Biden", "kind": "person", "aliases": ["Biden"]}),
        (3, {"type": "correction", "id": "x", "expected_version": 2}),
    ]


def test_a_csv_record_spanning_lines_is_numbered_by_its_first_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        'type,name,kind\nactor,"Two\nLines",person\nactor,After,person\n',
    )
    assert [line for line, _ in read_records(path, "csv")] == [2, 4]


def test_a_csv_cell_that_is_not_json_is_reported_by_its_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "type,name,aliases\nactor,A,[not json\n")
    [(line, problem)] = list(read_records(path, "csv"))
    assert line == 2
    assert str(problem).startswith("aliases: the cell is not valid JSON")


def test_the_format_comes_from_the_extension(tmp_path: Path) -> None:
    assert format_for(Path("a.NDJSON")) == "ndjson"
    assert format_for(Path("a.jsonl")) == "ndjson"
    assert format_for(Path("a.csv")) == "csv"
    with pytest.raises(ValueError, match="cannot tell the format"):
        format_for(Path("a.txt"))


def test_lines_are_counted_with_or_without_a_final_newline(tmp_path: Path) -> None:
    assert count_lines(_write(tmp_path, "a", "x\ny\n")) == 2
    assert count_lines(_write(tmp_path, "b", "x\ny")) == 2


@pytest.mark.parametrize("key", ["e1", "sha256:00ff", "Mañana/€", "a" * 255])
def test_the_fast_entry_id_is_the_uuid5_of_principal_and_key(key: str) -> None:
    assert entry_id_hex("import", key) == entry_id_for("import", key).hex
    assert entry_id_hex("other", key) == entry_id_for("other", key).hex


def test_the_content_of_a_stored_state_is_what_follows_its_timestamp() -> None:
    stamped = b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-01-02T03:04:05+00:00"},"a":1}'
    assert content_of(stamped) == b'"a":1}'
    assert content_of(b'{"a":1}') == b'{"a":1}'


def test_an_exported_entry_carries_every_entry_field_into_its_import_record() -> None:
    exported: dict[str, object] = {name: f"the {name}" for name in ENTRY_FIELDS}
    exported |= {"type": "entry", "id": "e1", "actors": [], "sources": []}
    [(_, record)] = list(from_export([(1, exported)]))
    assert isinstance(record, dict)
    assert set(ENTRY_FIELDS) <= set(record)
