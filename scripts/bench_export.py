"""Bench rows for the exports: events/s and peak memory per format, at each store size.

Each export runs as its own process, `python -m scripts.cli export`, as a
user runs it, with its output read (and counted) through a pipe; its peak
resident memory is the kernel's high-water mark of the child's own address
space (`VmHWM` in /proc, read every 10 ms while it runs: see `_PeakWatch`
for why not `ru_maxrss`), so nothing of this process is counted. Beside them, in
the same run and on the same store:

* *start-up*: the same command exporting nothing (a topic no entry has), so
  the fixed cost of a process (interpreter, imports, opening the store) is
  measured rather than guessed; events/s are over the time beyond it;
* *raw scan*: a plain child process reading the same entries' stored JSON
  in timeline order with one SQL query and writing them out, a line each:
  the cost of getting the bytes out of SQLite with no export around them.

The stores are the read-side bench's synthetic logs (`bench_views.make_store`:
statements with dates of every precision, two of 500 actors, two of 40
topics), with every view, the ledger included, caught up in place.
The target: the peak at the largest size under twice the peak at the smallest.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from domain import SQLiteConfig, parse_store_url
from projections import Projector
from projections.bootstrap import SystemConfig, bootstrap
from projections.presentation.exports import FORMATS
from scripts.bench_report import Column, Row, Section
from scripts.bench_views import make_store, store_url
from scripts.progress import progress_bar

__all__ = [
    "ExportFigure",
    "build_store",
    "export_figures",
    "export_table",
    "main",
    "print_figures",
]

SIZES = (100_000, 1_000_000)
STARTUP = "start-up"
RAW = "raw scan"
# The timeline's current entries in its order, as the JSON export walks them.
_RAW_QUERY = (
    "SELECT e.body FROM timeline_index i JOIN timeline_entries e "
    "ON e.first_position = i.first_position AND e.version = i.version "
    "WHERE i.facet = '*' AND i.valid_to > (SELECT MAX(position) FROM projection_tracking) "
    "AND i.status = 'active' ORDER BY i.occurred_start, i.span, i.first_position"
)
_RAW_SCAN = f"""
import sqlite3, sys
from projections.views.packing import unpack
db = sqlite3.connect(sys.argv[1])
out = sys.stdout.buffer
rows = db.execute("{_RAW_QUERY}")
while page := rows.fetchmany(500):
    out.write(b"".join(unpack(row[0]) + b"\\n" for row in page))
"""
# The same on PostgreSQL, through a named (server-side) cursor: rows stream in pages
# as SQLite's do, rather than all arriving in this process's memory at once.
_RAW_SCAN_POSTGRES = f"""
import psycopg, sys
from projections.views.packing import unpack
out = sys.stdout.buffer
with psycopg.connect(sys.argv[1]) as db, db.cursor(name="raw") as rows:
    rows.execute("{_RAW_QUERY}")
    while page := rows.fetchmany(500):
        out.write(b"".join(unpack(row[0]) + b"\\n" for row in page))
"""
Tick = Callable[[int], None]
_HWM = re.compile(r"^VmHWM:\s+(\d+) kB$", re.MULTILINE)


@dataclass(frozen=True)
class ExportFigure:
    """One export of a store of `entries` entries: wall time, peak RSS and bytes written."""

    name: str  # a format, or STARTUP or RAW
    entries: int
    seconds: float
    peak_bytes: int
    output_bytes: int
    startup_seconds: float = 0.0
    # The child's CPU time (user and system), and the start-up row's: on a busy
    # machine wall time counts the wait for a core, CPU time does not.
    cpu_seconds: float = 0.0
    startup_cpu_seconds: float = 0.0

    @property
    def cpu_events_per_second(self) -> float:
        """Entries a CPU second beyond the start-up row's CPU time."""
        busy = self.cpu_seconds - self.startup_cpu_seconds
        return self.entries / busy if busy > 0 else 0.0

    @property
    def events_per_second(self) -> float:
        """Entries a second beyond the fixed cost of a process (the start-up row's time)."""
        busy = self.seconds - self.startup_seconds
        return self.entries / busy if busy > 0 else 0.0


