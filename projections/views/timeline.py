"""The timeline: every version of every entry, indexed for filters and as-of queries.

Each event on an entry adds a version row valid from its log position until
the next event on that entry (`valid_to`), so "as of position P" is the rows
with `valid_from <= P < valid_to`: an indexed query, not a replay. The same
versions are indexed by facet (all, topic, actor with role) and by words;
actor histories are the actor facets, and search rows are kept per version so
that a search can be asked as of a position too. They live in one view
because all of them need the entry's whole state at every version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any
from uuid import uuid4

import orjson

from domain import Actor, Entry, Source
from projections.database import Cursor
from projections.views.body import month_number, search_text, span_days
from projections.views.changes import Change
from projections.views.entries import evolve, facet_roles, facets, link_body, recorded
from projections.views.handlers import Handlers
from projections.views.packing import pack, unpack
from projections.views.view import FOREVER, View

__all__ = ["TimelineView"]

_key = itemgetter(0, 1)
_index_order = itemgetter(0, 1, 2, 3, 4)
_ORDER_KEY = "facet, occurred_start, span, first_position, version"
_POSITION_KEY = "first_position, version, facet"
_UNREAD = (
    *(("timeline_entries", c) for c in ("kind", "status", "occurred_start", "occurred_end")),
    ("timeline_clock", "recorded_at"),
)


@dataclass
class _Versions:
    """The versions of each entry a batch touches, built up event by event."""

    view: TimelineView
    c: Cursor
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)  # entries whose current version predates it


def _recorded(batch: _Versions, change: Change) -> None:
    batch.versions[change.originator_id] = [recorded(change)]
    batch.first[change.originator_id] = change.position


def _evolved(batch: _Versions, change: Change) -> None:
    entry = change.originator_id
    if entry not in batch.versions:
        table = batch.view.t("timeline_entries")
        base, batch.first[entry] = batch.view._current(batch.c, table, change)
        batch.loaded.add(entry)
        batch.versions[entry] = [base]
    batch.versions[entry].append(evolve(batch.versions[entry][-1], change))


def _relinked(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "links": [link_body(k["relation"], k["target"]) for k in body["links"]]}


# Every event still gets a row in the clock, written for the whole batch.
HANDLERS = Handlers[_Versions](
    "timeline",
    {
        Entry.Recorded: _recorded,
        Entry.Corrected: _evolved,
        Entry.SourceCited: _evolved,
        Entry.Linked: _evolved,
        Entry.Retracted: _evolved,
    },
    ignore=(Actor.Event, Source.Event),
)


class TimelineView(View):
    name = "timeline"
    events = HANDLERS
    shape = 7
    """2: search words hold transliterations (`entries.search_words`); 3: a link
    names its other entry `entry`, as it was written (`entries.link_body`);
    4: bodies are packed (`packing.pack`); 5: the index rows know an entry by its
    first position, not its id, and the search rows a version by its position;
    6: each version is indexed by the month it states it starts in (`m:`), the
    order index holds every column a page is filtered by, and a version is
    found by its position, the search rows' key; 7: SQLite keeps the index rows
    in page order, keyed by the order index's columns, and finds a version's rows
    by a narrow index on its position, not by a second copy of every column; a
    version's stated month is a column of its `*` row, not a row of its own; the
    entries and the clock keep no column nothing reads."""
    packed = ("timeline_index",)
    rekeyed = (("timeline_index", _ORDER_KEY),)
    tables = (
        "timeline_entries",
        "timeline_index",
        "timeline_search",
        "timeline_clock",
        "timeline_widest",
    )

    def create_statements(self, token: str) -> list[str]:
        # ISO dates and times sort as text: byte-wise, whatever the database's collation.
        iso = self.db.dialect.sortable_text
        entries, index, search, clock, widest = (self.t(name) for name in self.tables)
        statements = [
            # The widest occurred interval yet: a date filter's lower bound on the
            # ordered index, so it need not scan every entry that ended before.
            f"CREATE TABLE {widest} (one INTEGER PRIMARY KEY, span INTEGER NOT NULL)",
            f"INSERT INTO {widest} VALUES (1, 0)",
            f"CREATE TABLE {entries} ("
            "entry_id TEXT NOT NULL, version INTEGER NOT NULL, "
            "valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL, "
            # Kind, status and dates are the index rows' to filter by: here, the body's.
            f"first_position BIGINT NOT NULL, body {self.blob} NOT NULL, "
            "PRIMARY KEY (entry_id, version))",
            self._index_table(index),
            # `reached_at`: the latest recorded time up to the position. Events are
            # stamped before they wait for the write lock, so times can step back;
            # "as of a time" is the longest stretch of the log recorded by then.
            # The time each was recorded at is its own event's, not kept here.
            f"CREATE TABLE {clock} (position {self.db.dialect.integer_key} PRIMARY KEY, "
            f"reached_at {iso} NOT NULL)",
        ]
        return statements + self.db.dialect.search_statements(search, token)

    def load_statements(self, table: str, name: str) -> list[str]:
        # SQLite's index rows are kept in page order, where a replay inserts each
        # at random. Meanwhile a version is one row keyed by position, appended,
        # its facets a JSON object: a fifth of the rows to insert, one to close, and
        # `load_copy` makes a row of each facet, in page order, once at the end.
        if table != "timeline_index" or not self.clustered:
            return []
        iso = self.db.dialect.sortable_text
        return [
            f"CREATE TABLE {name} ("
            "first_position BIGINT NOT NULL, version INTEGER NOT NULL, "
            f"occurred_start {iso} NOT NULL, span INTEGER NOT NULL, "
            "valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL, "
            f"occurred_end {iso} NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, "
            "month INTEGER, facets TEXT NOT NULL, "
            f"PRIMARY KEY (first_position, version)){self.clustered}"
        ]

    def load_copy(self, table: str, loaded: str, keyed: str, key: str) -> str:
        if table != "timeline_index" or not self.clustered:
            return super().load_copy(table, loaded, keyed, key)
        # Each facet a key of the JSON object, its role the value; `*` holds the month.
        return (
            f"INSERT INTO {keyed} SELECT f.key AS facet, v.occurred_start AS occurred_start, "
            "v.span AS span, v.first_position AS first_position, v.version AS version, "
            "v.valid_from, v.valid_to, v.occurred_end, v.kind, v.status, f.value, "
            f"CASE WHEN f.key = '*' THEN v.month END FROM {loaded} AS v, "
            f"json_each(v.facets) AS f ORDER BY {key}"
        )

    def _index_table(self, index: str, key: str | None = None) -> str:
        # An entry is known here by its first position, not its text id: the key
        # is a tenth of the size, and a replay appends to it in key order.
        iso = self.db.dialect.sortable_text
        return (
            f"CREATE TABLE {index} ("
            f"facet TEXT NOT NULL, occurred_start {iso} NOT NULL, span INTEGER NOT NULL, "
            "first_position BIGINT NOT NULL, version INTEGER NOT NULL, "
            "valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL, "
            f"occurred_end {iso} NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, role TEXT, "
            # The month the version states it starts in (`month_number`), on its `*` row.
            f"month INTEGER, PRIMARY KEY ({key or self._index_key})){self.clustered}"
        )

    @property
    def _index_key(self) -> str:
        # A clustered table (SQLite) is its own covering order index: a page walks
        # the table's key, and a version's rows are found by the index `_order_index` makes.
        # PostgreSQL keeps its heap keyed by position and covers the order in an index.
        return _ORDER_KEY if self.clustered else _POSITION_KEY

    def read_index_statements(self, token: str) -> list[str]:
        clock = self.t("timeline_clock")
        return [
            *self._row_indexes(token),
            f"CREATE INDEX ix_{clock}_time_{token} ON {clock} (reached_at)",
        ]

    def _row_indexes(self, token: str) -> list[str]:
        return [
            self._order_index(token),
            # The index's rows find their bodies by it.
            f"CREATE INDEX ix_{self.t('timeline_entries')}_first_{token} "
            f"ON {self.t('timeline_entries')} (first_position, version)",
            self._from_index(token),
        ]

    def _order_index(self, token: str) -> str:
        index = self.t("timeline_index")
        if self.clustered:
            # The rows are in page order already; this finds a version's rows, its
            # facets only (all a query's EXISTS asks), the order key's rest from the key.
            return f"CREATE INDEX ix_{index}_position_{token} ON {index} ({_POSITION_KEY})"
        # Every column a page or a count filters by, after the order: a page is
        # read from the index alone, and only the bodies it keeps from the table.
        return (
            f"CREATE INDEX ix_{index}_order_{token} ON {index} "
            f"({_ORDER_KEY}, valid_from, valid_to, status, kind, occurred_end, role, month)"
        )

    def _from_index(self, token: str) -> str:
        # A search row is keyed by its version's position: this finds the version.
        entries = self.t("timeline_entries")
        return (
            f"CREATE INDEX ix_{entries}_from_{token} ON {entries} "
            "(valid_from, first_position, version)"
        )

    def reshape(self, c: Cursor, stored: int) -> None:
        """Bring every version's rows up from shape `stored`, in place, from its
        body alone, so the timeline need not be rebuilt from the log: index its
        words again (below 5, keyed anew), name each link's other entry `entry`
        (below 3), pack each body (below 4), key index rows by first position
        (below 5), find versions by position (below 6), key SQLite's index rows by
        their order, give each version's `*` row its stated month and drop the
        columns nothing reads (below 7)."""
        entries, index, search = (self.t(name) for name in self.tables[:3])
        if stored < 7:
            token = uuid4().hex[:8]
            # Moved to a table of the new shape: its old indexes go with the old one.
            # Month rows (`m:`, 6) become the `*` rows' month, filled from the bodies below.
            c.execute(f"ALTER TABLE {index} RENAME TO {index}__reshaped")
            c.execute(self._index_table(index))
            c.execute(
                f"INSERT INTO {index} SELECT facet, occurred_start, span, first_position, "
                "version, valid_from, valid_to, occurred_end, kind, status, role, NULL "
                f"FROM {index}__reshaped WHERE facet < 'm:' OR facet >= 'm;' "
                f"ORDER BY {_ORDER_KEY}"
            )
            c.execute(f"DROP TABLE {index}__reshaped")
            statements = [self._order_index(token)]
            if stored < 6:
                statements.append(self._from_index(token))
            if stored < 5:
                c.execute(f"DROP TABLE IF EXISTS {search}")
                statements = [
                    *self.db.dialect.search_statements(search, token),
                    *self._row_indexes(token),
                ]
            for statement in statements:
                c.execute(statement)
            # Columns nothing reads (6 and before): the body has them, the index rows filter.
            for table, column in _UNREAD:
                if column in self._columns(c, self.t(table)):  # shapes may have been lost
                    c.execute(f"ALTER TABLE {self.t(table)} DROP COLUMN {column}")
        if stored >= 7:
            return  # the bodies hold nothing the rows of 7 lack
        after: tuple[str, int] = ("", 0)
        while True:  # a page at a time: the bodies of a large store do not fit in memory
            c.execute(
                f"SELECT entry_id, version, body, valid_from, first_position FROM {entries} "
                "WHERE entry_id > ? OR (entry_id = ? AND version > ?) "
                "ORDER BY entry_id, version LIMIT 1000",
                (after[0], after[0], after[1]),
            )
            rows = c.fetchall()
            if not rows:
                return
            bodies = [(e, v, p, orjson.loads(unpack(b))) for e, v, b, p, _ in rows]
            c.executemany(
                f"UPDATE {index} SET month = ? "
                "WHERE first_position = ? AND version = ? AND facet = '*'",
                [
                    (month_number(body), f, v)
                    for (_, v, _, body), (*_, f) in zip(bodies, rows, strict=True)
                ],
            )
            if stored < 5:
                c.executemany(
                    self.db.dialect.search_insert.format(table=search),
                    [(p, search_text(body)) for _, _, p, body in bodies],
                )
            if stored < 4:
                # No body is packed below 4: each is written again, its links renamed.
                c.executemany(
                    f"UPDATE {entries} SET body = ? WHERE entry_id = ? AND version = ?",
                    [(pack(orjson.dumps(_relinked(body))), e, v) for e, v, _, body in bodies],
                )
            after = (str(rows[-1][0]), int(rows[-1][1]))

    def _columns(self, c: Cursor, table: str) -> set[str]:
        c.execute(self.db.dialect.table_columns, (table,))
        return {str(row[0]) for row in c.fetchall()}

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [
            ("timeline_entries", "entry_id, version"),
            ("timeline_index", "first_position, version, facet"),
            ("timeline_search", self.db.dialect.search_key),
            ("timeline_clock", "position"),
            ("timeline_widest", "one"),
        ]

    def columns(self, table: str) -> str:
        # A contentless search table (SQLite) gives back its keys, its words as null.
        return f"{self.db.dialect.search_key}, words" if table == "timeline_search" else "*"

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        entries, index, search, clock, widest = (self.t(name) for name in self.tables)
        batch = _Versions(self, c)
        for change in changes:
            HANDLERS(batch, change)
        versions, first, loaded = batch.versions, batch.first, batch.loaded

        entry_rows: list[tuple[Any, ...]] = []
        index_rows: list[tuple[Any, ...]] = []
        search_rows: list[tuple[Any, ...]] = []
        closing: list[tuple[int, str, int]] = []
        closing_index: list[tuple[Any, ...]] = []
        rows = _LoadRows if self.loading else _IndexRows
        for entry, bodies in versions.items():
            start = 0
            if entry in loaded:
                closing.append((bodies[1]["position"], entry, bodies[0]["version"]))
                closing_index.extend(rows.closing(bodies[0], bodies[1]["position"], first[entry]))
                start = 1
            for i in range(start, len(bodies)):
                body = bodies[i]
                valid_to = bodies[i + 1]["position"] if i + 1 < len(bodies) else FOREVER
                entry_rows.append(_entry_row(body, first[entry], valid_to))
                rows.add(body, first[entry], valid_to, index_rows)
                search_rows.append((body["position"], search_text(body)))
        if closing:
            c.executemany(
                f"UPDATE {entries} SET valid_to = ? WHERE entry_id = ? AND version = ?", closing
            )
            # By the whole key, from the closed body: no index but the table's is needed,
            # which a replay's load has alone until its read indexes are made.
            closing_index.sort(key=itemgetter(*range(1, len(closing_index[0]))))
            c.executemany(rows.close.format(index=index), closing_index)
        if entry_rows:
            # In key order: each B-tree page of the entries' key is visited once.
            entry_rows.sort(key=_key)
            c.executemany(f"INSERT INTO {entries} VALUES (?,?,?,?,?,?)", entry_rows)
            if not self.loading:  # else keyed by position, where new rows go last
                index_rows.sort(key=_index_order)
            c.executemany(rows.insert.format(index=index), index_rows)
            span = max(row[rows.span] for row in index_rows)
            if span > 0:  # it starts at 0: a day's entries (most) never widen it
                c.execute(f"UPDATE {widest} SET span = ? WHERE span < ?", (span, span))
            c.executemany(self.db.dialect.search_insert.format(table=search), search_rows)
        self._clock(c, clock, changes)

    def _clock(self, c: Cursor, clock: str, changes: Sequence[Change]) -> None:
        # Each row's time is the latest up to its position: the batch's own running
        # latest, raised to the clock's last row before the batch where that is
        # later. Raised by the server, in the statement that inserts it, rather than
        # read first (a follower's batch would wait for that answer) or updated after
        # (one statement more a batch). The rows go many to a statement on PostgreSQL.
        if not changes:
            return
        first = changes[0].position
        if self.loading:
            # A bulk load waits for no one: it reads that row once, not once a row,
            # which halves the clock's share of a replay. Text compares as the
            # column does, by code point (bytes of UTF-8).
            c.execute(
                f"SELECT reached_at FROM {clock} WHERE position < ? "
                "ORDER BY position DESC LIMIT 1",
                (first,),
            )
            before = c.fetchone()
            latest = _running_latest(changes, "" if before is None else str(before[0]))
            c.executemany(f"INSERT INTO {clock} VALUES (?, ?)", latest)
            return
        c.executemany(
            f"INSERT INTO {clock} VALUES (?, COALESCE((SELECT CASE WHEN reached_at > ? "
            f"THEN reached_at END FROM {clock} WHERE position < ? "
            "ORDER BY position DESC LIMIT 1), ?))",
            [(position, at, first, at) for position, at in _running_latest(changes)],
        )

    def _current(self, c: Cursor, table: str, change: Change) -> tuple[dict[str, Any], int]:
        row = self.fetch_state(
            c,
            f"SELECT body, first_position FROM {table} WHERE entry_id = ? AND valid_to = ?",
            (change.originator_id, FOREVER),
            f"entry {change.originator_id} for the event at position {change.position}",
        )
        body: dict[str, Any] = orjson.loads(unpack(row[0]))
        return body, int(row[1])


def _entry_row(body: dict[str, Any], first_position: int, valid_to: int) -> tuple[Any, ...]:
    return (
        body["id"],
        body["version"],
        body["position"],
        valid_to,
        first_position,
        pack(orjson.dumps(body)),
    )


class _IndexRows:
    """A version's index rows as the timeline keeps them: one a facet (`entries.facets`)."""

    insert = "INSERT INTO {index} VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    close = (
        "UPDATE {index} SET valid_to = ? WHERE facet = ? AND occurred_start = ? "
        "AND span = ? AND first_position = ? AND version = ?"
    )
    span = 2  # the column of the rows' span

    @staticmethod
    def add(
        body: dict[str, Any], first_position: int, valid_to: int, rows: list[tuple[Any, ...]]
    ) -> None:
        version, valid_from = body["version"], body["position"]
        start, end, kind, status = (
            body["occurred_start"],
            body["occurred_end"],
            body["kind"],
            body["status"],
        )
        span = span_days(start, end)
        month: int | None = month_number(body)
        for facet, role in facets(body):
            rows.append(
                (
                    facet,
                    start,
                    span,
                    first_position,
                    version,
                    valid_from,
                    valid_to,
                    end,
                    kind,
                    status,
                    role,
                    month,
                )
            )
            month = None  # on the first row, `*`, alone

    @staticmethod
    def closing(body: dict[str, Any], valid_to: int, first_position: int) -> list[tuple[Any, ...]]:
        """The UPDATE parameters that end `body`'s index rows at `valid_to`, by their key."""
        start = body["occurred_start"]
        span = span_days(start, body["occurred_end"])
        return [
            (valid_to, facet, start, span, first_position, body["version"])
            for facet, _ in facets(body)
        ]


class _LoadRows:
    """A version's row in a bulk load's form of the index (`TimelineView.load_statements`)."""

    insert = "INSERT INTO {index} VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    close = "UPDATE {index} SET valid_to = ? WHERE first_position = ? AND version = ?"
    span = 3

    @staticmethod
    def add(
        body: dict[str, Any], first_position: int, valid_to: int, rows: list[tuple[Any, ...]]
    ) -> None:
        start, end = body["occurred_start"], body["occurred_end"]
        rows.append(
            (
                first_position,
                body["version"],
                start,
                span_days(start, end),
                body["position"],
                valid_to,
                end,
                body["kind"],
                body["status"],
                month_number(body),
                orjson.dumps(facet_roles(body)).decode(),
            )
        )

    @staticmethod
    def closing(body: dict[str, Any], valid_to: int, first_position: int) -> list[tuple[Any, ...]]:
        return [(valid_to, first_position, body["version"])]


def _running_latest(changes: Sequence[Change], reached: str = "") -> list[tuple[int, str]]:
    """(position, the latest recorded time of `changes` up to it, or `reached` if
    later) of each change."""
    rows = []
    for change in changes:
        at = change.recorded_at
        if at > reached:
            reached = at
        rows.append((change.position, reached))
    return rows
