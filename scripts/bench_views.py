"""Bench rows for the read side: replay beside a raw copy, store bytes, query latency.

The synthetic store is written raw, from the stored state of one entry the
engine recorded, varied per entry (ids, dates, actors, topics, words), so a
million-entry log takes seconds to make rather than the hours a command each
would. Only `Recorded` events and actor registrations are in it, which is
what a replay spends its time on.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from projections import Projector, Queries, TimelineFilters
from projections.audit.ledger import LedgerView
from projections.bootstrap import SystemConfig, bootstrap

__all__ = [
    "QueryFigure",
    "make_store",
    "query_figures",
    "raw_copy",
    "replay",
    "store_bytes",
    "store_url",
    "synthetic_rows",
    "write_template",
]

ACTORS = 500
TOPICS = [f"topic-{i}" for i in range(40)]
KINDS = ("meeting", "call", "statement", "statistic", "policy_action")
Tick = Callable[[int], None]


def make_store(path: Path, entries: int, tick: Tick, seed: int = 7) -> int:
    """A fresh SQLite store at `path` with `entries` synthetic entries; return the head."""
    template, topic = write_template(f"sqlite:///{path}")
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        batch = 10_000
        for start in range(0, entries - 1, batch):
            rows = synthetic_rows(template, topic, rng, min(batch, entries - 1 - start))
            db.execute("BEGIN")
            db.executemany(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                "VALUES (?, 1, ?, ?)",
                rows,
            )
            db.execute("COMMIT")
            tick(len(rows))
        head = int(db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0])
    finally:
        db.close()
    return head


def write_template(url: str) -> tuple[dict[str, Any], str]:
    """Register the actors and the source at the fresh store at `url`, record one entry
    through the engine; that entry's stored state (decoded) and topic, to vary."""
    with bootstrap(SystemConfig.from_url(url)) as system:
        app = system.app
        for i in range(ACTORS):
            app.register_actor(
                {"id": f"actor-{i}", "name": f"Actor Número {i}", "kind": "person"}, by="bench"
            )
        app.register_source({"id": "bench", "title": "Bench", "publisher": "Bench"}, by="bench")
        first = app.record_entry(_template_body(), by="bench")
        stored = app.recorder.select_notifications(start=first.position, limit=1)[0]
        template: dict[str, Any] = orjson.loads(stored.state)
        return template, stored.topic


def synthetic_rows(
    template: dict[str, Any], topic: str, rng: random.Random, count: int
) -> list[tuple[str, str, bytes]]:
    """`count` first events of entries varied from `template`: (id in hex, topic, state)."""
    return [_row(template, topic, rng) for _ in range(count)]


def store_url(store: Path | str) -> str:
    """The URL of `store`: a SQLite file's path, or a store URL as it is."""
    return f"sqlite:///{store}" if isinstance(store, Path) else store


def _template_body() -> dict[str, Any]:
    return {
        "kind": "statement",
        "title": "Template statement",
        "summary": "Recorded once by the engine; the bench varies its stored state.",
        "occurred": "2023-12-27",
        "actors": [{"actor": "actor-1", "role": "subject"}],
        "topics": ["topic-1"],
        "details": {"speaker": "actor-0", "quotes": ["A template quote."]},
        "sources": [{"source": "bench", "quote": "A template quote."}],
    }


def _row(template: dict[str, Any], topic: str, rng: random.Random) -> tuple[str, str, bytes]:
    state = dict(template)
    day = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
    shape = rng.random()
    if shape < 0.6:
        occurred = {"text": day.isoformat(), "start": day.isoformat(), "end": day.isoformat()}
    elif shape < 0.85:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        occurred = {"text": day.isoformat()[:7], "start": str(first), "end": str(last)}
    else:
        end = day + timedelta(days=rng.randrange(1, 10))
        occurred = {"text": f"{day}/{end}", "start": str(day), "end": str(end)}
    speaker, subject = rng.sample(range(ACTORS), 2)
    n = rng.randrange(1_000_000)
    state["timestamp"] = {
        "_type_": "datetime_iso",
        "_data_": f"2026-01-01T00:00:{n % 60:02d}+00:00",
    }
    state["title"] = f"Statement {n} on {rng.choice(('border', 'asylum', 'aid', 'ports'))} policy"
    state["occurred"] = {"_type_": "edtf", "_data_": occurred}
    state["actors"] = [
        {"actor": f"actor-{subject}", "role": "subject"},
        {"actor": f"actor-{speaker}", "role": "speaker"},
    ]
    state["topics"] = rng.sample(TOPICS, 2)
    state["details"] = {"speaker": f"actor-{speaker}", "quotes": [f"Quote {n}."]}
    state["citations"] = [{"source": "bench", "quote": f"Quote {n}."}]
    return uuid.uuid4().hex, topic, orjson.dumps(state)


