"""`policy-timeline bench`: figures beside a baseline measured in the same run.

Every row times the engine and a plain baseline doing the same storage work
on the same machine, now, and prints their ratio. The stores are fresh
SQLite files in a temporary folder, whatever --db says, so runs compare;
with `--store postgresql` the rows that apply to a server run again on
fresh PostgreSQL databases, beside the same baselines done on PostgreSQL
(scripts/bench_postgres.py), each section naming its store.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.progress import Progress

from domain import TimelineApp
from domain.import_formats import count_lines
from domain.importing import BATCH_SIZE, import_file
from projections import Projector
from projections.bootstrap import System, SystemConfig, bootstrap
from projections.presentation.exports import FORMATS
from scripts.bench_export import ExportFigure, export_figures, export_table
from scripts.bench_http import HttpFigure, http_row, wrk_available
from scripts.bench_import import write_synthetic_file
from scripts.bench_postgres import postgres_server
from scripts.bench_report import Section, write_json
from scripts.bench_startup import StartupFigure, startup_figures
from scripts.bench_stores import EventRow, SQLiteStores, Stores
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
from scripts.bench_views import QueryFigure, query_figures, replay

__all__ = ["add_parser", "build", "import_row", "run", "synthetic_entries"]

COMMAND_WORK = 0.0002
"""Seconds of CPU a command spends before its commit (validation, events, encoding),
about what cProfile shows of `record_entry` on SQLite outside its commit (0.17 ms)."""


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
        "--store",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=["sqlite"],
        help="the backends to measure on, in turn, each row beside its baseline on the "
        "same backend (default: sqlite; the signed-checkpoint rows are SQLite's only)",
    )
    parser.add_argument(
        "--postgres-url",
        metavar="URL",
        default=None,
        help="the PostgreSQL server for --store postgresql, as a URL whose user may create "
        "databases: the bench makes a fresh one per store and drops it (default: a "
        "throwaway server started for the run, with PostgreSQL's initdb)",
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
    sections: list[Section] = []
    engine_errors: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="timeline-bench-") as folder:
        for backend in dict.fromkeys(args.store):  # each once, in the order given
            with _stores(backend, Path(folder), args.postgres_url) as stores:
                measured, errors = _measure(
                    stores, args, sizes, http_seconds, Path(folder), console
                )
            sections += measured
            if errors:
                engine_errors[stores.label] = errors
    for section in sections:
        console.print(section.table())
        if section.note:
            console.print(section.note)
    if args.json is not None:
        write_json(args.json, sections, _settings(args))
    for label, errors in engine_errors.items():
        console.print(
            f"The engine on {label} answered {errors:,} requests with an error or none: "
            "its HTTP figures are not valid."
        )
    return 1 if engine_errors else 0


@contextmanager
def _stores(backend: str, folder: Path, postgres_url: str | None) -> Iterator[Stores]:
    if backend == "sqlite":
        yield SQLiteStores(folder)
        return
    with postgres_server(postgres_url) as server:
        yield server


def _measure(
    stores: Stores,
    args: argparse.Namespace,
    sizes: list[int],
    http_seconds: int,
    folder: Path,
    console: Console,
) -> tuple[list[Section], int]:
    """Every row on the backend of `stores`; its sections, and the engine's HTTP errors."""
    figures: list[Figure] = []
    latencies: list[QueryFigure] = []
    exports: list[ExportFigure] = []
    verified: list[VerifyFigure] = []
    http: HttpFigure | None = None
    stored: list[StorageFigure] = []
    trusted: list[Figure] = []
    started: list[StartupFigure] = []
    if args.startup_runs > 0:
        with stores.store("startup") as url:
            build(stores, url, 1_000, console)
            with console.status("start-up, --help and export's first byte", spinner="dots"):
                started = startup_figures(url, args.startup_runs, folder / "startup-bytecode")
    # Signing writes checkpoints to files beside a SQLite store: those rows are SQLite's.
    if args.trust_entries > 0 and isinstance(stores, SQLiteStores):
        with console.status(f"signed checkpoints, {args.trust_entries:,} entries", spinner="dots"):
            bodies = list(synthetic_entries(args.trust_entries))
            trusted = list(trust_rows(folder, args.trust_entries, bodies, seed))
    if args.entries > 0:
        figures.extend(record_rows(stores, args.entries, args.batch_size, console))
    imported = args.entries * 10 if args.import_entries is None else args.import_entries
    if imported > 0:
        figures.append(import_row(stores, folder, imported, console))
    for entries in sizes:
        with stores.store(f"views-{entries}") as url:
            replayed = replay_row(stores, url, entries, console)
            figures.append(replayed)
            stored.append(StorageFigure(entries, *stores.store_bytes(url)))
            # The replay left every view at the head, the ledger included.
            if args.verify_rounds > 0:
                with console.status(f"verify, {entries:,} entries", spinner="dots"):
                    verified.append(verify_store(url, entries, rounds=args.verify_rounds))
            if args.export_formats:
                with console.status(f"exports, {entries:,} entries", spinner="dots"):
                    exports += export_figures(url, entries, args.export_formats)
            if entries == sizes[-1]:
                # The largest store, views built, serves the read rows: no second build.
                if args.queries > 0:
                    latencies = list(query_figures(url, replayed.count, args.queries))
                if http_seconds > 0:
                    with console.status(
                        f"wrk, {args.http_rounds} x {http_seconds} s a server", spinner="dots"
                    ):
                        http = http_row(url, http_seconds, args.http_rounds)
    sections: list[Section] = []
    if figures:
        sections.append(rate_table(figures, args.entries, stores.label))
    if trusted:
        sections.append(rate_table(trusted, args.trust_entries, stores.label))
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
    return [_on(stores, section) for section in sections], (
        http.engine_errors if http is not None else 0
    )


