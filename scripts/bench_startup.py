"""Bench row for start-up: how long a command takes before its first byte.

Each command runs as its own process, as a user runs it, and the time is from
the spawn to the first byte read from its stdout (or its end, for a command
that prints nothing), the median of a few runs, taken in turn so that a
machine's drift reaches every command alike:

* `python -c pass`: the interpreter alone, the baseline;
* `policy-timeline --help`: the parser, every command listed;
* `policy-timeline export --format ndjson`: the export's first line, on a
  small synthetic store made here, every view caught up first.

The target: each at most 0.3 s beyond the baseline. The commands run as
`python -m scripts.cli`, the checkout's code, whatever is installed, with
their bytecode kept in a folder of the bench's (PYTHONPYCACHEPREFIX), written
by the warm-up round, as an installed package has it compiled at install:
otherwise PYTHONDONTWRITEBYTECODE, or a checkout never run, would add the
compiling of every module to every run.
`python -m scripts.bench_startup` runs this row alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from scripts.bench_export import build_store
from scripts.bench_views import store_url

__all__ = ["TARGET_SECONDS", "StartupFigure", "first_byte", "main", "startup_figures"]

TARGET_SECONDS = 0.3
"""The most a command may take beyond the interpreter's own start."""
BASELINE = "python -c pass"


@dataclass(frozen=True)
class StartupFigure:
    """A command's median time to its first byte beside the baseline's, same runs."""

    name: str
    seconds: float
    baseline_seconds: float
    runs: int

    @property
    def beyond(self) -> float:
        """Seconds beyond the bare interpreter's start."""
        return self.seconds - self.baseline_seconds

    @property
    def met(self) -> bool:
        return self.beyond <= TARGET_SECONDS


def first_byte(command: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Seconds from spawning `command` to the first byte on its stdout (or its
    end, when it prints nothing); the rest is read and the child reaped after.
    Raise RuntimeError when it fails."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert child.stdout is not None
    os.read(child.stdout.fileno(), 1)
    seconds = time.perf_counter() - started
    _, errors = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {errors.decode(errors='replace')}")
    return seconds


def startup_figures(
    store: Path | str, runs: int = 5, bytecode: Path | None = None
) -> list[StartupFigure]:
    """`--help` and an ndjson export of `store` (a SQLite file or a store URL) beside
    `python -c pass`, `runs` times each in turn after one warm-up round; medians.
    The bytecode goes into the folder `bytecode` (default: beside a SQLite file)."""
    if bytecode is None:
        if not isinstance(store, Path):
            raise ValueError("a store given by URL needs a folder for the bytecode")
        bytecode = store.parent / "startup-bytecode"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    cli = [sys.executable, "-m", "scripts.cli", "--db", store_url(store)]
    commands = {
        BASELINE: [sys.executable, "-c", "pass"],
        "policy-timeline --help": [*cli, "--help"],
        "policy-timeline export ndjson": [
            *cli,
            "export",
            "--format",
            "ndjson",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            seconds = first_byte(command, env)
            if round_ > 0:  # the first round warms the page cache and the bytecode
                times[name].append(seconds)
    baseline = statistics.median(times.pop(BASELINE))
    return [
        StartupFigure(name, statistics.median(seconds), baseline, runs)
        for name, seconds in times.items()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m scripts.bench_startup [--runs N] [--entries N]`: this row alone."""
    from scripts.bench_tables import startup_table

    parser = argparse.ArgumentParser(prog="python -m scripts.bench_startup")
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default: 5)")
    parser.add_argument(
        "--entries", type=int, default=1_000, help="entries in the store (default: 1000)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="timeline-bench-") as folder:
        store = Path(folder) / "startup.db"
        build_store(store, args.entries, Console(stderr=True))
        figures = startup_figures(store, args.runs)
    console = Console()
    if not console.is_terminal:
        console.width = 120  # a pipe gets the whole table on one line a row
    console.print(startup_table(figures).table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