def build_store(path: Path, entries: int, console: Console) -> int:
    """A synthetic SQLite store of `entries` entries at `path`, every view caught up."""
    with progress_bar(console, f"writing a log of {entries:,} entries", entries) as tick:
        head = make_store(path, entries, tick)
    with bootstrap(SystemConfig.from_url(f"sqlite:///{path}")) as system:
        projector = Projector(system.app, system.db, page=10_000)
        projector.create()
        with progress_bar(console, f"catching the views up to {head:,}", head) as tick:
            projector.catch_up(progress=tick)
    return head


def _run(command: Sequence[str]) -> tuple[float, int, int, float]:
    """Run `command` as a child reading its stdout; (seconds, peak RSS bytes, bytes out,
    CPU seconds).

    Raise RuntimeError when it fails.
    """
    # The children this process has waited for: only this one, while it runs.
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stderr is not None
    peak = _PeakWatch(child.pid)
    peak.start()
    written = 0
    while chunk := os.read(child.stdout.fileno(), 1 << 20):
        written += len(chunk)
    errors = child.stderr.read()
    child.wait()
    seconds = time.perf_counter() - started
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = done.ru_utime + done.ru_stime - used.ru_utime - used.ru_stime
    peak.join()
    child.stdout.close()
    child.stderr.close()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {errors.decode(errors='replace')}")
    return seconds, peak.bytes, written, cpu


class _PeakWatch(threading.Thread):
    """The child's peak resident memory: its VmHWM, read every few milliseconds.

    Not `ru_maxrss` (from wait4 or RUSAGE_CHILDREN): Linux carries a process's
    peak across exec, and a child starts as a fork of this process, so that
    figure is never below this process's own peak (the bench's, holding a store
    it has just built). VmHWM belongs to the child's own address space, made
    new at exec, and only grows, so its last reading before the child exits is
    the peak of everything but the last few milliseconds, when it only closes.
    """

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.interval = interval
        self.bytes = 0

    def run(self) -> None:
        while True:
            try:
                status = self.path.read_text()
            except (FileNotFoundError, ProcessLookupError):
                return  # reaped
            found = _HWM.search(status)
            if found is None:
                return  # a zombie: its memory is gone
            self.bytes = max(self.bytes, int(found.group(1)) * 1024)
            time.sleep(self.interval)


def export_figures(
    store: Path | str, entries: int, formats: Sequence[str] = tuple(FORMATS)
) -> list[ExportFigure]:
    """Start-up, the raw scan and each format's export of `store`, a SQLite file or a
    store URL (PostgreSQL's raw scan is psycopg's, with a server-side cursor)."""
    url = store_url(store)
    cli = [sys.executable, "-m", "scripts.cli", "--db", url, "export"]
    # A topic no entry has: one index seek, so this is the process and nothing else.
    seconds, peak, written, cpu = _run([*cli, "--format", "ndjson", "--topic", "no-such-topic"])
    startup = ExportFigure(STARTUP, 0, seconds, peak, written, cpu_seconds=cpu)
    figures = [startup]
    config = parse_store_url(url)
    if isinstance(config, SQLiteConfig):
        raw = [sys.executable, "-c", _RAW_SCAN, config.name]
    else:
        raw = [sys.executable, "-c", _RAW_SCAN_POSTGRES, _libpq_url(url)]
    seconds, peak, written, cpu = _run(raw)
    figures.append(ExportFigure(RAW, entries, seconds, peak, written, cpu_seconds=cpu))
    for name in formats:
        seconds, peak, written, cpu = _run([*cli, "--format", name])
        figures.append(
            ExportFigure(
                name, entries, seconds, peak, written, startup.seconds, cpu, startup.cpu_seconds
            )
        )
    return figures


