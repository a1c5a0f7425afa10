"""The tables `policy-timeline bench` prints: each row beside its baseline, with the ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from scripts.bench_http import CONNECTIONS, THREADS, HttpFigure
from scripts.bench_verify import VerifyFigure
from scripts.bench_views import QueryFigure

__all__ = ["Figure", "http_table", "latency_table", "rate_table", "verify_table"]


@dataclass(frozen=True)
class Figure:
    name: str
    count: int
    seconds: float
    baseline_name: str
    baseline_seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def baseline_rate(self) -> float:
        return self.count / self.baseline_seconds


def rate_table(figures: list[Figure], entries: int) -> Table:
    table = Table(title=f"policy-timeline bench ({entries:,} entries, SQLite, WAL)")
    for column in ("row", "engine /s", "baseline", "baseline /s", "ratio"):
        table.add_column(column, justify="left" if column in ("row", "baseline") else "right")
    for f in figures:
        table.add_row(
            f.name,
            f"{f.rate:,.0f}",
            f.baseline_name,
            f"{f.baseline_rate:,.0f}",
            f"{f.rate / f.baseline_rate:.2f}",
        )
    return table


def http_table(figure: HttpFigure, entries: int, rounds: int) -> Table:
    table = Table(
        title=f"HTTP GET {figure.target} on loopback, {entries:,} entries; "
        f"wrk -t{THREADS} -c{CONNECTIONS}, best of {rounds} x {figure.seconds} s a server, "
        f"alternating; {figure.stack}"
    )
    for column in ("row", "req/s", "p99 ms", "baseline", "req/s", "p99 ms", "ratio"):
        table.add_column(column, justify="left" if column in ("row", "baseline") else "right")
    table.add_row(
        "timeline page, one topic, 50",
        f"{figure.engine.requests_per_second:,.0f}",
        f"{figure.engine.p99_ms:.2f}",
        "bare Starlette, same bytes",
        f"{figure.bare.requests_per_second:,.0f}",
        f"{figure.bare.p99_ms:.2f}",
        f"{figure.ratio:.2f}",
    )
    table.add_row(
        "the same, page cache off",
        f"{figure.uncached.requests_per_second:,.0f}",
        f"{figure.uncached.p99_ms:.2f}",
        "bare Starlette, same bytes",
        f"{figure.bare.requests_per_second:,.0f}",
        f"{figure.bare.p99_ms:.2f}",
        f"{figure.uncached_ratio:.2f}",
    )
    return table


def latency_table(latencies: list[QueryFigure], entries: int) -> Table:
    table = Table(
        title=f"timeline queries, 50 a page, {entries:,} entries ({latencies[0].count} each)"
    )
    for column in ("query", "p50 ms", "p99 ms", "p99 / first row's p99"):
        table.add_column(column, justify="left" if column == "query" else "right")
    for figure in latencies:
        table.add_row(
            figure.name,
            f"{figure.p50:.2f}",
            f"{figure.p99:.2f}",
            f"{figure.p99 / latencies[0].p99:.2f}",
        )
    return table


def verify_table(figures: Sequence[VerifyFigure]) -> Table:
    table = Table(title="verify: the log recomputed against the audit ledger, best of rounds")
    for column in ("row", "events", "engine /s", "baseline", "baseline /s", "ratio"):
        table.add_column(column, justify="left" if column in ("row", "baseline") else "right")
    for f in figures:
        table.add_row(
            f"{f.name} ({f.entries:,} entries)",
            f"{f.events:,}",
            f"{f.rate:,.0f}",
            f.baseline_name,
            f"{f.baseline_rate:,.0f}",
            f"{f.ratio:.2f}",
        )
    return table
