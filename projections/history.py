"""Entry versions: every event on an entry, as its history lists it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from projections.changes import Change
from projections.database import Cursor
from projections.entries import history_item, recorded_fields
from projections.view import View

__all__ = ["EntryHistoryView"]


class EntryHistoryView(View):
    name = "entry_history"
    tables = ("entry_history",)

    def create_statements(self, token: str) -> list[str]:
        return [
            f"CREATE TABLE {self.t('entry_history')} ("
            "entry_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, "
            f"item {self.blob} NOT NULL, PRIMARY KEY (entry_id, version))"
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [("entry_history", "entry_id, version")]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        rows: list[tuple[Any, ...]] = []
        for change in changes:
            if not change.is_entry:
                continue
            first: dict[str, Any] | None = None
            if change.event == "Recorded":
                first = recorded_fields(change)
            item = history_item(change, first)
            rows.append(
                (change.originator_id, change.version, change.position, orjson.dumps(item))
            )
        if rows:
            c.executemany(f"INSERT INTO {self.t('entry_history')} VALUES (?,?,?,?)", rows)
