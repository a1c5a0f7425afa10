"""The tables `policy-timeline bench` prints: each row beside its baseline, with the ratio.

Each is a `Section` of `Row`s (scripts/bench_report.py), so `--json` writes
what is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scripts.bench_http import CONNECTIONS, THREADS, HttpFigure, WrkRun
from scripts.bench_report import Column, Row, Section
from scripts.bench_startup import BASELINE, TARGET_SECONDS, StartupFigure
from scripts.bench_verify import VerifyFigure
from scripts.bench_views import QueryFigure

__all__ = [
    "Figure",
    "StorageFigure",
    "http_table",
    "latency_table",
    "rate_table",
    "startup_table",
    "storage_table",
    "verify_table",
]


@dataclass(frozen=True)
class Figure:
    name: str
    count: int
    seconds: float
    baseline_name: str
    baseline_seconds: float
    unit: str = "entries/s"

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def baseline_rate(self) -> float:
        return self.count / self.baseline_seconds

    def row(self) -> Row:
        return Row(
            self.name,
            self.unit,
            {"per_second": self.rate, "count": self.count, "seconds": self.seconds},
            self.baseline_name,
            {"per_second": self.baseline_rate, "seconds": self.baseline_seconds},
            self.rate / self.baseline_rate,
        )


@dataclass(frozen=True)
class StorageFigure:
    """Bytes of a replayed store beside those of its log's own table and indexes."""

    entries: int
    store_bytes: int
    log_bytes: int

    def row(self) -> Row:
        return Row(
            f"store of {self.entries:,} entries",
            "bytes",
            {"bytes": self.store_bytes},
            "the log's table and its indexes",
            {"bytes": self.log_bytes},
            self.store_bytes / self.log_bytes,
            "at most 3",
        )


def storage_table(figures: Sequence[StorageFigure]) -> Section:
    # The one ratio where less is better: the store's bytes over the log's.
    return Section(
        "bytes on disk after a replay: the whole store (log, views, ledger, indexes)",
        (
            Column("row", "name"),
            Column("store MB", "figures.bytes", ",.1f", scale=1e-6),
            Column("baseline", "baseline"),
            Column("baseline MB", "baseline_figures.bytes", ",.1f", scale=1e-6),
            Column("store / log", "ratio", ".2f"),
            Column("target", "target"),
        ),
        [f.row() for f in figures],
    )


_RATE_COLUMNS = (
    Column("engine /s", "figures.per_second", ",.0f"),
    Column("baseline", "baseline"),
    Column("baseline /s", "baseline_figures.per_second", ",.0f"),
    Column("ratio", "ratio", ".2f"),
)


def rate_table(figures: list[Figure], entries: int, store: str = "SQLite, WAL") -> Section:
    return Section(
        f"policy-timeline bench ({entries:,} entries, {store})",
        (Column("row", "name"), *_RATE_COLUMNS),
        [f.row() for f in figures],
    )


def http_table(figure: HttpFigure, entries: int, rounds: int) -> Section:
    def row(
        name: str, engine: WrkRun, baseline: str, base: WrkRun, ratio: float, target: str | None
    ) -> Row:
        return Row(
            name,
            "req/s",
            {"per_second": engine.requests_per_second, "p99_ms": engine.p99_ms},
            baseline,
            {"per_second": base.requests_per_second, "p99_ms": base.p99_ms},
            ratio,
            target,
        )

    rows = [
        row(
            "timeline page, one topic, 50",
            figure.engine,
            "bare Starlette, same bytes",
            figure.bare,
            figure.ratio,
            None,
        ),
        row(
            f"page cache off, a mix of {figure.mix} URLs",
            figure.uncached,
            "bare Starlette, same bytes a URL",
            figure.mix_bare,
            figure.uncached_ratio,
            ">= 0.5",
        ),
    ]
    if figure.workers_runs:
        rows.append(
            row(
                f"serve --workers {figure.workers}, the mix, cache off",
                figure.serve_workers,
                "serve, one worker, the same",
                figure.serve,
                figure.workers_ratio,
                ">= 1.6",
            )
        )
    return Section(
        f"HTTP GET {figure.target} on loopback, {entries:,} entries; "
        f"wrk -t{THREADS} -c{CONNECTIONS}, best of {rounds} x {figure.seconds} s a server, "
        f"alternating; {figure.stack}",
        (
            Column("row", "name"),
            Column("req/s", "figures.per_second", ",.0f"),
            Column("p99 ms", "figures.p99_ms", ".2f"),
            Column("baseline", "baseline"),
            Column("req/s", "baseline_figures.per_second", ",.0f"),
            Column("p99 ms", "baseline_figures.p99_ms", ".2f"),
            Column("ratio", "ratio", ".2f"),
        ),
        rows,
        # The box may be shared: only ratios within one run compare.
        note="load average while measured: " + " ".join(f"{n:.2f}" for n in figure.load),
    )


def latency_table(latencies: list[QueryFigure], entries: int) -> Section:
    first = latencies[0]
    return Section(
        f"timeline queries, 50 a page, {entries:,} entries ({first.count} each)",
        (
            Column("query", "name"),
            Column("p50 ms", "figures.p50_ms", ".2f"),
            Column("p99 ms", "figures.p99_ms", ".2f"),
            Column("p99 / first row's p99", "ratio", ".2f"),
        ),
        [
            Row(
                f.name,
                "ms",
                {"p50_ms": f.p50, "p99_ms": f.p99, "count": f.count},
                first.name,
                {"p99_ms": first.p99},
                f.p99 / first.p99,
            )
            for f in latencies
        ],
    )


def verify_table(figures: Sequence[VerifyFigure]) -> Section:
    return Section(
        "verify: the log recomputed against the audit ledger, best of rounds",
        (Column("row", "name"), Column("events", "figures.count", ","), *_RATE_COLUMNS),
        [
            Row(
                f"{f.name} ({f.entries:,} entries)",
                "events/s",
                {"per_second": f.rate, "count": f.events, "seconds": f.seconds},
                f.baseline_name,
                {"per_second": f.baseline_rate, "seconds": f.baseline_seconds},
                f.ratio,
            )
            for f in figures
        ],
    )


def startup_table(figures: Sequence[StartupFigure]) -> Section:
    return Section(
        f"start-up: spawn to first byte on stdout, median of {figures[0].runs} runs; "
        f"target: at most {TARGET_SECONDS} s beyond {BASELINE}",
        (
            Column("row", "name"),
            Column("seconds", "figures.seconds", ".3f"),
            Column("baseline", "baseline"),
            Column("seconds", "baseline_figures.seconds", ".3f"),
            Column("beyond", "figures.beyond_seconds", ".3f"),
            Column("ratio", "ratio", ".2f"),
            Column("target", "target"),
        ),
        [
            Row(
                f.name,
                "seconds",
                {"seconds": f.seconds, "beyond_seconds": f.beyond, "runs": f.runs},
                BASELINE,
                {"seconds": f.baseline_seconds},
                f.baseline_seconds / f.seconds,
                f"{'met' if f.met else 'missed'} (<= {TARGET_SECONDS} s)",
            )
            for f in figures
        ],
    )
