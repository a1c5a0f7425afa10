"""A replay's bulk load: the log read once with plain SQL, each event decoded once.

`Projector.rebuild` makes every rebuildable view afresh beside the live one
and fills it here before the swap. The rows are those the incremental path
writes, since each view applies the changes with its own `apply`; what
differs is how the events reach them:

- The log is read with plain SQL on the views' own transaction (the same
  SQLite file or PostgreSQL database), not through the library's recorder,
  which makes a UUID and a notification of every row first. An event read
  so is decoded by `changes.decode_row`, as the recorder's would be; a page
  that does not decode so is read again through the recorder, so an event
  altered outside the engine stops the rebuild with the same error.
- One transaction holds many pages (`TRANSACTION` events, or what
  `TRANSACTION_SECONDS` allow): few commits, few tracking writes. A page
  itself stays small (`PAGE`), so the events alive at once stay few.
- The cyclic garbage collector is paused meanwhile. Each decoded event is a
  dozen dicts and lists, and the collector walked every one alive each time
  it ran: a third of the decoding at ten thousand events a page, a fifth at
  a thousand. What the load makes is freed by reference counting; it makes
  no cycles for the collector to find.
- A table a view only appends to (`View.appended`) is filled unkeyed, in log
  order, and copied into its key's order once at the end (`_unkeyed`).
- On SQLite, a clustered table a load fills at random places of its key
  (`View.packed`) is copied once more at the end, whole, into full pages
  (`_packed`): a third of its pages were left empty by the splits.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain import TimelineApp
from projections.database import Cursor, Database
from projections.views.changes import (
    Change,
    UnreadableEvent,
    decode_row,
    read_changes,
)
from projections.views.view import View

__all__ = ["PAGE", "TRANSACTION", "TRANSACTION_SECONDS", "LogScan", "bulk_load"]

PAGE = 1000
"""Events read, decoded and applied to the views at a time."""
TRANSACTION = 20_000
"""Events a transaction of the bulk load holds: its pages commit together."""
TRANSACTION_SECONDS = 4.0
"""How long a transaction of the bulk load may run before it commits, whatever it
holds: on SQLite it holds the store's one write lock, which a write waits for
(10 s by default, `SQLITE_LOCK_TIMEOUT`), on a machine however busy."""

_HEX32 = re.compile(r"[0-9a-f]{32}")
_KEYED = "__keyed"  # the suffix of an appended table's keyed table during a load
_SPARSE = "__sparse"  # the suffix of a packed table while it is copied


class LogScan:
    """The log's events after a position, read with plain SQL and decoded once."""

    def __init__(self, app: TimelineApp, db: Database) -> None:
        self.app = app
        key = db.dialect.log_position
        self._select = (
            f"SELECT {key}, originator_id, originator_version, topic, state "
            f"FROM {db.log_table} WHERE {key} > ? AND {key} <= ? ORDER BY {key} LIMIT ?"
        )

    def page(self, c: Cursor, after: int, limit: int, until: int | None = None) -> list[Change]:
        """Up to `limit` events after `after` (up to `until`); raise UnreadableEvent."""
        c.execute(self._select, (after, 2**62 if until is None else until, limit))
        rows = c.fetchall()
        try:
            return [
                decode_row(int(p), _uuid_text(i), int(v), str(t), _stored(s))
                for p, i, v, t, s in rows
            ]
        except (UnreadableEvent, ValueError, TypeError):
            # The recorder's read names the event at fault, as a catch-up would.
            return read_changes(self.app.recorder, after, limit, until)


def _uuid_text(value: Any) -> str:
    """An originator id as the recorder gives it, `str(UUID)`, from the log's column."""
    if isinstance(value, str) and _HEX32.fullmatch(value):  # SQLite: the UUID's hex
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, UUID) else UUID(value))


def _stored(value: Any) -> bytes:
    if isinstance(value, memoryview):
        return bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"a state stored as {type(value).__name__}")
    return value


