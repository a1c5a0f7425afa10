"""Entry versions: every event on an entry, as its history lists it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from domain import Actor, Entry, Source
from projections.database import Cursor
from projections.views.changes import Change
from projections.views.entries import HISTORY_EVENTS, history_item, recorded_fields
from projections.views.handlers import Handlers
from projections.views.view import View

__all__ = ["EntryHistoryView"]

Rows = list[tuple[Any, ...]]


def _row(change: Change, item: dict[str, Any]) -> tuple[Any, ...]:
    return (change.originator_id, change.version, change.position, orjson.dumps(item))


def _recorded(rows: Rows, change: Change) -> None:
    rows.append(_row(change, history_item(change, recorded_fields(change))))


def _changed(rows: Rows, change: Change) -> None:
    rows.append(_row(change, history_item(change)))


HANDLERS = Handlers[Rows](
    "entry_history",
    {Entry.Recorded: _recorded, **dict.fromkeys(HISTORY_EVENTS - {Entry.Recorded}, _changed)},
    ignore=(Actor.Event, Source.Event),
)


class EntryHistoryView(View):
    name = "entry_history"
    tables = ("entry_history",)
    events = HANDLERS

    def create_statements(self, token: str) -> list[str]:
        return [
            f"CREATE TABLE {self.t('entry_history')} ("
            "entry_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, "
            f"item {self.blob} NOT NULL, PRIMARY KEY (entry_id, version))"
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [("entry_history", "entry_id, version")]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        rows: Rows = []
        for change in changes:
            HANDLERS(rows, change)
        if rows:
            c.executemany(f"INSERT INTO {self.t('entry_history')} VALUES (?,?,?,?)", rows)
