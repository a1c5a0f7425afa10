"""References between records: the sources, which entries cite each, and entry links.

- `source_directory`: every source as registered, with its title and publisher
  folded for search (`domain.values.search_fold`), so `GET /sources?q=` is
  accent- and case-blind.
- `source_citations`: one row per source an entry cites, and whether the entry
  is active, so a source's count of citing entries is one indexed count.
  Citations only grow (a correction may add one, none removes one).
- `entry_links`: one row per link, at the log position that made it. Links
  only grow too, so "as of position P" is the rows at or before P, and an
  entry's incoming links are one indexed look-up instead of a scan of bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import orjson

from domain import Actor, Entry, Source
from domain.values import search_fold
from projections.database import Cursor
from projections.views.changes import Change
from projections.views.handlers import Handlers
from projections.views.view import View

__all__ = ["ReferencesView", "source_body"]

_key = itemgetter(0, 1)


def source_body(change: Change) -> dict[str, Any]:
    """A source as `GET /sources` lists it, from its `Registered` event."""
    state = change.state
    return {
        "id": state["slug"],
        "title": state["title"],
        "publisher": state["publisher"],
        "authors": state["authors"],
        "url": state["url"],
        "published": state["published"],
        "note": state["note"],
        "registered_at": change.recorded_at,
    }


@dataclass
class _Batch:
    """The rows a batch adds, and the entries it retracts, in log order."""

    view: ReferencesView
    c: Cursor
    sources: list[tuple[str, str, bytes]] = field(default_factory=list)
    citations: list[tuple[str, str, int]] = field(default_factory=list)
    links: list[tuple[int, str, str, str]] = field(default_factory=list)
    active: dict[str, bool] = field(default_factory=dict)
    retracted: list[tuple[str]] = field(default_factory=list)

    def cite(self, entry: str, source: str) -> None:
        if entry not in self.active:
            self.active[entry] = self.view._active(self.c, entry)
        self.citations.append((source, entry, int(self.active[entry])))


def _registered(batch: _Batch, change: Change) -> None:
    body = source_body(change)
    folded = f"{search_fold(body['title'])}\n{search_fold(body['publisher'])}"
    batch.sources.append((body["id"], folded, orjson.dumps(body)))


def _recorded(batch: _Batch, change: Change) -> None:
    batch.active[change.originator_id] = True
    for citation in change.state["citations"]:
        batch.cite(change.originator_id, citation["source"])


def _source_cited(batch: _Batch, change: Change) -> None:
    batch.cite(change.originator_id, change.state["citation"]["source"])


def _corrected(batch: _Batch, change: Change) -> None:
    citation = change.state.get("citation")
    if citation is not None:
        batch.cite(change.originator_id, citation["source"])


def _linked(batch: _Batch, change: Change) -> None:
    state = change.state
    batch.links.append((change.position, change.originator_id, state["relation"], state["target"]))


def _retracted(batch: _Batch, change: Change) -> None:
    batch.active[change.originator_id] = False
    batch.retracted.append((change.originator_id,))


HANDLERS = Handlers[_Batch](
    "references",
    {
        Source.Registered: _registered,
        Entry.Recorded: _recorded,
        Entry.SourceCited: _source_cited,
        Entry.Corrected: _corrected,
        Entry.Linked: _linked,
        Entry.Retracted: _retracted,
    },
    ignore=(Actor.Event,),
)


class ReferencesView(View):
    name = "references"
    tables = ("source_directory", "source_citations", "entry_links")
    events = HANDLERS

    def create_statements(self, token: str) -> list[str]:
        sources, citations, links = (self.t(name) for name in self.tables)
        return [
            f"CREATE TABLE {sources} (slug TEXT PRIMARY KEY, folded TEXT NOT NULL, "
            f"body {self.blob} NOT NULL)",
            f"CREATE TABLE {citations} (source TEXT NOT NULL, entry_id TEXT NOT NULL, "
            f"active INTEGER NOT NULL, PRIMARY KEY (source, entry_id)){self.clustered}",
            # `apply` finds an entry's citations by it: made with the table.
            f"CREATE INDEX ix_{citations}_entry_{token} ON {citations} (entry_id)",
            f"CREATE TABLE {links} (position {self.db.dialect.integer_key} PRIMARY KEY, "
            "from_entry TEXT NOT NULL, "
            "relation TEXT NOT NULL, to_entry TEXT NOT NULL)",
        ]

    def read_index_statements(self, token: str) -> list[str]:
        citations, links = self.t("source_citations"), self.t("entry_links")
        # A source's count of active citing entries, read from the index alone. A
        # clustered table (SQLite) holds the same columns in the same order: no index.
        count = f"CREATE INDEX ix_{citations}_count_{token} ON {citations} (source, active)"
        return [
            *([] if self.clustered else [count]),
            f"CREATE INDEX ix_{links}_from_{token} ON {links} (from_entry, position)",
            f"CREATE INDEX ix_{links}_to_{token} ON {links} (to_entry, position)",
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [
            ("source_directory", "slug"),
            ("source_citations", "source, entry_id"),
            ("entry_links", "position"),
        ]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        sources, citations, links = (self.t(name) for name in self.tables)
        batch = _Batch(self, c)
        for change in changes:
            HANDLERS(batch, change)
        if batch.sources:
            c.executemany(f"INSERT INTO {sources} VALUES (?, ?, ?)", batch.sources)
        if batch.citations:
            # In key order, each B-tree page visited once; stable, so of two
            # rows for one key the first stays the one kept.
            batch.citations.sort(key=_key)
            # A correction may cite again what the entry already cites.
            c.executemany(
                f"INSERT INTO {citations} VALUES (?, ?, ?) "
                "ON CONFLICT (source, entry_id) DO NOTHING",
                batch.citations,
            )
        if batch.retracted:
            c.executemany(f"UPDATE {citations} SET active = 0 WHERE entry_id = ?", batch.retracted)
        if batch.links:
            c.executemany(f"INSERT INTO {links} VALUES (?, ?, ?, ?)", batch.links)

    def _active(self, c: Cursor, entry: str) -> bool:
        # Every entry cites at least one source from its first version on.
        row = self.fetch_state(
            c,
            f"SELECT active FROM {self.t('source_citations')} WHERE entry_id = ? LIMIT 1",
            (entry,),
            f"entry {entry}",
        )
        return bool(row[0])