def _on(stores: Stores, section: Section) -> Section:
    """`section` as measured on `stores`' backend, its title naming it (SQLite's tables
    say so where it matters, as they did before there was a second backend)."""
    title = section.title
    if stores.name != "sqlite" and stores.label not in title:
        title = f"{stores.label}: {title}"
    return dataclasses.replace(section, title=title, store=stores.name)


def build(stores: Stores, url: str, entries: int, console: Console) -> int:
    """The synthetic log of `entries` entries in the fresh store at `url`, every view
    caught up; the head."""
    with _progress(console, f"writing a log of {entries:,} entries", entries) as tick:
        head = stores.make_store(url, entries, tick)
    with bootstrap(SystemConfig.from_url(url)) as system:
        projector = Projector(system.app, system.db, page=10_000)
        projector.create()
        with _progress(console, f"catching the views up to {head:,}", head) as tick:
            projector.catch_up(progress=tick)
    return head


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The options the run was given, so runs with the same can be compared (not --db:
    the bench makes its own stores)."""
    skipped = ("run", "json", "db", "command")
    settings = {k: v for k, v in vars(args).items() if k not in skipped and not callable(v)}
    if settings.get("postgres_url"):
        # A report is shared: the server's address, never its password.
        parts = urlsplit(settings["postgres_url"])
        if parts.password:
            host = parts.netloc.rpartition("@")[2]
            netloc = f"{parts.username}:***@{host}"
            settings["postgres_url"] = urlunsplit(parts._replace(netloc=netloc))
    return settings


def replay_row(stores: Stores, url: str, entries: int, console: Console) -> Figure:
    """Replay a synthetic log into the views of the fresh store at `url`, beside a raw
    copy; count events."""
    with _progress(console, f"writing a {entries:,}-entry log", entries) as tick:
        head = stores.make_store(url, entries, tick)
    with _progress(console, f"replaying {head:,} events", head) as tick:
        replayed = replay(url, tick)
    with _progress(console, f"raw copy of {head:,} events", head) as tick:
        raw = stores.raw_copy(url, tick)
    return Figure(
        f"replay {entries:,} entries, events",
        head,
        replayed,
        stores.copy_baseline,
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


def record_rows(stores: Stores, count: int, batch: int, console: Console) -> Iterator[Figure]:
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
        stores, "single", one_at_a_time, count, console, "one command at a time"
    )
    with stores.store("single-raw") as url:
        baseline = stores.insert_rows(url, single.rows, 1)
    yield Figure(
        "record entries, one command each",
        count,
        single.seconds,
        stores.single_baseline,
        baseline,
    )
    # A disk may flush a commit that follows another at once far faster than one
    # that follows any work (on the machine of the README's tables: 0.09 ms
    # back to back, 0.4-1 ms after 0.05-1 ms of work), so the bare baseline
    # times the disk's coalescing as much as sqlite3. Beside it, the same
    # inserts with a command's own CPU before each commit say which is which.
    with stores.store("paced-raw") as url:
        paced = stores.insert_rows(url, single.rows, 1, work=COMMAND_WORK)
    yield Figure(
        "record entries, one command each, beside paced commits",
        count,
        single.seconds,
        f"{stores.single_baseline}, {COMMAND_WORK * 1000:.1f} ms of CPU before each",
        paced,
    )
    batched = _timed_engine(stores, "batch", in_batches, count, console, f"batches of {batch}")
    with stores.store("batch-raw") as url:
        baseline = stores.insert_rows(url, batched.rows, batch)
    yield Figure(
        f"record entries, batches of {batch}",
        count,
        batched.seconds,
        stores.batch_baseline.format(batch=batch),
        baseline,
    )


def import_row(stores: Stores, folder: Path, entries: int, console: Console) -> Figure:
    """`policy-timeline import` of a synthetic NDJSON file, beside executemany of its rows."""
    path = folder / "import.ndjson"
    write_synthetic_file(path, entries)
    with stores.store("import") as url:
        system = bootstrap(SystemConfig.from_url(url))
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
        rows = stores.stored_rows(url, 1)
    with stores.store("import-raw") as url:
        baseline = stores.insert_rows(url, rows, BATCH_SIZE)
    return Figure(
        f"import {entries:,}-entry NDJSON, events",
        len(rows),
        seconds,
        stores.batch_baseline.format(batch=BATCH_SIZE),
        baseline,
        unit="events/s",
    )


@dataclass(frozen=True)
class _Run:
    seconds: float
    rows: list[EventRow]


def _timed_engine(
    stores: Stores,
    name: str,
    work: Callable[[TimelineApp, Callable[[int], None]], None],
    count: int,
    console: Console,
    label: str,
) -> _Run:
    with stores.store(name) as url:
        with bootstrap(SystemConfig.from_url(url)) as system:
            app = seed_store(system)
            first = app.head_position() + 1
            with _progress(console, label, count) as tick:
                started = time.perf_counter()
                work(app, tick)
                seconds = time.perf_counter() - started
        return _Run(seconds, stores.stored_rows(url, first))


@contextmanager
def _progress(console: Console, label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; nothing in a pipe, so figures stay readable."""
    if not console.is_terminal:
        yield lambda _: None
        return
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)
