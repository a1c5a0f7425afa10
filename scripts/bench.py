"""`policy-timeline bench`: figures beside a baseline measured in the same run.

Every row times the engine and a plain baseline doing the same storage work
on the same machine, now, and prints their ratio. The stores are fresh
SQLite files in a temporary folder, whatever --db says, so runs compare.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from domain import TimelineApp
from domain.import_formats import count_lines
from domain.importing import BATCH_SIZE, import_file
from projections.bootstrap import System, SystemConfig, bootstrap
from projections.presentation.exports import FORMATS
from scripts.bench_export import ExportFigure, build_store, export_figures, export_table
from scripts.bench_http import HttpFigure, http_row, wrk_available
from scripts.bench_import import write_synthetic_file
from scripts.bench_report import Section, write_json
from scripts.bench_startup import StartupFigure, startup_figures
from scripts.bench_tables import (
    Figure,
    StorageFigure,
    http_table,
    latency_table,
    rate_table,
    startup_table,
    storage_table,
    verify_table,
)
from scripts.bench_trust import trust_rows
from scripts.bench_verify import VerifyFigure, verify_store
from scripts.bench_views import (
    QueryFigure,
    make_store,
    query_figures,
    raw_copy,
    replay,
    store_bytes,
)

__all__ = ["add_parser", "import_row", "run", "synthetic_entries"]

Row = tuple[str, str, str, bytes]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "bench", help="measure the engine beside plain baselines"
    )
    parser.add_argument("--entries", type=int, default=10_000, help="entries per row")
    parser.add_argument("--batch-size", type=int, default=500, help="entries per batch")
    parser.add_argument(
        "--import-entries",
        type=int,
        default=None,
        help="entries in the synthetic import file (default: 10 x --entries; 0 skips the row)",
    )
    parser.add_argument(
        "--replay-entries",
        type=int,
        nargs="*",
        default=[100_000, 1_000_000],
        help="log sizes to replay beside a raw copy of the log, and to weigh on disk "
        "(default: 100000 1000000; none skips)",
    )
    parser.add_argument(
        "--queries",
        type=int,
        default=200,
        help="timeline queries timed on the largest replayed log (default: %(default)s)",
    )
    parser.add_argument(
        "--http-seconds",
        type=int,
        default=10,
        help="seconds of each wrk round against the API on the largest replayed log, and "
        "against a bare route (default: %(default)s; 0 skips the row)",
    )
    parser.add_argument(
        "--http-rounds",
        type=int,
        default=3,
        help="wrk rounds a server, alternating; the best is shown (default: %(default)s)",
    )
    parser.add_argument(
        "--export-formats",
        nargs="*",
        choices=list(FORMATS),
        default=list(FORMATS),
        help="formats exported, each by a child process, at every replayed size "
        "(default: all; none skips the rows)",
    )
    parser.add_argument(
        "--verify-rounds",
        type=int,
        default=3,
        help="rounds of verify beside a plain SHA-256 at every replayed size, best shown "
        "(default: %(default)s; 0 skips the row)",
    )
    parser.add_argument(
        "--trust-entries",
        type=int,
        default=2_000,
        help="entries written one at a time with and without a signing key, whose "
        "checkpoints then time signing and a witness's checks (default: %(default)s; 0 skips)",
    )
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=5,
        help="runs of `--help` and an export's first byte beside `python -c pass`, median "
        "shown (default: %(default)s; 0 skips the row; `python -m scripts.bench_startup` "
        "runs it alone)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write every row, and the machine it ran on, as JSON to FILE",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    if not console.is_terminal:
        console.width = 120  # a pipe gets the whole table on one line a row
    sizes = sorted(n for n in args.replay_entries if n > 0)
    http_seconds = args.http_seconds if args.http_rounds > 0 else 0
    if http_seconds > 0 and not wrk_available():
        http_seconds = 0
        console.print(
            "The HTTP row is skipped: wrk is not on PATH "
            "(`apt-get install wrk`, or `make bench`, provides it)."
        )
    elif http_seconds > 0 and not sizes:
        http_seconds = 0
        console.print("The HTTP row is skipped: it serves the largest of --replay-entries.")
    figures: list[Figure] = []
    latencies: list[QueryFigure] = []
    exports: list[ExportFigure] = []
    verified: list[VerifyFigure] = []
    http: HttpFigure | None = None
    stored: list[StorageFigure] = []
    trusted: list[Figure] = []
    started: list[StartupFigure] = []
    with tempfile.TemporaryDirectory(prefix="timeline-bench-") as folder:
        if args.startup_runs > 0:
            store = Path(folder) / "startup.db"
            build_store(store, 1_000, console)
            with console.status("start-up, --help and export's first byte", spinner="dots"):
                started = startup_figures(store, args.startup_runs)
        if args.trust_entries > 0:
            with console.status(
                f"signed checkpoints, {args.trust_entries:,} entries", spinner="dots"
            ):
                bodies = list(synthetic_entries(args.trust_entries))
                trusted = list(trust_rows(Path(folder), args.trust_entries, bodies, seed))
        if args.entries > 0:
            figures.extend(record_rows(Path(folder), args.entries, args.batch_size, console))
        imported = args.entries * 10 if args.import_entries is None else args.import_entries
        if imported > 0:
            figures.append(import_row(Path(folder), imported, console))
        for entries in sizes:
            path = Path(folder) / f"views-{entries}.db"
            replayed = replay_row(path, entries, console)
            figures.append(replayed)
            stored.append(StorageFigure(entries, *store_bytes(path)))
            # The replay left every view at the head, the ledger included.
            if args.verify_rounds > 0:
                with console.status(f"verify, {entries:,} entries", spinner="dots"):
                    verified.append(
                        verify_store(f"sqlite:///{path}", entries, rounds=args.verify_rounds)
                    )
            if args.export_formats:
                with console.status(f"exports, {entries:,} entries", spinner="dots"):
                    exports += export_figures(path, entries, args.export_formats)
            if entries == sizes[-1]:
                # The largest store, views built, serves the read rows: no second build.
                if args.queries > 0:
                    latencies = list(query_figures(path, replayed.count, args.queries))
                if http_seconds > 0:
                    with console.status(
                        f"wrk, {args.http_rounds} x {http_seconds} s a server", spinner="dots"
                    ):
                        http = http_row(path, http_seconds, args.http_rounds)
            for leftover in Path(folder).glob(f"views-{entries}.db*"):
                leftover.unlink()
    sections: list[Section] = []
    if figures:
        sections.append(rate_table(figures, args.entries))
    if trusted:
        sections.append(rate_table(trusted, args.trust_entries))
    if stored:
        sections.append(storage_table(stored))
    if started:
        sections.append(startup_table(started))
    if verified:
        sections.append(verify_table(verified))
    if exports:
        sections.append(export_table(exports))
    if latencies:
        sections.append(latency_table(latencies, sizes[-1]))
    if http is not None:
        sections.append(http_table(http, sizes[-1], args.http_rounds))
    for section in sections:
        console.print(section.table())
        if section.note:
            console.print(section.note)
    if args.json is not None:
        write_json(args.json, sections, _settings(args))
    if http is not None and http.engine_errors:
        console.print(
            f"The engine answered {http.engine_errors:,} requests with an error or none: "
            "its HTTP figures are not valid."
        )
        return 1
    return 0


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The options the run was given, so runs with the same can be compared (not --db:
    the bench makes its own stores)."""
    skipped = ("run", "json", "db", "command")
    return {k: v for k, v in vars(args).items() if k not in skipped and not callable(v)}


