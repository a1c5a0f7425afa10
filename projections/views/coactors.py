"""Actor co-occurrence: who appears with whom, in how many active entries.

The view keeps each entry's current set of actors, so a correction that
changes the actors, or a retraction, moves the counts by the difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import permutations

import orjson

from domain import Actor, Entry, Source
from projections.database import Cursor
from projections.views.changes import Change
from projections.views.handlers import Handlers
from projections.views.view import View

__all__ = ["CoActorView"]


def _actors(pairs: Iterable[dict[str, str]]) -> list[str]:
    return sorted({pair["actor"] for pair in pairs})


@dataclass
class _Actors:
    """Each entry a batch touches: its actors before the batch and after each event."""

    view: CoActorView
    c: Cursor
    before: dict[str, list[str]] = field(default_factory=dict)
    after: dict[str, list[str]] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # entries with a row before this batch

    def now(self, entry: str, actors: list[str]) -> None:
        if entry not in self.after:
            self.before[entry] = self.view._load(self.c, entry)
            self.known.add(entry)
        self.after[entry] = actors


def _recorded(batch: _Actors, change: Change) -> None:
    entry = change.originator_id
    batch.before[entry], batch.after[entry] = [], _actors(change.state["actors"])


def _corrected(batch: _Actors, change: Change) -> None:
    changes = change.state["changes"]
    if "actors" in changes:
        batch.now(change.originator_id, _actors(changes["actors"]))


def _retracted(batch: _Actors, change: Change) -> None:
    batch.now(change.originator_id, [])


HANDLERS = Handlers[_Actors](
    "co_actors",
    {Entry.Recorded: _recorded, Entry.Corrected: _corrected, Entry.Retracted: _retracted},
    # Citations and links leave an entry's actors as they are.
    ignore=(Entry.SourceCited, Entry.Linked, Actor.Event, Source.Event),
)


class CoActorView(View):
    name = "co_actors"
    tables = ("co_actors", "co_actor_entries")
    packed = tables
    events = HANDLERS

    def create_statements(self, token: str) -> list[str]:
        pairs, entries = self.t("co_actors"), self.t("co_actor_entries")
        return [
            f"CREATE TABLE {pairs} (actor TEXT NOT NULL, other TEXT NOT NULL, "
            f"entries INTEGER NOT NULL, PRIMARY KEY (actor, other)){self.clustered}",
            f"CREATE TABLE {entries} (entry_id TEXT PRIMARY KEY, actors TEXT NOT NULL)"
            f"{self.clustered}",
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [("co_actors", "actor, other"), ("co_actor_entries", "entry_id")]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        pairs, entries = self.t("co_actors"), self.t("co_actor_entries")
        batch = _Actors(self, c)
        for change in changes:
            HANDLERS(batch, change)
        before, after, known = batch.before, batch.after, batch.known
        delta: Counter[tuple[str, str]] = Counter()
        for entry, actors in after.items():
            delta.subtract(permutations(before[entry], 2))
            delta.update(permutations(actors, 2))
        # Rows in key order: each B-tree page is visited once.
        changed = sorted((a, b, n) for (a, b), n in delta.items() if n)
        if changed:
            c.executemany(
                f"INSERT INTO {pairs} VALUES (?, ?, ?) ON CONFLICT (actor, other) "
                f"DO UPDATE SET entries = {pairs}.entries + excluded.entries",
                changed,
            )
            fallen = [(a, b) for a, b, n in changed if n < 0]
            if fallen:
                c.executemany(
                    f"DELETE FROM {pairs} WHERE actor = ? AND other = ? AND entries = 0", fallen
                )
        rows = sorted((entry, orjson.dumps(actors).decode()) for entry, actors in after.items())
        new = [row for row in rows if row[0] not in known]
        if new:
            c.executemany(f"INSERT INTO {entries} VALUES (?, ?)", new)
        updated = [(actors, entry) for entry, actors in rows if entry in known]
        if updated:
            c.executemany(f"UPDATE {entries} SET actors = ? WHERE entry_id = ?", updated)

    def _load(self, c: Cursor, entry: str) -> list[str]:
        table = self.t("co_actor_entries")
        row = self.fetch_state(
            c, f"SELECT actors FROM {table} WHERE entry_id = ?", (entry,), f"entry {entry}"
        )
        actors: list[str] = orjson.loads(row[0])
        return actors
