"""`policy-timeline export` as a user runs it: files, stdout, filters, as-of and errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from domain import TimelineApp, parse_store_url, store_env
from projections import ReadModels, TimelineFilters
from projections.database import open_database
from projections.presentation.exports import export as export_chunks
from projections.presentation.exports import open_chronology
from scripts.bench_export import RAW, STARTUP, build_store, export_figures, print_figures
from scripts.cli import main
from tests.builders import body, seed

COMMAND = str(Path(sys.executable).parent / "policy-timeline")


@pytest.fixture
def store(store_url: str) -> dict[str, str]:
    """A store with a meeting, a call and a retracted statement: kind -> id, and its URL."""
    app = TimelineApp(store_env(store_url))
    seed(app)
    ids = {kind: app.record_entry(body(kind), by="tests").id for kind in ("meeting", "call")}
    ids["statement"] = app.record_entry(body("statement"), by="tests").id
    app.retract_entry(ids["statement"], expected_version=1, reason="withdrawn", by="tests")
    app.close()
    return {**ids, "url": store_url}


@pytest.fixture
def empty_url(tmp_path: Path) -> str:
    """The URL of an empty SQLite store that exists: export refuses one that does not."""
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    TimelineApp(store_env(url)).close()
    return url


def export(store: dict[str, str], *args: str, tmp_path: Path) -> bytes:
    out = tmp_path / "out"
    assert main(["--db", store["url"], "export", *args, "-o", str(out)]) == 0
    return out.read_bytes()


def ids(raw: bytes) -> list[str]:
    return [json.loads(line)["id"] for line in raw.splitlines()[1:-1]]


def test_export_writes_to_stdout_in_a_real_process_the_bytes_it_writes_to_a_file(
    store: dict[str, str], tmp_path: Path
) -> None:
    done = subprocess.run(
        [COMMAND, "--db", store["url"], "export", "--format", "md"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b"", done.stderr  # no progress line in a pipe for a small export
    assert done.stdout.startswith(b"# Chronology\n")
    assert b"## December 2023" in done.stdout
    in_process = export(store, "--format", "md", tmp_path=tmp_path)
    assert in_process.decode() == done.stdout.decode()
    # No partial file left beside it.
    assert [p.name for p in tmp_path.iterdir() if "out" in p.name] == ["out"]


def test_export_honours_the_timeline_filters(store: dict[str, str], tmp_path: Path) -> None:
    def exported(*args: str) -> list[str]:
        return ids(export(store, "--format", "ndjson", *args, tmp_path=tmp_path))

    assert exported() == [store["call"], store["meeting"]]
    assert exported("--include-retracted") == [store["call"], store["statement"], store["meeting"]]
    assert exported("--include-retracted", "--order", "desc") == [
        store["meeting"],
        store["statement"],
        store["call"],
    ]
    assert exported("--kind", "meeting") == [store["meeting"]]
    assert exported("--topic", "migration", "--to", "2023-12-20") == [store["call"]]
    assert exported("--from", "2023-12-25", "--actor", "antony-blinken") == [store["meeting"]]
    assert exported("--q", "migratory flows") == [store["call"]]
    meta = json.loads(export(store, "--format", "json", "--kind", "call", tmp_path=tmp_path))
    assert meta["export"]["filters"] == {
        "kind": "call",
        "include_retracted": False,
        "order": "asc",
    }


def test_export_as_of_a_position_or_a_time_gives_the_same_bytes_after_more_writes(
    store: dict[str, str], tmp_path: Path
) -> None:
    before = export(store, "--format", "csv", tmp_path=tmp_path)
    position = json.loads(export(store, "--format", "json", tmp_path=tmp_path))["export"][
        "log_position"
    ]
    moment = datetime.now(UTC).isoformat()
    app = TimelineApp(store_env(store["url"]))
    app.record_entry(body("policy_action"), by="tests")
    app.close()
    assert export(store, "--format", "csv", tmp_path=tmp_path) != before
    assert export(store, "--format", "csv", "--as-of", str(position), tmp_path=tmp_path) == before
    assert export(store, "--format", "csv", "--as-of", moment, tmp_path=tmp_path) == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "last week"], "policy-timeline export: --from: 'last week' is not valid EDTF"),
        (["--as-of", "yesterday"], "policy-timeline export: --as-of: expected a log position"),
        (["--kind", "rumour"], "policy-timeline export: --kind: expected one of: meeting"),
        (["--q", "?!"], "policy-timeline export: --q: expected at least one word"),
    ],
)
def test_a_bad_option_is_one_line_on_stderr_and_exit_2_with_no_file_left(
    tmp_path: Path, empty_url: str, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    url = empty_url
    out = tmp_path / "out.md"
    assert main(["--db", url, "export", "--format", "md", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(says)
    assert err.count("\n") == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == []


def test_a_file_that_cannot_be_written_is_one_line_and_exit_2(
    tmp_path: Path, empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = empty_url
    out = tmp_path / "missing" / "out.md"
    assert main(["--db", url, "export", "--format", "md", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("policy-timeline export: ")
    assert "missing" in err
    assert err.count("\n") == 1


def test_a_directory_as_the_output_is_refused_before_exporting_and_left_alone(
    tmp_path: Path, empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = empty_url
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["--db", url, "export", "--format", "csv", "-o", str(folder)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"policy-timeline export: -o: {folder} is a directory; expected a file to write\n"
    )
    assert folder.is_dir()
    assert list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_the_export_bench_measures_each_format_in_a_process_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    quiet = Console(file=io.StringIO())
    head = build_store(path, 300, quiet)
    figures = export_figures(path, 300, ["csv", "timelinejs"])
    assert [f.name for f in figures] == [STARTUP, RAW, "csv", "timelinejs"]
    startup, raw, *exports = figures
    assert startup.entries == 0
    assert startup.output_bytes > 0  # its export line and its end line
    config = parse_store_url(f"sqlite:///{path}")
    env = config.env()
    app = TimelineApp(env)
    models = ReadModels(app, open_database(config))
    try:
        assert models.reached() == head
        for figure in exports:
            expected = b"".join(
                export_chunks(open_chronology(models, TimelineFilters()), figure.name)
            )
            assert figure.output_bytes == len(expected)
            assert figure.entries == 300
            assert figure.seconds > startup.seconds * 0.5
            assert 10 * 2**20 < figure.peak_bytes < 2**30
    finally:
        models.close()
        app.close()
    assert raw.output_bytes > 300 * 100  # every entry's stored JSON, a line each
    printed = Console(file=io.StringIO(), width=120)
    print_figures(printed, figures)
    table = printed.file.getvalue()  # type: ignore[attr-defined]
    assert "peak growth" in table
    assert "timelinejs" in table
