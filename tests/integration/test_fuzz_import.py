"""Hostile import files: each record is stored whole or reported with its line and
reason, nothing of a bad one is stored, and the import never stops with a crash.

Import reports bad records and stores the good ones around them (domain/
importing.py), so the property is per record: the log grows by exactly the
records counted stored, every record is counted once (stored, already present
or bad), and an entry reported bad is not in the store. Hypothesis draws the
records from tests/hostile.py, derandomized, into NDJSON and CSV files on one
SQLite store seeded with the builders' actors and source.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import EntryNotFound, TimelineApp, parse_store_url
from domain.entry_keys import entry_id_for
from domain.import_formats import STRUCTURED_FIELDS
from domain.importing import ImportReport, import_file
from tests.builders import BODIES, body, seed
from tests.hostile import Raw, Twice, encode, mutated

# A failing draw may hold a 300,000-character string: its repr is long, and useful.
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

BY = "fuzz"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A new key for every record drawn, so a record is new unless a draw made its key so.
_serial = itertools.count()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TimelineApp]:
    folder = tmp_path_factory.mktemp("fuzz-import")
    timeline = TimelineApp(parse_store_url(f"sqlite:///{folder / 'timeline.db'}").env())
    seed(timeline)
    try:
        yield timeline
    finally:
        timeline.close()


def _record(kind: str) -> dict[str, Any]:
    return {"type": "entry", "key": f"fuzz-{next(_serial)}", **body(kind)}


_RECORDS = st.sampled_from(sorted(BODIES)).map(_record)
_NDJSON_LINES = st.lists(
    st.one_of(
        _RECORDS,
        _RECORDS,
        _RECORDS.flatmap(mutated),
        _RECORDS.flatmap(mutated),
        _RECORDS.flatmap(mutated),
        st.sampled_from(
            [Raw("[[[[[[[[[["), Raw("{"), Raw("1e309"), Raw('"\\ud800"'), Raw("null")]
        ),
        st.integers(1, 5000).map(lambda n: Raw("[" * n + "]" * n)),
    ),
    min_size=1,
    max_size=8,
)


def _key_of(record: Any) -> Any:
    pairs = record.pairs if isinstance(record, Twice) else list(record.items())
    keys = [value for name, value in pairs if name == "key"]
    return keys[-1] if keys else None


def _check(app: TimelineApp, head: int, report: ImportReport, records: int) -> None:
    # Fewer read only when a record stopped the reading, and said so.
    stopped = any("the rest of the file is not read" in message for _, message in report.problems)
    assert report.read == records or (stopped and report.read < records), report
    assert report.stored + report.present + report.bad == report.read, report
    assert app.head_position() - head == report.stored, report
    for line, message in report.problems:
        assert line >= 1, report
        assert message.strip(), report


def _stored(app: TimelineApp, key: str) -> bool:
    try:
        app.get_entry(str(entry_id_for(BY, key)))
    except EntryNotFound:
        return False
    return True


@FUZZ
@given(lines=_NDJSON_LINES)
def test_a_hostile_ndjson_file_stores_each_record_whole_or_reports_it(
    app: TimelineApp, tmp_path_factory: pytest.TempPathFactory, lines: list[Any]
) -> None:
    path = tmp_path_factory.mktemp("ndjson") / "records.ndjson"
    # A line holds no raw newline: the encoder escapes them in strings.
    path.write_bytes(b"\n".join(encode(line) for line in lines) + b"\n")
    head = app.head_position()

    report = import_file(app, path, by=BY)

    _check(app, head, report, len(lines))
    bad = {line for line, _ in report.problems}
    seen: set[str] = set()
    for number, record in enumerate(lines, 1):
        if not isinstance(record, dict | Twice):
            assert number in bad, f"line {number} is no record but was not reported"
            continue
        key = _key_of(record)
        if not isinstance(key, str):
            continue
        if key.strip() and key not in seen and number in bad:
            assert not _stored(app, key.strip()), f"line {number} was reported and stored"
        seen.add(key)


def _cell(name: str, value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if name in STRUCTURED_FIELDS or not isinstance(value, int | float | bool):
        return encode(value).decode()
    return str(value)


_CSV_RECORD = st.one_of(_RECORDS, _RECORDS.flatmap(mutated), _RECORDS.flatmap(mutated))
_CSV_RECORDS = st.lists(
    _CSV_RECORD.filter(lambda record: isinstance(record, dict)),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(records=_CSV_RECORDS)
def test_a_hostile_csv_file_stores_each_record_whole_or_reports_it(
    app: TimelineApp, tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, Any]]
) -> None:
    names = list(dict.fromkeys(name for record in records for name in record))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for record in records:
        writer.writerow([_cell(name, record.get(name)) for name in names])
    path = tmp_path_factory.mktemp("csv") / "records.csv"
    path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
    head = app.head_position()

    report = import_file(app, path, by=BY)

    _check(app, head, report, len(records))


def test_a_csv_cell_over_the_csv_limit_is_reported_not_a_crash(
    app: TimelineApp, tmp_path: Path
) -> None:
    # The csv module refuses a cell over 128 KiB; the rows before it are stored.
    path = tmp_path / "records.csv"
    good = _record("meeting")
    path.write_text(
        "type,key,title\n"
        f"actor,,\n"
        f'entry,{good["key"]},"{"x" * 200_000}"\n'
        "entry,after,never read\n",
        encoding="utf-8",
    )

    report = import_file(app, path, by=BY)

    assert [line for line, _ in report.problems] == [2, 3]
    stop = "the rest of the file is not read: field larger than field limit"
    assert stop in report.problems[1][1]
    assert report.read == 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_file_that_is_not_utf8_is_reported_not_a_crash(
    app: TimelineApp, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"records.{fmt}"
    text = "type,name,kind\nactor,Ana \xe9,person\n" if fmt == "csv" else '[{"name": "\xe9"}]'
    path.write_bytes(text.encode("latin-1"))
    head = app.head_position()

    report = import_file(app, path, by=BY)

    assert report.bad == 1
    assert "utf-8" in report.problems[0][1].lower()
    assert app.head_position() == head
