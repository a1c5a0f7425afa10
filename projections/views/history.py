"""Entry versions: every event on an entry, as its history lists it.

The `recorded` item's `changes` are the fields of the entry's first version,
which the timeline holds: stored here as null, and filled in from there as
the history is read (`entries.recorded_item`), so a store keeps them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import orjson

from domain import Actor, Entry, Source
from projections.database import Cursor
from projections.views.changes import Change
from projections.views.entries import (
    HISTORY_EVENTS,
    history_item,
    link_body,
)
from projections.views.handlers import Handlers
from projections.views.view import View

__all__ = ["EntryHistoryView"]

Rows = list[tuple[Any, ...]]
_key = itemgetter(0, 1)


def _row(change: Change, item: dict[str, Any]) -> tuple[Any, ...]:
    return (change.originator_id, change.version, change.position, orjson.dumps(item))


def _recorded(rows: Rows, change: Change) -> None:
    rows.append(_row(change, {**history_item(change), "changes": None}))


def _changed(rows: Rows, change: Change) -> None:
    rows.append(_row(change, history_item(change)))


def _reshaped(item: dict[str, Any], stored: int) -> dict[str, Any]:
    if item["event"] == "recorded":
        return {**item, "changes": None}
    links = [link_body(k["relation"], k["target"]) for k in item["changes"]["links"]]
    return {**item, "changes": {**item["changes"], "links": links}}


HANDLERS = Handlers[Rows](
    "entry_history",
    {Entry.Recorded: _recorded, **dict.fromkeys(HISTORY_EVENTS - {Entry.Recorded}, _changed)},
    ignore=(Actor.Event, Source.Event),
)


class EntryHistoryView(View):
    name = "entry_history"
    tables = ("entry_history",)
    appended = (("entry_history", "entry_id, version"),)
    packed = ("entry_history",)
    events = HANDLERS
    shape = 3
    """2: a `linked` item's link names its other entry `entry` (`entries.link_body`);
    3: a `recorded` item's `changes` are null, read from the timeline's first version."""

    def reshape(self, c: Cursor, stored: int) -> None:
        """Name the other entry of each `linked` item's link `entry` (below 2), and
        drop each `recorded` item's copy of the entry's fields (below 3), in place:
        the item holds all it needs, so the history need not be rebuilt from the log."""
        table = self.t("entry_history")
        after: tuple[str, int] = ("", 0)
        while True:  # a page at a time: the items of a large store do not fit in memory
            c.execute(
                f"SELECT entry_id, version, item FROM {table} "
                "WHERE entry_id > ? OR (entry_id = ? AND version > ?) "
                "ORDER BY entry_id, version LIMIT 1000",
                (after[0], after[0], after[1]),
            )
            rows = c.fetchall()
            if not rows:
                return
            items = [(e, v, orjson.loads(bytes(raw))) for e, v, raw in rows]
            reshaped = [
                (orjson.dumps(_reshaped(item, stored)), e, v)
                for e, v, item in items
                if (item["event"] == "linked" and stored < 2)
                or (item["event"] == "recorded" and stored < 3)
            ]
            c.executemany(
                f"UPDATE {table} SET item = ? WHERE entry_id = ? AND version = ?", reshaped
            )
            after = (str(rows[-1][0]), int(rows[-1][1]))

    def create_statements(self, token: str) -> list[str]:
        return [
            f"CREATE TABLE {self.t('entry_history')} ("
            "entry_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, "
            f"item {self.blob} NOT NULL, PRIMARY KEY (entry_id, version)){self.clustered}"
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [("entry_history", "entry_id, version")]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        rows: Rows = []
        for change in changes:
            HANDLERS(rows, change)
        if rows:
            # In key order: each B-tree page is visited once however the entries
            # interleave in the log (a replay inserts every entry id at random).
            rows.sort(key=_key)
            c.executemany(f"INSERT INTO {self.t('entry_history')} VALUES (?,?,?,?)", rows)
