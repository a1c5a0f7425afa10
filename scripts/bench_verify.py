"""Bench row for the audit: `verify` beside a plain SHA-256 over the same rows.

Both read the events table with the same SQL, in the same batches, inside one
read transaction; the baseline hashes each row's stored state and nothing
else, `verify_log` recomputes each leaf, the tree, and compares leaves, nodes
and checkpoints with the ledger. They alternate, best of `rounds` each, so
the page cache favours neither.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from projections import Projector
from projections.audit.ledger import LedgerView, StoredLog
from projections.audit.verify import BATCH, START, verify_log
from projections.bootstrap import SystemConfig, bootstrap
from projections.database import Database
from scripts.bench_views import make_store

__all__ = ["VerifyFigure", "plain_sha256", "verify_row", "verify_store"]

Tick = Callable[[int], None]


@dataclass(frozen=True)
class VerifyFigure:
    """Events verified per second beside plain SHA-256 per second, on one store."""

    entries: int
    events: int
    seconds: float
    baseline_seconds: float
    name: str = "verify the log against the ledger, events"
    baseline_name: str = "SHA-256 of each state, same SQL and batches"

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def baseline_rate(self) -> float:
        return self.events / self.baseline_seconds

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_rate


def verify_row(
    path: Path,
    entries: int,
    *,
    making: Tick | None = None,
    witnessing: Tick | None = None,
    rounds: int = 3,
) -> VerifyFigure:
    """Make a synthetic SQLite store of `entries` entries at `path`, let the ledger
    witness it, then time `verify_store` on it. `making`/`witnessing` tick progress."""
    make_store(path, entries, making or (lambda _: None))
    with bootstrap(SystemConfig.from_url(f"sqlite:///{path}")) as system:
        projector = Projector(system.app, system.db, views=[LedgerView], page=BATCH)
        projector.create()
        projector.catch_up(progress=witnessing)
    return verify_store(f"sqlite:///{path}", entries, rounds=rounds)


def verify_store(url: str, entries: int = 0, *, rounds: int = 3) -> VerifyFigure:
    """Time `verify_log` and `plain_sha256` on the store at `url`, alternating."""
    with bootstrap(SystemConfig.from_url(url)) as system:
        db = system.db
        best = best_baseline = float("inf")
        events = 0
        for _ in range(rounds):
            started = time.perf_counter()
            events = plain_sha256(db)
            best_baseline = min(best_baseline, time.perf_counter() - started)
            started = time.perf_counter()
            report = verify_log(db)
            best = min(best, time.perf_counter() - started)
            if not report.ok or report.checked != events:
                raise RuntimeError(f"the bench store did not verify: {report.to_json()}")
    return VerifyFigure(entries, events, best, best_baseline)


def plain_sha256(db: Database, batch: int = BATCH) -> int:
    """SHA-256 of each stored state, read as `verify_log` reads them; return the count."""
    log = StoredLog(db)
    sha256 = hashlib.sha256
    count = 0
    with db.read() as c:
        after = START
        while rows := log.page(c, after, batch):
            for row in rows:
                sha256(row[4]).digest()
            count += len(rows)
            after = rows[-1][0]
    return count