def bulk_load(
    app: TimelineApp,
    db: Database,
    views: Sequence[View],
    *,
    until: int | None = None,
    progress: Callable[[int], None] | None = None,
    page: int = PAGE,
    transaction: int = TRANSACTION,
    fresh: Sequence[View] = (),
    log: Database | None = None,
    pack: bool = True,
) -> int:
    """Apply every event after the views' position (up to `until`) to `views`, `page`
    events at a time, `transaction` or so a commit; return the position reached.
    Each view skips what it already holds, as in a catch-up. Raise UnreadableEvent
    at an event altered outside the engine past reading.

    `fresh` are those of `views` made empty for this load: their `appended`
    tables are filled unkeyed and keyed at the end, and their `packed` ones
    copied whole unless `pack` is false (they are copied elsewhere after).
    `log` is the database the log is read from when it is not `db` (a scratch
    file of `projections.beside`): each page is read on its own there.
    """
    scan = LogScan(app, log or db)
    with db.read() as c:
        position = min(view._position(c) for view in views)
    with _collector_paused(), _packed(db, fresh if pack else ()), _unkeyed(db, fresh):
        while True:
            with db.write() as c:
                held, began = 0, time.monotonic()
                while held < transaction and time.monotonic() - began < TRANSACTION_SECONDS:
                    if log is None:
                        changes = scan.page(c, position, page, until)
                    else:
                        with log.read() as r:
                            changes = scan.page(r, position, page, until)
                    if not changes:
                        return position
                    tracking = Tracking(app.name, changes[-1].position)
                    for view in views:
                        view.process(c, changes, tracking)
                    position = changes[-1].position
                    held += len(changes)
                    if progress is not None:
                        progress(len(changes))


@contextmanager
def _unkeyed(db: Database, views: Sequence[View]) -> Iterator[None]:
    """Let `views` insert into their `appended` tables in log order, unkeyed, and
    into their `rekeyed` tables in the form `View.load_statements` gives; then
    copy each into its own table in the key's order, in one pass (`View.load_copy`).

    Keyed by entry, such a table took each row at a random place of its B-tree,
    and each commit wrote most of the tree's pages again: at a million entries,
    gigabytes through the WAL. A table left so by a load that failed is dropped
    by the next rebuild, with the view's other tables.
    """
    # (table, the statement that copies it into its keyed table, its load form's statements)
    tables: list[tuple[str, str, list[str]]] = []
    loading = []
    for view in views:
        for table, key in view.appended:
            name = view.t(table)
            tables.append((name, View.load_copy(view, table, name, name + _KEYED, key), []))
        for table, key in view.rekeyed:
            name = view.t(table)
            if statements := view.load_statements(table, name):
                tables.append((name, view.load_copy(table, name, name + _KEYED, key), statements))
                loading.append(view)
    if not tables:
        yield
        return
    with db.schema_change() as c:
        for table, _, statements in tables:
            c.execute(f"DROP TABLE IF EXISTS {table}{_KEYED}")
            c.execute(f"ALTER TABLE {table} RENAME TO {table}{_KEYED}")
            # An appended table: the same columns, no key.
            for statement in statements or [
                f"CREATE TABLE {table} AS SELECT * FROM {table}{_KEYED} WHERE 1 = 0"
            ]:
                c.execute(statement)
    for view in loading:
        view.loading = True
    try:
        yield
    finally:
        for view in loading:
            view.loading = False
    with db.schema_change() as c:
        for table, copy, _ in tables:
            c.execute(copy)
            c.execute(f"DROP TABLE {table}")
            c.execute(f"ALTER TABLE {table}{_KEYED} RENAME TO {table}")


@contextmanager
def _packed(db: Database, views: Sequence[View]) -> Iterator[None]:
    """Once `views` are loaded, copy each of their `packed` tables into a fresh one of
    the same definition, on SQLite: a copy of a whole table into an empty one of
    the same key (and no index yet, the read indexes come later) is SQLite's
    transfer, which writes B-tree pages full, in key order, as VACUUM does."""
    tables = [view.t(table) for view in views for table in view.packed]
    yield
    if not tables or not db.dialect.clustered:
        return
    with db.schema_change() as c:
        for table in tables:
            c.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type = 'index' "
                "AND sql IS NOT NULL",
                (table,),
            )
            if c.fetchone() is not None:  # the copy would leave an index behind
                continue
            c.execute("SELECT sql FROM sqlite_master WHERE name = ? AND type = 'table'", (table,))
            definition = str(c.fetchone()[0])
            c.execute(f"ALTER TABLE {table} RENAME TO {table}{_SPARSE}")
            c.execute(definition)
            c.execute(f"INSERT INTO {table} SELECT * FROM {table}{_SPARSE}")
            c.execute(f"DROP TABLE {table}{_SPARSE}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Process-wide, as the collector is: another thread's cycles wait for the
    # end of the load. A load inside another leaves it paused for the outer one.
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
