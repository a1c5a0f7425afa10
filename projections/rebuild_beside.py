"""A replay's second process: the views other than the timeline, loaded beside it.

A bulk load (`projections.rebuild`) is one core's work: Python decodes each
event and turns it into rows. The timeline takes about as long to load as all
the other views together (at 100,000 entries on the bench's machine, 14.4 s
against 9.3 s), so a replay of a large log loads the timeline in its own
process and the other views in a second one, started here. Each reads and
decodes the log for itself, up to the same position.

- On SQLite, which lets one writer at a time into a file, the second process
  loads its views into a scratch file beside the store: no journal, no waiting
  for the disk, since it is thrown away if anything fails. When both are done
  the first copies them in (`copy_into`). A copy of a whole table into an empty
  one of the same definition is SQLite's transfer: it copies the records as
  they are and writes the pages full, as `rebuild._packed` would have.
- On PostgreSQL the second process loads its views into the store itself.

The second process is a child interpreter (`python -m projections.rebuild_worker`),
as the import's worker is: a fork would copy this process's threads and open
connections (a server's), and multiprocessing's spawn runs the caller's main
module again. It stops when it finds this process gone, so a replay killed
midway leaves nothing running. A log too short to be worth a
process's start (about a second of imports) is loaded in one (`BESIDE_FROM`).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from domain import SQLiteConfig, StoreConfig
from projections.database import Database, SQLiteDatabase, usable_cores
from projections.views.view import TRACKING_TABLE, View

__all__ = ["BESIDE_FROM", "SCRATCH_SUFFIX", "LoadBeside", "Order"]

BESIDE_FROM = 20_000
"""Events to load, at least, for a second process to be worth its start."""
SCRATCH_SUFFIX = ".rebuild-scratch"
"""The scratch file's name: the store's, with this after it."""


@dataclass(frozen=True)
class Order:
    """What the second process is asked to do (`projections.rebuild_worker`)."""

    store: StoreConfig
    views: tuple[str, ...]
    suffix: str
    until: int
    scratch: str | None
    parent: int


class LoadBeside:
    """The second process of one replay: `start` it, load the rest here, then `finish`.

    A `LoadBeside` that does not finish (this process's load failed) stops
    its process when it is closed.
    """

    def __init__(self, db: Database, views: Sequence[View], suffix: str, until: int) -> None:
        store = db.store
        if store is None:
            raise ValueError("a second process needs a store it can open again")
        self.db = db
        self.views = list(views)
        scratch = None
        if isinstance(store, SQLiteConfig):
            scratch = store.name + SCRATCH_SUFFIX
            Path(scratch).unlink(missing_ok=True)  # a killed replay's
        self.scratch = scratch
        self._order = Order(
            store, tuple(view.name for view in self.views), suffix, until, scratch, os.getpid()
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None

    @staticmethod
    def possible(db: Database, views: Sequence[View]) -> bool:
        """Whether a second process can load `views`: some, and a store it can open too."""
        store = db.store
        if store is None or (isinstance(store, SQLiteConfig) and store.in_memory):
            return False  # a memory database lives in this process only
        return bool(views)

    @staticmethod
    def worthwhile(db: Database, views: Sequence[View], events: int) -> bool:
        """Whether a second process would load `views` sooner than this one alone:
        possible, `events` enough to pay for its start, and two cores."""
        return LoadBeside.possible(db, views) and events >= BESIDE_FROM and usable_cores() > 1

    def start(self) -> None:
        root = str(Path(__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close`
        self._process = subprocess.Popen(
            [sys.executable, "-m", "projections.rebuild_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, path]))},
        )
        assert self._process.stdin is not None  # PIPE was asked for
        with self._process.stdin as order:
            pickle.dump(self._order, order)

    def finish(self) -> int:
        """Wait for the second process; copy its views in (SQLite); return the position
        it reached. Raise what it raised."""
        assert self._process is not None, "not started"
        assert self._process.stdout is not None  # PIPE was asked for
        answer = self._process.stdout.read()
        code = self._process.wait()
        try:
            outcome, value = pickle.loads(answer)
        except (EOFError, pickle.UnpicklingError):  # it died without a word
            raise RuntimeError(
                f"the replay's second process ended with exit code {code}: {self._said()}"
            ) from None
        if outcome == "error":
            raise value
        if self.scratch is not None:
            self._copy_in(self.scratch)
            Path(self.scratch).unlink(missing_ok=True)
        return int(value)

    def _copy_in(self, scratch: str) -> None:
        # The views' tables, empty and made here alike (`Projector.create`), take the
        # scratch file's rows whole; their tracking rows come with them.
        assert isinstance(self.db, SQLiteDatabase)  # only SQLite loads into a scratch file
        names = [view.tracking_name for view in self.views]
        with self.db.attached(scratch, "beside") as c:
            for view in self.views:
                for table in view.tables:
                    # A fresh table's first rows (the scratch file's has them too).
                    name = view.t(table)
                    c.execute(f"DELETE FROM main.{name}")
                    c.execute(f"INSERT INTO main.{name} SELECT * FROM beside.{name}")
            c.execute(
                f"INSERT INTO main.{TRACKING_TABLE} (view, application, position) "
                f"SELECT view, application, position FROM beside.{TRACKING_TABLE} "
                f"WHERE view IN ({', '.join('?' for _ in names)}) "
                "ON CONFLICT (view, application) DO UPDATE SET position = excluded.position",
                names,
            )

    def _said(self) -> str:
        """The last lines the second process wrote to its standard error."""
        if self._errors is None:
            return ""
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace").strip()[-2000:]

    def close(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            assert self._process.stdout is not None
            self._process.stdout.close()
        if self._errors is not None:
            self._errors.close()
        if self.scratch is not None:
            Path(self.scratch).unlink(missing_ok=True)

    def __enter__(self) -> LoadBeside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
