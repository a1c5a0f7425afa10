"""`policy-timeline bench --json FILE`: every printed row, as data, and the machine.

Figures are never asserted: only that every row printed is in the file with
its figures, unit, baseline and a positive ratio, and that the machine is
described.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from scripts.bench_export import RAW, STARTUP, ExportFigure, export_table
from tests.e2e.test_cli import COMMAND

TINY = [
    "bench",
    "--entries",
    "50",
    "--batch-size",
    "25",
    "--import-entries",
    "100",
    "--replay-entries",
    "200",
    "--queries",
    "5",
    "--http-seconds",
    "0",  # the HTTP row has its own test, tests/e2e/test_bench_http.py
    "--verify-rounds",
    "1",
    "--export-formats",
    "csv",  # each format is a child process: the ics row is checked below, without one
    "--trust-entries",
    "10",
    "--startup-runs",
    "1",
]
# A row that others are measured beside, not beside anything itself.
REFERENCE_ROWS = {"start-up", "raw scan"}
# At 200 entries an export can take no longer than the start-up row: 0 events/s.
EXPORTS = {"csv"}
MACHINE = {
    "date",
    "cores",
    "memory_bytes",
    "cpu_model",
    "os",
    "python",
    "sqlite",
    "postgresql",
    "packages",
    "git_commit",
}


def test_bench_json_holds_every_printed_row_with_its_ratio_and_the_machine(
    tmp_path: Path,
) -> None:
    report = tmp_path / "bench.json"
    done = subprocess.run(
        [COMMAND, *TINY, "--json", str(report)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(report.read_text())

    machine = document["machine"]
    assert set(machine) == MACHINE
    assert machine["cores"] >= 1
    assert machine["memory_bytes"] > 0
    assert re.match(r"\d+\.\d+\.\d+", machine["python"])
    assert re.match(r"3\.\d+", machine["sqlite"])
    assert set(machine["packages"]) == {"eventsourcing", "fastapi", "orjson"}
    assert all(machine["packages"].values())
    assert document["settings"]["replay_entries"] == [200]

    # Without --store, every row ran on SQLite, and says so.
    assert document["settings"]["store"] == ["sqlite"]
    assert {section["store"] for section in document["sections"]} == {"sqlite"}
    rows = [row for section in document["sections"] for row in section["rows"]]
    assert {row["store"] for row in rows} == {"sqlite"}
    # Three record rows (one paced), the import, the replay, five of signed checkpoints, the
    # store's bytes, two of start-up (--help, export), verify, three of exports
    # (start-up, raw scan, csv) and two queries.
    assert len(rows) == 19, done.stdout
    printed = done.stdout.splitlines()
    for row in rows:
        # A long name wraps in the table: its start begins the row's first line.
        lines = [x for x in printed if x.startswith(f"│ {row['name'][:30]}")]
        assert lines, (row["name"], done.stdout)
        assert row["unit"], row
        assert row["figures"], row
        if row["name"] in REFERENCE_ROWS:
            continue
        assert row["baseline"], row
        assert row["baseline_figures"], row
        assert row["ratio"] >= 0 if row["name"] in EXPORTS else row["ratio"] > 0, row
        # Printed as the table prints it: under 0.01 in scientific notation.
        shown = f"{row['ratio']:.1e}" if 0 < row["ratio"] < 0.01 else f"{row['ratio']:.2f}"
        ratio = re.compile(rf"│\s+{re.escape(shown)}\s+│")
        assert any(ratio.search(line) for line in lines), (row, lines)

    csv = next(row for row in rows if row["name"] == "csv")
    assert (csv["baseline"], csv["figures"]["entries"]) == ("raw scan", 200)
    assert csv["figures"]["cpu_seconds"] > 0  # the child's own, beside its wall time


def test_the_ics_row_is_beside_the_json_export_with_its_target() -> None:
    figures = [
        ExportFigure(STARTUP, 0, 1.0, 50_000_000, 0),
        ExportFigure(RAW, 1000, 0.1, 10_000_000, 500_000),
        ExportFigure("json", 1000, 1.5, 60_000_000, 900_000, startup_seconds=1.0),
        ExportFigure("ics", 1000, 2.0, 60_000_000, 800_000, startup_seconds=1.0),
    ]
    rows = {row.name: row for row in export_table(figures).rows}
    assert rows["json"].baseline == RAW
    assert rows["json"].ratio == pytest.approx(2000 / 10_000)
    assert rows["ics"].baseline == "json"
    assert rows["ics"].ratio == pytest.approx(1000 / 2000)
    assert rows["ics"].baseline_figures["per_second"] == pytest.approx(2000)
    assert rows["ics"].target == "events/s >= 0.5 x json's"
    assert (rows[STARTUP].baseline, rows[STARTUP].ratio) == (None, None)
