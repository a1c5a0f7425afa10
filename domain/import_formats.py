"""Reading import files: NDJSON, JSON and CSV, each into `(line, record)` pairs.

A record is a dict as the import format describes it (README, "Import"); a
record that cannot be read at all comes out as its line and the reason, a
`str`, so the importer reports it and carries on with the next one. A CSV
row is read in the flat layout of `domain.import_layout`. An export of this
tool (NDJSON, JSON or CSV) reads as the records it holds
(`domain.import_exports`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from domain.errors import ValidationError
from domain.import_exports import EXPORT_CSV_MARK, export_row, from_export
from domain.import_layout import JSON_FIELDS, row_record

__all__ = [
    "FORMATS",
    "STRUCTURED_FIELDS",
    "count_lines",
    "export_origin",
    "format_for",
    "is_export",
    "read_records",
]

FORMATS = ("ndjson", "json", "csv")
# CSV cells of these fields may hold JSON, as the first CSV layout wrote them;
# `source` too in a correction, where it is a citation.
STRUCTURED_FIELDS = JSON_FIELDS

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
        if is_export(path, fmt):
            return islice(from_export(_read_ndjson(path, 0)), skip, None)
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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        yield 1, f"not UTF-8 text, the file is not read: {error}"
        return
    position = _skip_space(text, 0)
    if text.startswith("{", position):
        yield from from_export(_read_json_export(text, position))
        return
    if not text.startswith("[", position):
        yield _line_at(text, position), "expected a JSON array of records"
        return
    yield from _read_array(text, position)


def _read_json_export(text: str, position: int) -> Iterator[Read]:
    """The entries of the JSON export `{export, entries, count}`."""
    decoder = _decoder()
    arrays: dict[str, int] = {}
    position += 1
    try:
        while not text.startswith("}", position := _skip_space(text, position)):
            name, position = decoder.raw_decode(text, position)
            position = _skip_space(text, position)
            if not text.startswith(":", position):
                raise ValueError(f"expected : at line {_line_at(text, position)}")
            position = _skip_space(text, position + 1)
            if name == "entries":
                arrays[name] = position
            _, position = decoder.raw_decode(text, position)
            position = _skip_space(text, position)
            if text.startswith(",", position):
                position += 1
    except (json.JSONDecodeError, ValueError) as error:
        yield _line_at(text, position), f"not a JSON export, nothing is read: {error}"
        return
    if "entries" not in arrays:
        yield 1, "expected a JSON array of records, or an export with entries"
        return
    for line, record in _read_array(text, arrays["entries"]):
        yield line, {"type": "entry", **record} if isinstance(record, dict) else record


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_constant=_reject_constant)


def _read_array(text: str, position: int) -> Iterator[Read]:
    """The records of the JSON array starting at `position`, each with its line."""
    decoder = _decoder()
    line = _line_at(text, position)
    counted = position
    if not text.startswith("[", position):
        yield line, "expected a JSON array of records"
        return
    position += 1
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


def is_export(path: Path, fmt: str) -> bool:
    """Whether the file is an export of this tool rather than a file of records."""
    with path.open("rb") as file:
        if fmt == "csv":
            header = file.readline().decode("utf-8", errors="replace")
            return EXPORT_CSV_MARK in next(csv.reader([header]), [])
        if fmt == "json":
            return file.read(4096).lstrip().startswith(b"{")
        for line in file:
            if line.strip() and not line.lstrip().startswith(b"#"):
                try:
                    first = orjson.loads(line)
                except orjson.JSONDecodeError:
                    return False
                return isinstance(first, dict) and first.get("type") == "export"
    return False


def export_origin(path: Path, fmt: str) -> tuple[int, str] | None:
    """The log position and ledger head hash an export reflects; None for a file of
    records, or an export without entries."""
    if not is_export(path, fmt):
        return None
    try:
        if fmt == "csv":
            with path.open(newline="", encoding="utf-8") as file:
                row = next(csv.DictReader(file), None)
            if row is None:
                return None
            return int(row[EXPORT_CSV_MARK]), row["export_head_hash"]
        if fmt == "json":
            meta = orjson.loads(path.read_bytes())["export"]
        else:
            with path.open("rb") as file:
                meta = orjson.loads(next(line for line in file if line.strip()))
        return int(meta["log_position"]), str(meta["head_hash"])
    except (KeyError, TypeError, ValueError, StopIteration):  # JSONDecodeError is a ValueError
        return None


def _read_csv(path: Path) -> Iterator[Read]:
    with path.open(newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        first = 1
        try:
            header = next(rows, None)
            if header is None:
                return
            names = [name.strip() for name in header]
            if EXPORT_CSV_MARK in names:
                first = 0  # the export's rows count their own lines
                yield from from_export(_export_rows(rows, names))
                return
            default_type = None if "type" in names else "entry"
            first = rows.line_num + 1
            for cells in rows:
                number, first = first, rows.line_num + 1
                if not any(cell.strip() for cell in cells):
                    continue
                yield number, _csv_record(names, cells, default_type)
        except (csv.Error, UnicodeDecodeError) as error:
            # A cell over the csv module's limit (128 KiB), or bytes that are not
            # UTF-8: past them the reader has no reliable next row.
            yield (
                first or rows.line_num,
                (f"cannot be read as CSV, the rest of the file is not read: {error}"),
            )


def _export_rows(rows: Any, names: list[str]) -> Iterator[Read]:
    first = rows.line_num + 1
    for cells in rows:
        number, first = first, rows.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        try:
            yield number, export_row(dict(zip(names, cells, strict=False)))
        except ValidationError as error:
            yield number, str(error)


def _csv_record(
    names: list[str], cells: list[str], default_type: str | None
) -> dict[str, Any] | str:
    if len(cells) > len(names):
        return f"expected at most {len(names)} cells, as the header names, not {len(cells)}"
    try:
        return row_record(zip(names, cells, strict=False), default_type=default_type)
    except ValidationError as error:
        return str(error)