def replay_row(path: Path, entries: int, console: Console) -> Figure:
    """Replay a synthetic log into the views at `path`, beside a raw copy; count events."""
    with _progress(console, f"writing a {entries:,}-entry log", entries) as tick:
        head = make_store(path, entries, tick)
    with _progress(console, f"replaying {head:,} events", head) as tick:
        replayed = replay(path, tick)
    with _progress(console, f"raw copy of {head:,} events", head) as tick:
        raw = raw_copy(path, path.with_name(path.name + ".copy"), tick)
    return Figure(
        f"replay {entries:,} entries, events",
        head,
        replayed,
        "raw copy: SQL scan, orjson, executemany, 1,000 a transaction",
        raw,
        unit="events/s",
    )


def synthetic_entries(count: int) -> Iterator[dict[str, Any]]:
    """Entries of every shape the bench needs, citing the actors of `seed_store`."""
    for i in range(count):
        day = 1 + i % 28
        yield {
            "kind": "statement",
            "title": f"Statement {i} on border policy",
            "summary": "A synthetic statement used to measure the engine. " * 3,
            "occurred": f"2023-{1 + i % 12:02d}-{day:02d}",
            "actors": [
                {"actor": "bench-speaker", "role": "speaker"},
                {"actor": "bench-agency", "role": "subject"},
            ],
            "topics": ["border-security", "migration"],
            "details": {
                "speaker": "bench-speaker",
                "quotes": [f"Quote number {i}."],
                "medium": "remarks",
            },
            "sources": [{"source": "bench-report", "quote": f"Quote number {i}."}],
        }


