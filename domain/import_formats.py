"""Reading import files: NDJSON, JSON and CSV, each into `(line, record)` pairs.

A record is a dict as the import format describes it (README, "Import"); a
record that cannot be read at all comes out as its line and the reason, a
`str`, so the importer reports it and carries on with the next one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

__all__ = ["FORMATS", "STRUCTURED_FIELDS", "count_lines", "format_for", "read_records"]

FORMATS = ("ndjson", "json", "csv")
# CSV cells of these fields hold JSON; `source` only in a correction, where
# it is a citation (elsewhere no record has a `source` field).
STRUCTURED_FIELDS = frozenset(
    ("actors", "topics", "details", "sources", "aliases", "roles", "authors", "changes")
)

Read = tuple[int, dict[str, Any] | str]


def format_for(path: Path) -> str:
    """The format named by the file's extension (`.jsonl` counts as NDJSON)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "jsonl":
        return "ndjson"
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot tell the format of {path.name!r} from its extension; "
            f"name it .ndjson, .json or .csv, or give the format: {', '.join(FORMATS)}"
        )
    return suffix


def count_lines(path: Path) -> int:
    """The number of lines of the file, for a progress bar."""
    lines = 0
    last = b"\n"
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def read_records(path: Path, fmt: str, *, skip: int = 0) -> Iterator[Read]:
    """The records of the file in file order, each with its line number.

    `skip` leaves out the first records (an NDJSON line left out is not decoded).
    """
    if fmt == "ndjson":
        return _read_ndjson(path, skip)
    if fmt == "json":
        return islice(_read_json(path), skip, None)
    if fmt == "csv":
        return islice(_read_csv(path), skip, None)
    raise ValueError(f"unknown import format {fmt!r}; accepted: {', '.join(FORMATS)}")


def _read_ndjson(path: Path, skip: int) -> Iterator[Read]:
    with path.open("rb") as file:
        for number, line in enumerate(file, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith(b"#"):
                continue
            if skip:
                skip -= 1
                continue
            try:
                record = orjson.loads(stripped)
            except orjson.JSONDecodeError as error:
                yield number, f"not valid JSON: {error}"
                continue
            yield number, record if isinstance(record, dict) else _NOT_AN_OBJECT


_NOT_AN_OBJECT = "expected a JSON object with a type field"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_json(path: Path) -> Iterator[Read]:
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    position, line = _skip_space(text, 0), 1
    if not text.startswith("[", position):
        yield _line_at(text, position), "expected a JSON array of records"
        return
    position += 1
    counted = 0
    while True:
        position = _skip_space(text, position)
        if text.startswith("]", position):
            return
        line += text.count("\n", counted, position)
        counted = position
        try:
            record, position = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, ValueError) as error:
            # Past a syntax error the array has no reliable next record.
            where = error.lineno if isinstance(error, json.JSONDecodeError) else line
            yield where, f"not valid JSON, the rest of the file is not read: {error}"
            return
        yield line, record if isinstance(record, dict) else _NOT_AN_OBJECT
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position += 1
        elif not text.startswith("]", position):
            yield _line_at(text, position), "expected , or ] after a record"
            return


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _read_csv(path: Path) -> Iterator[Read]:
    with path.open(newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        header = next(rows, None)
        if header is None:
            return
        names = [name.strip() for name in header]
        first = rows.line_num + 1
        for cells in rows:
            number, first = first, rows.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            yield number, _csv_record(names, cells)


def _csv_record(names: list[str], cells: list[str]) -> dict[str, Any] | str:
    if len(cells) > len(names):
        return f"expected at most {len(names)} cells, as the header names, not {len(cells)}"
    # An empty cell is an absent field.
    row = {name: cell for name, cell in zip(names, cells, strict=False) if cell != ""}
    structured = STRUCTURED_FIELDS | ({"source"} if row.get("type") == "correction" else set())
    record: dict[str, Any] = {}
    for name, cell in row.items():
        if name in structured:
            try:
                record[name] = orjson.loads(cell)
            except orjson.JSONDecodeError as error:
                return f"{name}: the cell is not valid JSON: {error}"
        elif name == "expected_version":
            try:
                record[name] = int(cell)
            except ValueError:
                return "expected_version: expected a whole number"
        else:
            record[name] = cell
    return record