def _libpq_url(url: str) -> str:
    """A store URL as libpq reads it: without the engine's own `?schema=`."""
    return url.partition("?")[0]


ICS_TARGET = 0.5
"""The iCalendar export's events/s over the JSON export's, at least (issue 18)."""


def export_table(figures: Sequence[ExportFigure]) -> Section:
    """Per format and size: events/s beside the JSON export's (the JSON export's beside
    the raw scan's), peak memory, and the peak's growth from the smallest size."""
    sizes = sorted({f.entries for f in figures if f.name != STARTUP})
    smallest = {f.name: f for f in figures if f.entries == sizes[0]} if sizes else {}
    by_size = {(f.name, f.entries): f for f in figures}
    rows = []
    for figure in figures:
        base = smallest.get(figure.name)
        measured: dict[str, float] = {
            "entries": figure.entries,
            "seconds": figure.seconds,
            "peak_bytes": figure.peak_bytes,
            "output_bytes": figure.output_bytes,
            "cpu_seconds": figure.cpu_seconds,
        }
        targets = []
        if base is not None and figure.entries != base.entries:
            measured["peak_growth"] = figure.peak_bytes / base.peak_bytes
            targets.append("peak growth < 2")
        baseline = None
        if figure.name != STARTUP:
            measured["per_second"] = figure.events_per_second
            measured["cpu_per_second"] = figure.cpu_events_per_second
            # Formats beside the JSON export; the JSON export beside the raw scan.
            if figure.name != RAW:
                baseline = by_size.get(("json", figure.entries))
                if baseline is None or figure.name == "json":
                    baseline = by_size.get((RAW, figure.entries))
        if figure.name == "ics":
            targets.append(f"events/s >= {ICS_TARGET} x json's")
        rows.append(
            Row(
                figure.name,
                "entries/s",
                measured,
                None if baseline is None else baseline.name,
                {}
                if baseline is None
                else {
                    "per_second": baseline.events_per_second,
                    "cpu_per_second": baseline.cpu_events_per_second,
                },
                None
                if baseline is None or not baseline.events_per_second
                else figure.events_per_second / baseline.events_per_second,
                "; ".join(targets) or None,
            )
        )
    return Section(
        "exports: each a child process, output read through a pipe",
        (
            Column("format", "name"),
            Column("entries", "figures.entries", ","),
            Column("seconds", "figures.seconds", ".1f"),
            Column("events/s", "figures.per_second", ",.0f"),
            Column("peak RSS", "figures.peak_bytes", ",.0f", 2**-20, " MiB"),
            Column("MB out", "figures.output_bytes", ",.0f", 1e-6),
            Column("peak growth", "figures.peak_growth", ".2f"),
            Column("beside", "baseline"),
            Column("ratio", "ratio", ".2f"),
        ),
        rows,
        "events/s: entries over the time beyond the start-up row's; the raw scan is one "
        "SQL query writing the stored JSON; ratio: events/s over those of the row it is "
        "beside, the JSON export (the raw scan for the JSON export). Targets: peak growth "
        f"(the largest size's peak over the smallest's) under 2; iCalendar at least "
        f"{ICS_TARGET} of JSON.",
    )


def print_figures(console: Console, figures: Sequence[ExportFigure]) -> None:
    """The exports' table, and the line saying how to read it."""
    section = export_table(figures)
    console.print(section.table())
    console.print(section.note)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m scripts.bench_export [--sizes N ...] [--formats F ...]`: build, run, print."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_export")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--folder", type=Path, help="where the stores go (default: a temp folder)")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    figures: list[ExportFigure] = []
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        for size in args.sizes:
            path = Path(folder) / f"export-{size}.db"
            build_store(path, size, console)
            figures += export_figures(path, size, args.formats)
            path.unlink()
    print_figures(Console(), figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