def seed_store(system: System) -> TimelineApp:
    """`system`'s write service, its store seeded with what `synthetic_entries` cite."""
    seed(system.app)
    return system.app


def seed(app: TimelineApp) -> None:
    """The actors and the source that `synthetic_entries` cite."""
    app.register_actor(
        {"id": "bench-speaker", "name": "Bench Speaker", "kind": "person"}, by="bench"
    )
    app.register_actor(
        {"id": "bench-agency", "name": "Bench Agency", "kind": "organization"}, by="bench"
    )
    app.register_source(
        {"id": "bench-report", "title": "Bench report", "publisher": "Bench"}, by="bench"
    )


def record_rows(folder: Path, count: int, batch: int, console: Console) -> Iterator[Figure]:
    bodies = list(synthetic_entries(count))

    def one_at_a_time(app: TimelineApp, tick: Callable[[int], None]) -> None:
        for body in bodies:
            app.record_entry(body, by="bench")
            tick(1)

    def in_batches(app: TimelineApp, tick: Callable[[int], None]) -> None:
        for start in range(0, count, batch):
            app.record_entries(bodies[start : start + batch], by="bench")
            tick(min(batch, count - start))

    single = _timed_engine(
        folder / "single.db", one_at_a_time, count, console, "one command at a time"
    )
    yield Figure(
        "record entries, one command each",
        count,
        single.seconds,
        "sqlite3, one row per transaction",
        _baseline(folder / "single-raw.db", single.rows, 1),
    )
    batched = _timed_engine(folder / "batch.db", in_batches, count, console, f"batches of {batch}")
    yield Figure(
        f"record entries, batches of {batch}",
        count,
        batched.seconds,
        f"sqlite3 executemany, {batch} a transaction",
        _baseline(folder / "batch-raw.db", batched.rows, batch),
    )


def import_row(folder: Path, entries: int, console: Console) -> Figure:
    """`policy-timeline import` of a synthetic NDJSON file, beside executemany of its rows."""
    path = folder / "import.ndjson"
    write_synthetic_file(path, entries)
    store = folder / "import.db"
    system = bootstrap(SystemConfig.from_url(f"sqlite:///{store}"))
    try:
        app = system.app
        with _progress(console, f"importing {entries:,} entries", count_lines(path)) as tick:
            reached = 0

            def advance(line: int) -> None:
                nonlocal reached
                tick(line - reached)
                reached = line

            started = time.perf_counter()
            report = import_file(app, path, by="bench", on_progress=advance)
            seconds = time.perf_counter() - started
    finally:
        system.close()
    if report.bad:
        raise RuntimeError(f"the synthetic file had bad records: {report.problem_lines()[:3]}")
    rows = _stored_rows(store, 1)
    return Figure(
        f"import {entries:,}-entry NDJSON, events",
        len(rows),
        seconds,
        f"sqlite3 executemany, {BATCH_SIZE} a transaction",
        _baseline(folder / "import-raw.db", rows, BATCH_SIZE),
        unit="events/s",
    )


@dataclass(frozen=True)
class _Run:
    seconds: float
    rows: list[Row]


def _timed_engine(
    path: Path,
    work: Callable[[TimelineApp, Callable[[int], None]], None],
    count: int,
    console: Console,
    label: str,
) -> _Run:
    with bootstrap(SystemConfig.from_url(f"sqlite:///{path}")) as system:
        app = seed_store(system)
        first = app.head_position() + 1
        with _progress(console, label, count) as tick:
            started = time.perf_counter()
            work(app, tick)
            seconds = time.perf_counter() - started
    return _Run(seconds, _stored_rows(path, first))


def _stored_rows(path: Path, first: int) -> list[Row]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid >= ? ORDER BY rowid",
            (first,),
        ).fetchall()


def _baseline(path: Path, rows: Sequence[Row], batch: int) -> float:
    """Insert the engine's own stored payloads with plain sqlite3, as the library's table."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        statement = "INSERT INTO stored_events VALUES (?,?,?,?)"
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            db.execute("BEGIN")
            if batch == 1:
                db.execute(statement, rows[start])
            else:
                db.executemany(statement, rows[start : start + batch])
            db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


@contextmanager
def _progress(console: Console, label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; nothing in a pipe, so figures stay readable."""
    if not console.is_terminal:
        yield lambda _: None
        return
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)
