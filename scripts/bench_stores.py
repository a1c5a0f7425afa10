"""Where the bench's rows run: fresh stores of one backend, and that backend's baselines.

`policy-timeline bench` measures the same rows on SQLite and on PostgreSQL;
what differs is behind `Stores`: how a fresh store is made and removed, how
a synthetic log is written into it raw, and the plain baselines (inserting
the engine's own stored rows, copying the log, weighing the store), each on
the backend its engine row ran on, so a ratio compares like with like.
`SQLiteStores` is here; `PostgresStores` is in scripts/bench_postgres.py.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from scripts.bench_views import make_store, raw_copy, store_bytes

__all__ = ["EventRow", "SQLiteStores", "Stores", "spin"]

# originator id, version, topic, state: a stored event as the engine wrote it.
EventRow = tuple[object, int, str, bytes]
Tick = Callable[[int], None]


class Stores(Protocol):
    """Fresh stores on one backend, and the baselines measured on the same backend."""

    @property
    def name(self) -> str:
        """The backend, as sections name their store: `sqlite` or `postgresql`."""

    @property
    def label(self) -> str:
        """The backend as the tables' titles name it (`SQLite, WAL`, `PostgreSQL 15.10`)."""

    @property
    def single_baseline(self) -> str:
        """What the one-row-a-transaction baseline is, as its row says."""

    @property
    def batch_baseline(self) -> str:
        """What the many-rows-a-transaction baseline is; `{batch}` is the batch size."""

    @property
    def copy_baseline(self) -> str:
        """What the replay's baseline, the raw copy of the log, is."""

    def store(self, name: str) -> AbstractContextManager[str]:
        """A fresh, empty store's URL, removed when the block is left."""

    def make_store(self, url: str, entries: int, tick: Tick) -> int:
        """The bench's synthetic log of `entries` entries in the fresh store at `url`,
        written raw; its head position."""

    def stored_rows(self, url: str, first: int) -> list[EventRow]:
        """The stored events of `url` from log position `first` on, in order."""

    def insert_rows(
        self, url: str, rows: Sequence[EventRow], batch: int, work: float = 0.0
    ) -> float:
        """Seconds to insert `rows` plainly into a table shaped as the library's, in the
        fresh store at `url`, `batch` rows a transaction (1: one INSERT each), with
        `work` seconds of CPU spent before each transaction (counted in)."""

    def raw_copy(self, url: str, tick: Tick) -> float:
        """Seconds to copy the log of `url` into one plain table, which is then removed."""

    def store_bytes(self, url: str) -> tuple[int, int]:
        """Bytes of the whole store at `url`, and of its log's table with its indexes."""


class SQLiteStores:
    """Stores as SQLite files in `folder`; baselines with the standard library's sqlite3."""

    name = "sqlite"
    label = "SQLite, WAL"
    single_baseline = "sqlite3, one row per transaction"
    batch_baseline = "sqlite3 executemany, {batch} a transaction"
    copy_baseline = "raw copy: SQL scan, orjson, executemany, 1,000 a transaction"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def store(self, name: str) -> Iterator[str]:
        path = self.folder / f"{name}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for leftover in self.folder.glob(f"{name}.db*"):
                leftover.unlink()

    def make_store(self, url: str, entries: int, tick: Tick) -> int:
        return make_store(_path(url), entries, tick)

    def stored_rows(self, url: str, first: int) -> list[EventRow]:
        with sqlite3.connect(_path(url)) as db:
            return db.execute(
                "SELECT originator_id, originator_version, topic, state FROM stored_events "
                "WHERE rowid >= ? ORDER BY rowid",
                (first,),
            ).fetchall()

    def insert_rows(
        self, url: str, rows: Sequence[EventRow], batch: int, work: float = 0.0
    ) -> float:
        db = sqlite3.connect(_path(url), isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
                "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
            )
            statement = "INSERT INTO stored_events VALUES (?,?,?,?)"
            started = time.perf_counter()
            for start in range(0, len(rows), batch):
                spin(work)
                db.execute("BEGIN")
                if batch == 1:
                    db.execute(statement, rows[start])
                else:
                    db.executemany(statement, rows[start : start + batch])
                db.execute("COMMIT")
            return time.perf_counter() - started
        finally:
            db.close()

    def raw_copy(self, url: str, tick: Tick) -> float:
        path = _path(url)
        return raw_copy(path, path.with_name(path.name + ".copy"), tick)

    def store_bytes(self, url: str) -> tuple[int, int]:
        return store_bytes(_path(url))


def spin(seconds: float) -> None:
    """Keep the CPU busy for `seconds`, as a command's own work before its commit does:
    a sleep would leave the core idle, which is not what is being modelled."""
    if seconds <= 0:
        return
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))