def replay(store: Path | str, tick: Tick) -> float:
    """Seconds to rebuild every view of `store` (a SQLite file or a store URL) from
    position 0 and swap it in."""
    with bootstrap(SystemConfig.from_url(store_url(store))) as system:
        projector = Projector(system.app, system.db)
        projector.create()
        # A store's audit ledger follows its log; a replay only reads along with
        # it. The synthetic log was written without one, so it is caught up first,
        # untimed: a replay that built it too would time work a real one never does.
        Projector(system.app, system.db, views=[LedgerView]).catch_up()
        started = time.perf_counter()
        projector.rebuild(progress=tick)
        return time.perf_counter() - started


def raw_copy(path: Path, target: Path, tick: Tick, batch: int = 1000) -> float:
    """Seconds to copy the log at `path` into one table at `target`, the plain way.

    One SQL scan, orjson decode (and encode, as a view writes bodies), and
    executemany into one append-only table keyed by the log position, `batch`
    rows a transaction: the least a replay can do, the replay row's baseline.
    """
    target.unlink(missing_ok=True)
    source = sqlite3.connect(path)
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE copied (position INTEGER PRIMARY KEY, version INTEGER NOT NULL, "
            "body BLOB NOT NULL)"
        )
        started = time.perf_counter()
        scan = source.execute(
            "SELECT rowid, originator_version, state FROM stored_events ORDER BY rowid"
        )
        while rows := scan.fetchmany(batch):
            db.execute("BEGIN")
            db.executemany(
                "INSERT INTO copied VALUES (?, ?, ?)",
                [(p, v, orjson.dumps(orjson.loads(state))) for p, v, state in rows],
            )
            db.execute("COMMIT")
            tick(len(rows))
        return time.perf_counter() - started
    finally:
        source.close()
        db.close()
        for leftover in target.parent.glob(target.name + "*"):
            leftover.unlink()


def store_bytes(path: Path) -> tuple[int, int]:
    """(pages of the whole store, pages of the log's table and its indexes), in bytes.

    Counted after a checkpoint, from the pages each table and index holds
    (`dbstat`): free pages a dropped table left are not the store's size.
    """
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        total = int(db.execute("SELECT SUM(pgsize) FROM dbstat").fetchone()[0])
        log = int(
            db.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = 'stored_events')"
            ).fetchone()[0]
        )
    finally:
        db.close()
    return total, log


class QueryFigure:
    """Latency of one kind of timeline query, in milliseconds."""

    def __init__(self, name: str, samples: list[float]) -> None:
        self.name = name
        self.samples = sorted(samples)

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p99(self) -> float:
        return self.samples[min(len(self.samples) - 1, int(len(self.samples) * 0.99))] * 1000


def query_figures(
    store: Path | str, head: int, queries: int, seed: int = 11
) -> Iterator[QueryFigure]:
    """p50/p99 of a topic-filtered page of 50, now and as of a position mid-log, on
    `store` (a SQLite file or a store URL)."""
    with bootstrap(SystemConfig.from_url(store_url(store))) as system:
        ask = Queries(system.db)
        rng = random.Random(seed)
        plans = [
            (rng.choice(TOPICS), f"{rng.randrange(2000, 2024)}-{rng.randrange(1, 13):02d}")
            for _ in range(queries)
        ]
        middle = head // 2
        for name, as_of in (
            ("topic filter, now", None),
            (f"topic filter, as of {middle}", middle),
        ):
            samples = []
            for topic, start in plans:
                began = time.perf_counter()
                ask.timeline(TimelineFilters(topic=topic, start=start), as_of=as_of, limit=50)
                samples.append(time.perf_counter() - began)
            yield QueryFigure(name, samples)
