"""`policy-timeline bench --store postgresql`: the rows that apply, on PostgreSQL, each
beside its baseline done on PostgreSQL, printed and in `--json` with the store named.

Figures are never asserted: only that each row is there with figures, a
baseline measured on the same server, and a ratio.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import COMMAND
from tests.postgres import PostgresServer

pytestmark = pytest.mark.postgres

TINY = [
    "bench",
    "--store",
    "postgresql",
    "--entries",
    "20",
    "--batch-size",
    "10",
    "--import-entries",
    "40",
    "--replay-entries",
    "100",
    "--queries",
    "3",
    "--http-seconds",
    "0",  # the HTTP rows' servers and wrk: tests/e2e/test_bench_http.py
    "--verify-rounds",
    "1",
    "--export-formats",
    "csv",
    "--startup-runs",
    "0",  # three children a run, and not the store's: the SQLite test has it
]
ROWS = {
    "record entries, one command each": "psycopg, one INSERT per transaction",
    "record entries, one command each, beside paced commits": (
        "psycopg, one INSERT per transaction, 0.2 ms of CPU before each"
    ),
    "record entries, batches of 10": "psycopg executemany, 10 a transaction",
    "import 40-entry NDJSON, events": "psycopg executemany, 1000 a transaction",
    "replay 100 entries, events": "raw copy: SQL scan, orjson, executemany, 1,000 a transaction",
    "store of 100 entries": "the log's table and its indexes",
    "verify the log against the ledger, events (100 entries)": (
        "SHA-256 of each state, same SQL and batches"
    ),
    "start-up": None,
    "raw scan": None,
    "csv": "raw scan",
    "topic filter, now": "topic filter, now",
    "topic filter, as of": "topic filter, now",  # and the mid-log position asked of
}


def test_the_postgresql_rows_stand_beside_baselines_on_postgresql(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    report = tmp_path / "bench.json"
    done = subprocess.run(
        [COMMAND, *TINY, "--postgres-url", postgres.url("postgres"), "--json", str(report)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(report.read_text())
    assert document["settings"]["store"] == ["postgresql"]

    sections = document["sections"]
    assert {section["store"] for section in sections} == {"postgresql"}
    # Each table says which server it ran on; none is SQLite's.
    titles = [section["title"] for section in sections]
    assert all(re.search(r"PostgreSQL \d+\.\d+", title) for title in titles), titles
    assert "SQLite" not in done.stdout

    rows = {
        re.sub(r"(as of) \d+$", r"\1", row["name"]): row
        for section in sections
        for row in section["rows"]
    }
    assert set(rows) == set(ROWS), done.stdout
    for name, baseline in ROWS.items():
        row = rows[name]
        assert row["store"] == "postgresql", row
        assert row["unit"], row
        assert row["figures"], row
        assert row["baseline"] == baseline, row
        if baseline is None:
            continue
        assert row["baseline_figures"], row
        # At 100 entries an export can take no longer than its start-up: 0 events/s.
        assert row["ratio"] >= 0 if name == "csv" else row["ratio"] > 0, row
        assert any(line.startswith(f"│ {name[:30]}") for line in done.stdout.splitlines()), name

    assert rows["store of 100 entries"]["figures"]["bytes"] > 0
    assert rows["store of 100 entries"]["baseline_figures"]["bytes"] > 0
    # The head counts the synthetic log's actors and source too.
    assert rows["replay 100 entries, events"]["figures"]["count"] > 100
    assert rows["csv"]["figures"]["output_bytes"] > 0
