"""The HTTP row of `policy-timeline bench`: printed with its figures, or skipped with a reason.

Figures are never asserted: only that they are there, positive, with a ratio.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.bench_http import parse_wrk, wrk_available
from tests.e2e.test_cli import COMMAND

pytestmark = pytest.mark.alone

# Only the rows these tests read: the signed-checkpoint rows (2,000 fsync'd writes),
# start-up and the exports' children took it past its timeout on a busy machine.
TINY = [
    "bench",
    "--entries",
    "0",
    "--replay-entries",
    "300",
    "--queries",
    "0",
    "--trust-entries",
    "0",
    "--startup-runs",
    "0",
    "--verify-rounds",
    "0",
    "--export-formats",  # none
]

# A real `wrk --latency` answer (from wrk 4.1.0), edited to show two units.
WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:18765/nope
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.30ms    7.04ms  56.42ms   95.38%
    Req/Sec     1.32k   421.80     1.80k    80.00%
  Latency Distribution
     50%  890.00us
     75%    4.10ms
     90%    6.59ms
     99%    1.20s
  1318 requests in 1.00s, 669.48KB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 17
Requests/sec:   1315.47
Transfer/sec:    668.19KB
"""


def test_wrk_output_reads_as_requests_per_second_p99_in_ms_and_errors() -> None:
    run = parse_wrk(WRK_OUTPUT)
    assert run.requests_per_second == pytest.approx(1315.47)
    assert run.p99_ms == pytest.approx(1200.0)
    assert run.requests == 1318
    assert run.non_2xx == 17
    assert run.socket_errors == 5


def test_wrk_output_without_a_latency_distribution_is_refused() -> None:
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse_wrk(WRK_OUTPUT.replace("     99%    1.20s\n", ""))


@pytest.mark.skipif(not wrk_available(), reason="wrk is not installed (apt-get install wrk)")
def test_the_bench_prints_the_timeline_page_beside_the_bare_route(tmp_path: Path) -> None:
    done = subprocess.run(
        [COMMAND, *TINY, "--http-seconds", "1", "--http-rounds", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "GET /api/v1/timeline?topic=" in done.stdout
    lines = done.stdout.splitlines()
    rows = [line for line in lines if "bare Starlette" in line]
    # The engine as served, then with its page cache off on a mix of URLs, each
    # beside the bare route; then serve with two workers beside serve with one.
    assert len(rows) == 2, done.stdout
    assert "page cache off, a mix of 100 URLs" in rows[1]
    rows += [line for line in lines if "serve, one worker" in line]
    assert len(rows) == 3, done.stdout
    assert "serve --workers 2" in rows[2]
    assert "load average" in done.stdout
    for row in rows:
        # engine req/s and p99 ms, the bare route's, their ratio
        figures = re.findall(r"│\s*([\d,]+(?:\.\d+)?)\s*(?=│)", row + "│")
        assert len(figures) == 5, row
        assert all(float(f.replace(",", "")) > 0 for f in figures), row


def test_the_bench_skips_the_http_row_and_says_how_to_get_wrk(tmp_path: Path) -> None:
    # Only the venv's own commands on PATH: no wrk there.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [COMMAND, *TINY, "--http-seconds", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HTTP row is skipped: wrk is not on PATH" in done.stdout
    assert "apt-get install wrk" in done.stdout
    assert "replay 300 entries" in done.stdout
