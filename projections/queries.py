"""The read side's questions: timelines, actor histories, entries and actors, as of any position.

Answers are pre-serialized JSON (bytes) taken from the views, so a page of
the timeline is assembled without rebuilding an object per entry. Every
answer says the log position it reflects.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from domain import (
    ActorNotFound,
    EntryNotFound,
    SourceNotFound,
    ValidationError,
    parse_edtf_date,
)
from domain.details import KINDS
from domain.values import actor_uuid, search_fold, search_key
from projections.database import Cursor, Database
from projections.page_cache import PageCache
from projections.views.body import search_words
from projections.views.packing import unpack, unpack_all
from projections.views.view import FOREVER, TRACKING_TABLE, tracked_positions

__all__ = ["AsOf", "Page", "Queries", "Tally", "TimelineFilters", "ViewsBehind"]

ORDERS = ("asc", "desc")
MAX_LIMIT = 500
# At most this many versions matching a search: the page is read from them
# (each looked up, then sorted) rather than by walking the ordered index and
# testing each entry against all of them, which for a rare word walks the whole
# facet (100,000 entries: 0.2 ms against 400 ms). More common words find a page
# early in the walk, and looking each match up would cost more.
SEARCH_DRIVES = 500
# The bytes the positions of common words' matches may take in memory, all words
# together: memory is bounded by bytes, not by a count of words. A position costs
# about 60 bytes in a frozenset (300,000: 18 MB measured), a bit of the log in a
# bitmap; each word is kept the cheaper way. Four words in a quarter of a
# million-entry log each (250,000 matches, 15 MB as sets, 125 KB as bitmaps) once
# pushed one another out, each page of one reading its matches again (200 ms).
COMMON_BYTES = 18_000_000
_SET_BYTES = 60
# Actor groups kept in memory (a slug and a position each): a few hundred KB.
GROUPS_KEPT = 4096


class ViewsBehind(Exception):
    """A cursor from a log position these views have not reached yet."""

    def __init__(self, position: int, reached: int) -> None:
        super().__init__(
            f"this cursor continues the record at log position {position}; these views "
            f"are at {reached}: try again shortly"
        )
        self.position = position
        self.reached = reached


@dataclass(frozen=True)
class TimelineFilters:
    """The timeline's filters; `start`/`end` are the `from`/`to` EDTF dates."""

    topic: str | None = None
    actor: str | None = None
    kind: str | None = None
    start: str | None = None
    end: str | None = None
    q: str | None = None
    include_retracted: bool = False
    order: str = "asc"


@dataclass(frozen=True)
class AsOf:
    """The moment of the record an answer reflects."""

    position: int
    recorded_at: str | None


@dataclass(frozen=True)
class Tally:
    """Counts of the entries a timeline's filters keep, at one moment: by the month
    each states it starts in (`2023-11`) and kind, by actor, and by topic when asked."""

    months: dict[str, dict[str, int]]
    actors: dict[str, int]
    as_of: AsOf
    topics: dict[str, int] = field(default_factory=dict)

    @property
    def kinds(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for kinds in self.months.values():
            for kind, n in kinds.items():
                counted[kind] = counted.get(kind, 0) + n
        return counted

    @property
    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.months.values())


@dataclass(frozen=True)
class Page:
    """A page of pre-serialized items, the cursor of the next page, and its moment."""

    items: list[bytes]
    next_cursor: str | None
    as_of: AsOf


class Queries:
    """Read-only questions over the views; raise ValidationError or a NotFound."""

    def __init__(self, db: Database, suffix: str = "", page_cache: int = 0) -> None:
        self.db = db
        self.suffix = suffix
        self.pages: PageCache[Page] = PageCache(page_cache)
        # The time the record reached a position, for the last position asked:
        # most pages are asked "now", at the same head, many times over. It is
        # the log's, so a replay of the views does not change it.
        self._moment: tuple[int, str | None] = (-1, None)
        # The widest interval as read when the views were at a position: it only
        # grows, so what was read then bounds every answer as of that position.
        self._widest_at: tuple[int, int] = (-1, 0)
        # Merges by a position never change: the groups asked lately, by position.
        self._groups: dict[tuple[str, int], list[str]] = {}
        # The positions each common search matches, by its terms, up to a position.
        self._matches: dict[str, _Matches] = {}
        # Kinds no version has up to a position (by kind: that position), and kinds
        # some version has from a position on (by kind: that position).
        self._absent_kinds: dict[str, int] = {}
        self._present_kinds: dict[str, int] = {}

    # The timeline ---------------------------------------------------------

    def timeline(
        self,
        filters: TimelineFilters,
        *,
        as_of: str | int | None = None,
        limit: int = 50,
        cursor: str | None = None,
        head: int | None = None,
    ) -> Page:
        """A page of the timeline, as of `as_of` (a position or an ISO time) or now.

        `head`, when the caller knows the views' position (`ReadModels.head`), is
        taken for "now" instead of reading it from the store."""
        return self._page(filters, as_of=as_of, limit=limit, cursor=cursor, head=head)

    def cached_timeline(
        self,
        filters: TimelineFilters,
        *,
        head: int,
        as_of: str | int | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page | None:
        """The page `timeline` would answer, if it is cached, without touching the
        database: `head` is the views' position, known to the caller. None when
        the page is not cached, or when `as_of` is a time (that needs the clock)."""
        query = _query_digest(filters, False)
        after: tuple[str, int, int] | None = None
        if cursor is not None:
            position, after = _decode_cursor(cursor, query)
            if position > head:
                return None
        elif (given := _position_given(as_of, head)) is not None:
            position = given
        else:
            return None
        return self.pages.get((query, position, after, limit))

    def actor_history(
        self,
        actor: str,
        *,
        as_of: str | int | None = None,
        order: str = "asc",
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """The actor's entries in occurred order, each with the actor's `role` in it."""
        with self.db.read() as c:
            self._actor_body(c, actor)  # NotFound for an unknown actor, not an empty page
        filters = TimelineFilters(actor=actor, order=order)
        return self._page(filters, as_of=as_of, limit=limit, cursor=cursor, with_role=True)

    def _page(
        self,
        filters: TimelineFilters,
        *,
        as_of: str | int | None,
        limit: int,
        cursor: str | None,
        with_role: bool = False,
        head: int | None = None,
    ) -> Page:
        if filters.order not in ORDERS:
            raise ValidationError("order", "expected asc or desc")
        if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"expected a whole number from 1 to {MAX_LIMIT}")
        after: tuple[str, int, int] | None = None
        query = _query_digest(filters, with_role)
        # Most pages need one statement, the page's own: every other look-up is
        # remembered by position. That one runs on its own, in no transaction
        # (one statement reads one snapshot); one that needs more takes one.
        with self.db.read_lazily() as c:
            if head is None:
                head = self._head(c)
            if cursor is not None:
                position, after = _decode_cursor(cursor, query)
                if position > head:
                    # Made by a process whose views were further on: answered
                    # here, the page would miss what these have not applied.
                    raise ViewsBehind(position, head)
            else:
                position = self._position(c, as_of, head)
            key = (query, position, after, limit)
            if (cached := self.pages.get(key)) is not None:
                return cached
            moment = AsOf(position, self._recorded_at(c, position))
            few, matches = self._searched(c, filters.q, position)
            if self._kind_absent(c, filters, position):
                rows = []
            elif matches is not None:
                rows = self._walk(c, filters, position, after, limit + 1, matches)
            else:
                sql, params = self._timeline_sql(filters, position, after, limit + 1, c, few=few)
                rows = c.last(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        if with_role:
            items = [_with_role(row[0], row[1]) for row in rows]
        else:
            items = unpack_all([row[0] for row in rows])
        next_cursor = None
        if more:
            last = rows[-1]
            after = (str(last[2]), int(last[3]), int(last[4]))
            next_cursor = _encode_cursor(position, after, query)
        page = Page(items, next_cursor, moment)
        self.pages.put(key, page)
        return page

    def _kind_absent(self, c: Cursor, filters: TimelineFilters, position: int) -> bool:
        """Whether `filters` ask for a kind no version valid from `position` or before
        has: the page is empty, and the ordered index need not be walked to find so
        (a kind with no entries walked the whole facet: 300 ms at a million entries).

        Known once per kind and extended as the views move on, from the versions
        since (by the entries' index on `valid_from`): a version's kind never changes.
        """
        kind = filters.kind
        if kind is None:
            return False
        self._kept(filters, position, [])  # refuses a kind, or dates, as the page would
        absent_to = self._absent_kinds.get(kind)
        if absent_to is not None and absent_to >= position:
            return True
        index = self._t("timeline_index")
        if absent_to is None:
            if self._present_kinds.get(kind, FOREVER + 1) <= position:
                return False
            c.execute(
                f"SELECT 1 FROM {index} WHERE facet = '*' AND kind = ? AND valid_from <= ? "
                "LIMIT 1",
                (kind, position),
            )
        else:
            c.execute(
                f"SELECT 1 FROM {self._t('timeline_entries')} e JOIN {index} i "
                "ON i.first_position = e.first_position AND i.version = e.version "
                "AND i.facet = '*' WHERE e.valid_from > ? AND e.valid_from <= ? AND i.kind = ? "
                "LIMIT 1",
                (absent_to, position, kind),
            )
        if c.fetchone() is not None:
            self._absent_kinds.pop(kind, None)
            self._present_kinds[kind] = min(position, self._present_kinds.get(kind, position))
            return False
        self._absent_kinds[kind] = position
        return True

    def _timeline_sql(
        self,
        filters: TimelineFilters,
        position: int,
        after: tuple[str, int, int] | None,
        limit: int,
        c: Cursor,
        *,
        keys: bool = False,
        few: list[tuple[int, int]] | bool | None = None,
    ) -> tuple[str, list[Any]]:
        """The query of a page: rows of (body, role, occurred_start, span,
        first_position); with `keys`, (valid_from, role, occurred_start, span,
        first_position, version), from the index alone. `few`, when known: the
        (first_position, position) of the versions the words match when few, else
        False."""
        index, entries = self._t("timeline_index"), self._t("timeline_entries")
        facets = _asked_facets(filters)
        lead = facets[0] if facets else "*"
        by_facet = "i.facet"
        if few is None and filters.q is not None:
            found = self._few_matches(c, filters.q)
            few = False if found is None else found
        drive = few if isinstance(few, list) else None
        if drive is not None:
            # SQLite's planner cannot tell a rare word from a common one: with
            # the facet as an expression, out of reach of its index, the
            # matches' keys are left to start from.
            by_facet = "i.facet || ''"
        where, params = self._kept(
            filters, position, [[facet] for facet in facets[1:]], search_drives=drive
        )
        if filters.start:
            # The widest entry bounds how early an overlapping one may start: the
            # range keeps the ordered index's scan short.
            start = parse_edtf_date(filters.start, "from").start
            where.append("i.occurred_start >= ?")
            # No earlier than year 1: `from=0001` would otherwise overflow the date.
            widest = min(self._widest(c, position), (start - date.min).days)
            params.append((start - timedelta(days=widest)).isoformat())
        descending = filters.order == "desc"
        if after is not None:
            where.append(
                f"(i.occurred_start, i.span, i.first_position) {'<' if descending else '>'} "
                "(?, ?, ?)"
            )
            params.extend(after)
        direction = " DESC" if descending else ""

        def order(table: str) -> str:
            return (
                f"ORDER BY {table}.occurred_start{direction}, {table}.span{direction}, "
                f"{table}.first_position{direction} LIMIT ?"
            )

        if keys:
            selected = (
                "i.valid_from, i.role, i.occurred_start, i.span, i.first_position, i.version "
                f"FROM {index} i"
            )
        else:
            selected = (
                f"e.body, i.role, i.occurred_start, i.span, i.first_position FROM {index} i "
                f"JOIN {entries} e "
                "ON e.first_position = i.first_position AND e.version = i.version"
            )

        def branch(lead_clause: str, lead_params: list[Any]) -> tuple[str, list[Any]]:
            sql = f"SELECT {selected} WHERE {' AND '.join([lead_clause, *where])} " + order("i")
            return sql, [*lead_params, *params, limit]

        group = self._merged_group(c, filters.actor, position) if filters.actor else []
        if len(group) <= 1:
            return branch(f"{by_facet} = ?", [lead])
        # The actor and its duplicates merged by `position`: a page from each one's
        # ordered index, merged. An entry naming two of them is taken from the
        # lowest of their facets only, so it is found once.
        parts, merged_params = [], []
        actor_facets = [f"a:{member}" for member in group]
        for n, member in enumerate(actor_facets):
            lead_clause = f"{by_facet} = ?"
            if n:
                lower = ", ".join("?" * n)
                lead_clause += (
                    f" AND NOT EXISTS (SELECT 1 FROM {index} k "
                    "WHERE k.first_position = i.first_position "
                    f"AND k.version = i.version AND k.facet IN ({lower}))"
                )
            sql, part_params = branch(lead_clause, [member, *actor_facets[:n]])
            parts.append(f"SELECT * FROM ({sql}) b{n}")
            merged_params += part_params
        union = " UNION ALL ".join(parts)
        return f"SELECT * FROM ({union}) u " + order("u"), [*merged_params, limit]

    def _widest(self, c: Cursor, position: int) -> int:
        """The widest occurred interval of any version valid at `position` or since."""
        if self._widest_at[0] == position:
            return self._widest_at[1]
        c.execute(f"SELECT span FROM {self._t('timeline_widest')}")
        row = c.fetchone()
        widest = 0 if row is None else int(row[0])
        self._widest_at = (position, widest)
        return widest

    def _searched(
        self, c: Cursor, q: str | None, position: int
    ) -> tuple[list[tuple[int, int]] | bool | None, _Matches | None]:
        """The positions of the versions `q` matches when they are few, else False
        (None: not asked); and the positions of those up to `position`, when they
        are more than `SEARCH_DRIVES` and fit in `COMMON_BYTES` (else None).

        Tested against the ordered index row by row in SQL, such a list is built
        again for each page (a word in a quarter of 100,000 entries: 4 to 25 ms);
        here it is built once and extended as the views move on. A version's
        position never changes, nor do its words, so a list stays true."""
        if q is None:
            return None, None
        terms = self._search_terms(q)
        known = self._matches.get(terms)
        if known is None:
            if (few := self._few_matches(c, q)) is not None:
                return few, None
            known = _Matches(0, frozenset())
        if known.reached < position:
            search = self._t("timeline_search")
            key = self.db.dialect.search_key
            match = self.db.dialect.search_match.format(table=search)
            c.execute(
                f"SELECT {key} FROM {search} WHERE {match} AND {key} > ? AND {key} <= ?",
                (terms, known.reached, position),
            )
            known = known.extended(position, [int(row[0]) for row in c.fetchall()])
            if known.size > COMMON_BYTES:
                self._matches.pop(terms, None)
                return False, None  # too many to keep: tested in SQL, as ever
            others = sum(kept.size for word, kept in self._matches.items() if word != terms)
            if others + known.size > COMMON_BYTES:
                self._matches.clear()
            self._matches[terms] = known
        return False, known

    def _walk(
        self,
        c: Cursor,
        filters: TimelineFilters,
        position: int,
        after: tuple[str, int, int] | None,
        limit: int,
        matches: _Matches,
    ) -> list[tuple[Any, ...]]:
        """The rows of a page of a common word: the ordered index walked without the
        words, a stretch at a time, each version kept when its position matches;
        then the bodies of the `limit` kept."""
        unworded = replace(filters, q=None)
        kept: list[tuple[Any, ...]] = []
        stretch = max(4 * limit, 200)
        while len(kept) < limit:
            sql, params = self._timeline_sql(unworded, position, after, stretch, c, keys=True)
            c.execute(sql, params)
            rows = c.fetchall()
            kept += [row for row in rows if int(row[0]) in matches]
            if len(rows) < stretch:
                break
            after = (str(rows[-1][2]), int(rows[-1][3]), int(rows[-1][4]))
            stretch = min(2 * stretch, 10_000)
        kept = kept[:limit]
        if not kept:
            return []
        c.execute(
            f"SELECT first_position, version, body FROM {self._t('timeline_entries')} "
            f"WHERE first_position IN ({', '.join('?' * len(kept))})",
            [row[4] for row in kept],
        )
        bodies = {(int(f), int(v)): body for f, v, body in c.fetchall()}
        return [(bodies[int(row[4]), int(row[5])], *row[1:5]) for row in kept]

    def _few_matches(self, c: Cursor, q: str) -> list[tuple[int, int]] | None:
        """The (first_position, position) of the versions `q` matches, when at most
        `SEARCH_DRIVES`: read no further."""
        search = self._t("timeline_search")
        key = self.db.dialect.search_key
        match = self.db.dialect.search_match.format(table=search)
        c.execute(
            f"SELECT {key} FROM {search} WHERE {match} LIMIT ?",
            (self._search_terms(q), SEARCH_DRIVES + 1),
        )
        found = [int(row[0]) for row in c.fetchall()]
        if len(found) > SEARCH_DRIVES:
            return None
        if not found:
            return []
        # A search row is keyed by its version's position: the entries' index finds it.
        c.execute(
            f"SELECT first_position, valid_from FROM {self._t('timeline_entries')} "
            f"WHERE valid_from IN ({', '.join('?' * len(found))})",
            found,
        )
        return [(int(first), int(position)) for first, position in c.fetchall()]

    def _search_clause(
        self, drives: list[tuple[int, int]] | None, q: str
    ) -> tuple[str, list[Any]]:
        """Keep the index rows `i` of versions whose words match `q`; when the matches
        `drives` the query (their (first_position, position)), as keys of the
        index's rows to look up."""
        if drives is None:
            # Tested against each row of an index walk: the positions alone.
            search = self._t("timeline_search")
            match = self.db.dialect.search_match.format(table=search)
            matches = f"SELECT {self.db.dialect.search_key} FROM {search} WHERE {match}"
            return f"i.valid_from IN ({matches})", [self._search_terms(q)]
        if not drives:
            return "1 = 0", []
        # The keys are given, not asked of the words in a subquery: PostgreSQL,
        # not knowing they are few, hashed every entry against them (100,000
        # entries: 20 to 35 ms a page).
        # A version is known by its position: the entries' first positions lead
        # to their index rows, the versions' positions keep the matching ones.
        # (Not `(first_position, version) IN (VALUES …)`: SQLite 3.40 answers
        # nothing for a single pair beside an IN on the first position.)
        marks = ", ".join("?" * len(drives))
        return f"i.first_position IN ({marks}) AND i.valid_from IN ({marks})", [
            *(first for first, _ in drives),
            *(position for _, position in drives),
        ]

    def _search_terms(self, q: str) -> str:
        words = search_words(q)
        if not words:
            raise ValidationError("q", "expected at least one word to search for")
        return self.db.dialect.search_terms(words)

    # Entries --------------------------------------------------------------

    def entry(self, entry_id: str, *, as_of: str | int | None = None) -> bytes:
        """The entry as it stood at `as_of` (or now), with the links other entries made
        to it by then (`incoming_links`); raise EntryNotFound."""
        return self.entry_at(entry_id, as_of=as_of)[0]

    def entry_at(self, entry_id: str, *, as_of: str | int | None = None) -> tuple[bytes, int]:
        """As `entry`, with the log position the answer reflects.

        Now or at a position, the views' head, the body and the incoming links are
        read in one statement: on PostgreSQL one round trip, where a snapshot's
        BEGIN, three statements and COMMIT took five, and every write's answer
        reads its entry so. A time (`as_of` an ISO moment) needs the clock first.
        """
        asked = _asked_position(as_of)
        if isinstance(asked, _NeedsClock):
            with self.db.read() as c:
                position = self._position(c, as_of)
                body = self._entry_body(c, entry_id, position)
                incoming = self._links(c, "to_entry", entry_id, position)
            return _with_incoming(body, incoming), position
        rows = self.db.read_rows(
            _entry_statement(self.suffix, at_most=asked is not None),
            [
                self._t("timeline"),
                self._t("actor_versions"),
                *(() if asked is None else (asked, asked)),
                entry_id,
                entry_id,
            ],
        )
        if not rows or rows[0][0] != 0:
            raise EntryNotFound(entry_id)
        incoming = [{"relation": str(r[3]), "entry": str(r[4])} for r in rows[1:]]
        return _with_incoming(unpack(rows[0][2]), incoming), int(rows[0][1])

    def entry_links(
        self, entry_id: str, *, as_of: str | int | None = None
    ) -> tuple[dict[str, list[dict[str, str]]], int]:
        """The entry's links as of `as_of` (or now), `{outgoing, incoming}`, each
        `{relation, entry}` in the order they were made, and the position they
        reflect; raise EntryNotFound for an entry not recorded by then."""
        with self.db.read() as c:
            position = self._position(c, as_of)
            self._entry_body(c, entry_id, position)
            outgoing = self._links(c, "from_entry", entry_id, position)
            incoming = self._links(c, "to_entry", entry_id, position)
        return {"outgoing": outgoing, "incoming": incoming}, position

    def _entry_body(self, c: Cursor, entry_id: str, position: int) -> bytes:
        c.execute(
            f"SELECT body FROM {self._t('timeline_entries')} "
            "WHERE entry_id = ? AND valid_from <= ? AND valid_to > ?",
            (entry_id, position, position),
        )
        row = c.fetchone()
        if row is None:
            raise EntryNotFound(entry_id)
        return unpack(row[0])

    def _links(self, c: Cursor, side: str, entry_id: str, position: int) -> list[dict[str, str]]:
        """Links made by `position` whose `side` (from_entry, to_entry) is the entry,
        each naming the entry at the other end."""
        other = "to_entry" if side == "from_entry" else "from_entry"
        c.execute(
            f"SELECT relation, {other} FROM {self._t('entry_links')} "
            f"WHERE {side} = ? AND position <= ? ORDER BY position",
            (entry_id, position),
        )
        return [{"relation": str(r), "entry": str(e)} for r, e in c.fetchall()]

    def entry_history(self, entry_id: str) -> list[bytes]:
        """Every version of the entry, oldest first; raise EntryNotFound."""
        history, entries = self._t("entry_history"), self._t("timeline_entries")
        with self.db.read() as c:
            # The first item's fields are the timeline's first version: no item
            # past the timeline's position, should the history's follower lead it.
            c.execute(
                f"SELECT h.item, e.body FROM {history} h LEFT JOIN {entries} e "
                "ON h.version = 1 AND e.entry_id = h.entry_id AND e.version = 1 "
                f"WHERE h.entry_id = ? AND h.position <= (SELECT position FROM {TRACKING_TABLE} "
                "WHERE view = ? AND application = 'timeline') ORDER BY h.version",
                (entry_id, self._t("timeline")),
            )
            rows = c.fetchall()
        if not rows:
            raise EntryNotFound(entry_id)
        # Imported here: it reads the domain's entry classes, which the timeline's
        # readers (an export) need not load.
        from projections.views.entries import recorded_item

        return [
            bytes(item) if first is None else recorded_item(bytes(item), unpack(first))
            for item, first in rows
        ]

    # Actors ---------------------------------------------------------------

    def actors(self, q: str | None, limit: int = 20, after: str | None = None) -> list[bytes]:
        """Actors by slug, after the slug `after`; with `q`, those whose slug, name or
        an alias contains it, ignoring case, accents and invisible format characters,
        or whose name's or an alias's transliteration contains that of `q`."""
        where, params = ["slug > ?"], [after or ""]
        if q is not None:
            folded = search_fold(q).strip()
            if not folded:
                raise ValidationError("q", "expected some text to look for")
            # Keys are ASCII letters and digits: only the folded text needs escaping.
            patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", folded) + "%"]
            if key := search_key(q):
                patterns.append(f"%{key}%")
            where.append("(" + " OR ".join(["folded LIKE ? ESCAPE '\\'"] * len(patterns)) + ")")
            params.extend(patterns)
        with self.db.read() as c:
            c.execute(
                f"SELECT body FROM {self._t('actor_directory')} "
                f"WHERE {' AND '.join(where)} ORDER BY slug LIMIT ?",
                (*params, limit),
            )
            return [bytes(row[0]) for row in c.fetchall()]

    def actor(self, slug: str, co_actors: int = 10) -> dict[str, Any]:
        """The actor now, its count of active entries and its most frequent co-actors,
        its merged duplicates' taken in and co-actors counted as the actors they merged into."""
        with self.db.read() as c:
            actor = self._actor_body(c, slug)
            head = self._head(c)
            group = self._merged_group(c, slug, head)
            if len(group) > 1:
                clause, params = self._group_clause(self._t("timeline_index"), group)
            else:
                clause, params = "i.facet = ?", [f"a:{slug}"]
            c.execute(
                f"SELECT COUNT(*) FROM {self._t('timeline_index')} i "
                f"WHERE {clause} AND i.valid_to = ? AND i.status = 'active'",
                (*params, FOREVER),
            )
            count = c.fetchone()
            others = self._co_actors(c, slug, group, head, co_actors) if co_actors else []
        actor["entries"] = 0 if count is None else int(count[0])
        actor["co_actors"] = [{"actor": str(a), "entries": int(n)} for a, n in others]
        return actor

    def _co_actors(
        self, c: Cursor, slug: str, group: list[str], head: int, limit: int
    ) -> list[tuple[str, int]]:
        """The actors most often named with `slug` (and with what was merged into it,
        `group`), each co-actor counted as the actor it was merged into by `head`."""
        pairs, merges = self._t("co_actors"), self._t("actor_merges")
        if len(group) == 1:
            c.execute(
                f"SELECT 1 FROM {pairs} p JOIN {merges} m ON m.slug = p.other "
                "WHERE p.actor = ? AND m.position <= ? LIMIT 1",
                (slug, head),
            )
            if c.fetchone() is None:  # no merge touches them: the pair counts are the answer
                c.execute(
                    f"SELECT other, entries FROM {pairs} WHERE actor = ? "
                    "ORDER BY entries DESC, other LIMIT ?",
                    (slug, limit),
                )
                return [(str(a), int(n)) for a, n in c.fetchall()]
        survivor_of = self._survivors(c, head)
        # Entries naming `slug`, from its pair counts; then those naming only
        # its duplicates, from their rows (a duplicate's are few).
        c.execute(f"SELECT other, entries FROM {pairs} WHERE actor = ?", (slug,))
        members: dict[str, list[tuple[str, int]]] = {}
        for other, n in c.fetchall():
            if other not in group:
                found = members.setdefault(_survivor(str(other), survivor_of), [])
                found.append((str(other), int(n)))
        counts = {
            other: found[0][1] if len(found) == 1 else self._entries_with(c, slug, found)
            for other, found in members.items()
        }
        if len(group) > 1:
            for other, n in self._named_only_with_duplicates(c, slug, group, survivor_of):
                counts[other] = counts.get(other, 0) + n
        counts.pop(slug, None)
        ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        return ranked[:limit]

    def _entries_with(self, c: Cursor, slug: str, others: list[tuple[str, int]]) -> int:
        """How many active entries name `slug` and any of `others`, now, given the
        pair count of each: those naming the most-named one, plus those naming
        another and not it, found from the others' rows (a duplicate's are few)."""
        index = self._t("timeline_index")
        ordered = sorted(others, key=lambda pair: -pair[1])
        (most, count), rest = ordered[0], [member for member, _ in ordered[1:]]
        c.execute(
            f"SELECT COUNT(DISTINCT i.first_position) FROM {index} i "
            f"WHERE i.facet IN ({', '.join('?' * len(rest))}) AND i.valid_to = ? "
            "AND i.status = 'active' "
            f"AND EXISTS (SELECT 1 FROM {index} j WHERE j.first_position = i.first_position "
            "AND j.version = i.version AND j.facet = ?) "
            f"AND NOT EXISTS (SELECT 1 FROM {index} k WHERE k.first_position = i.first_position "
            "AND k.version = i.version AND k.facet = ?)",
            (*(f"a:{member}" for member in rest), FOREVER, f"a:{slug}", f"a:{most}"),
        )
        row = c.fetchone()
        return count + (0 if row is None else int(row[0]))

    def _named_only_with_duplicates(
        self, c: Cursor, slug: str, group: list[str], survivor_of: dict[str, str]
    ) -> list[tuple[str, int]]:
        """Co-actors in the active entries that name a duplicate merged into `slug`
        but not `slug` itself, each counted once an entry as the actor it reads as."""
        index = self._t("timeline_index")
        duplicates = [member for member in group if member != slug]
        c.execute(
            f"SELECT i.first_position, j.facet FROM {index} i JOIN {index} j "
            "ON j.first_position = i.first_position AND j.version = i.version "
            f"WHERE i.facet IN ({', '.join('?' * len(duplicates))}) AND i.valid_to = ? "
            "AND i.status = 'active' AND j.facet LIKE ? "
            f"AND NOT EXISTS (SELECT 1 FROM {index} k WHERE k.first_position = i.first_position "
            "AND k.version = i.version AND k.facet = ?)",
            (*(f"a:{member}" for member in duplicates), FOREVER, "a:%", f"a:{slug}"),
        )
        named: dict[str, set[str]] = {}
        for entry, facet in c.fetchall():
            named.setdefault(str(entry), set()).add(str(facet)[2:])
        counts: dict[str, int] = {}
        members = set(group)
        for actors in named.values():
            for other in {_survivor(a, survivor_of) for a in actors - members}:
                counts[other] = counts.get(other, 0) + 1
        return list(counts.items())

    def _survivors(self, c: Cursor, position: int) -> dict[str, str]:
        """Each actor merged by `position`, and the actor it was merged into."""
        c.execute(
            f"SELECT slug, survivor FROM {self._t('actor_merges')} WHERE position <= ?",
            (position,),
        )
        return {str(dup): str(into) for dup, into in c.fetchall()}

    def actor_versions(self, slug: str) -> list[bytes]:
        """Every event on the actor, oldest first; raise ActorNotFound."""
        with self.db.read() as c:
            c.execute(
                f"SELECT item FROM {self._t('actor_versions')} WHERE actor_id = ? "
                "ORDER BY version",
                (str(actor_uuid(slug)),),
            )
            rows = c.fetchall()
        if not rows:
            raise ActorNotFound(slug)
        return [bytes(row[0]) for row in rows]

    def _merged_group(self, c: Cursor, slug: str | None, position: int) -> list[str]:
        """`slug` and every actor merged into it, directly or through another, by
        `position`; sorted, so a query names them in one order."""
        if slug is None:
            return []
        if (known := self._groups.get((slug, position))) is not None:
            return known
        merges = self._t("actor_merges")
        group, frontier = {slug}, [slug]
        while frontier:
            marks = ", ".join("?" * len(frontier))
            c.execute(
                f"SELECT slug FROM {merges} WHERE survivor IN ({marks}) AND position <= ?",
                (*frontier, position),
            )
            frontier = [str(row[0]) for row in c.fetchall() if row[0] not in group]
            group.update(frontier)
        if len(self._groups) >= GROUPS_KEPT:
            self._groups.clear()
        self._groups[slug, position] = found = sorted(group)
        return found

    @staticmethod
    def _group_clause(index: str, group: list[str]) -> tuple[str, list[Any]]:
        """A WHERE clause for the rows of `index` an entry version is found by under
        any actor of `group`, one row per version: the one of the lowest facet."""
        facets = [f"a:{member}" for member in group]
        marks = ", ".join("?" * len(facets))
        clause = (
            f"i.facet IN ({marks}) AND NOT EXISTS (SELECT 1 FROM {index} k "
            "WHERE k.first_position = i.first_position AND k.version = i.version "
            f"AND k.facet IN ({marks}) AND k.facet < i.facet)"
        )
        return clause, [*facets, *facets]

    def _actor_body(self, c: Cursor, slug: str) -> dict[str, Any]:
        c.execute(f"SELECT body FROM {self._t('actor_directory')} WHERE slug = ?", (slug,))
        row = c.fetchone()
        if row is None:
            raise ActorNotFound(slug)
        actor: dict[str, Any] = orjson.loads(bytes(row[0]))
        return actor

    # Sources and topics ---------------------------------------------------

    def sources(self, q: str | None, limit: int = 20, after: str | None = None) -> list[bytes]:
        """Sources by id, after the id `after`, each with `entries`: how many active
        entries cite it; with `q`, those whose title or publisher contains it,
        ignoring case, accents and invisible format characters."""
        directory, citations = self._t("source_directory"), self._t("source_citations")
        where, params = ["d.slug > ?"], [after or ""]
        if q is not None:
            folded = search_fold(q).strip()
            if not folded:
                raise ValidationError("q", "expected some text to look for")
            where.append("d.folded LIKE ? ESCAPE '\\'")
            params.append("%" + re.sub(r"([\\%_])", r"\\\1", folded) + "%")
        with self.db.read() as c:
            c.execute(
                f"SELECT d.body, (SELECT COUNT(*) FROM {citations} s "
                "WHERE s.source = d.slug AND s.active = 1) "
                f"FROM {directory} d WHERE {' AND '.join(where)} ORDER BY d.slug LIMIT ?",
                (*params, limit),
            )
            rows = c.fetchall()
        return [_with_entries(body, n) for body, n in rows]

    def source(self, slug: str) -> bytes:
        """The source `slug` as `sources` lists it, with `entries`; raise SourceNotFound."""
        directory, citations = self._t("source_directory"), self._t("source_citations")
        with self.db.read() as c:
            c.execute(
                f"SELECT d.body, (SELECT COUNT(*) FROM {citations} s "
                "WHERE s.source = d.slug AND s.active = 1) "
                f"FROM {directory} d WHERE d.slug = ?",
                (slug,),
            )
            row = c.fetchone()
        if row is None:
            raise SourceNotFound(slug)
        return _with_entries(row[0], row[1])

    def topics(
        self, filters: TimelineFilters, *, as_of: str | int | None = None
    ) -> tuple[list[dict[str, Any]], AsOf]:
        """Every topic of the entries the timeline's `filters` keep as of `as_of`
        (or now), with how many of them carry it, by topic (with `filters.topic`:
        the topics found beside it); `order` plays no part."""
        with self.db.read() as c:
            position = self._position(c, as_of)
            rows = self._count_by(c, filters, position, "t", by_kind=False)
            moment = AsOf(position, self._recorded_at(c, position))
        return [{"topic": facet[2:], "entries": n} for facet, _, n in rows], moment

    def tally(
        self, filters: TimelineFilters, *, as_of: str | int | None = None, topics: bool = False
    ) -> Tally:
        """How many entries the timeline's `filters` keep as of `as_of` (or now): by the
        month each states it starts in and kind, by actor named (as recorded, once an
        entry) and, with `topics`, by topic as `topics()` counts them. Counted in the
        store, whatever their number."""
        with self.db.read() as c:
            position = self._position(c, as_of)
            months: dict[str, dict[str, int]] = {}
            for facet, kind, n in self._count_by(c, filters, position, "m", by_kind=True):
                months.setdefault(facet[2:], {})[kind] = n
            by_actor = self._count_by(c, filters, position, "a", by_kind=False)
            actors = {facet[2:]: n for facet, _, n in by_actor}
            by_topic = self._count_by(c, filters, position, "t", by_kind=False) if topics else []
            moment = AsOf(position, self._recorded_at(c, position))
        return Tally(months, actors, moment, {facet[2:]: n for facet, _, n in by_topic})

    def _count_by(
        self, c: Cursor, filters: TimelineFilters, position: int, prefix: str, *, by_kind: bool
    ) -> list[tuple[str, str, int]]:
        """(facet, kind, versions) of the facets `<prefix>:…` of the versions `filters`
        keep at `position`, by facet (and kind, else kind is ''), in that order."""
        index = self._t("timeline_index")
        carried = self._carried(c, filters, position)
        joined = ""
        # Facets of one sort are `<prefix>:<value>`: a range on the facet index.
        counted = f"x.facet >= '{prefix}:' AND x.facet < '{prefix};'"
        row, alone = "x.facet", counted.replace("x.", "i.")
        if prefix == "m":
            # A version's month is a column of its `*` row, found by that row's whole key.
            counted = "x.facet = '*' AND x.occurred_start = i.occurred_start AND x.span = i.span"
            row, alone = "x.month", "i.facet = '*'"
        if not carried:
            kept, params = self._kept(filters, position, [])
            lead, lead_params = alone, []
            row = row.replace("x.", "i.")
        else:
            # From the rows of the facet asked for (the actor's, or its group's, taking
            # a version once), to the same version's rows of the sort counted.
            first, *rest = carried
            kept, params = self._kept(filters, position, rest)
            if len(first) == 1:
                lead, lead_params = "i.facet = ?", first
            else:
                lead, lead_params = self._group_clause(index, [f[2:] for f in first])
            joined = (
                f" JOIN {index} x ON x.first_position = i.first_position "
                f"AND x.version = i.version AND {counted}"
            )
        group = f"{row}, i.kind" if by_kind else row
        kind = "i.kind" if by_kind else "''"
        c.execute(
            f"SELECT {row}, {kind}, COUNT(*) FROM {index} i{joined} "
            f"WHERE {' AND '.join([lead, *kept])} GROUP BY {group} ORDER BY {group}",
            [*lead_params, *params],
        )
        found = c.fetchall()
        if prefix == "m":  # 202311 -> m:2023-11, as the facet was
            return [(f"m:{m // 100:04d}-{m % 100:02d}", str(k), int(n)) for m, k, n in found]
        return [(str(facet), str(kind), int(n)) for facet, kind, n in found]

    def _carried(self, c: Cursor, filters: TimelineFilters, position: int) -> list[list[str]]:
        """The facets an entry `filters` keep carries at `position`, each as the list of
        those it may carry one of: the actor's, widened to every actor merged into it
        by then, as the timeline widens it; the topic's."""
        carried = [[f"a:{member}" for member in self._merged_group(c, filters.actor, position)]]
        return [*filter(None, carried), *([[f"t:{filters.topic}"]] if filters.topic else [])]

    def _kept(
        self,
        filters: TimelineFilters,
        position: int,
        facets: list[list[str]],
        *,
        search_drives: list[tuple[int, int]] | None = None,
    ) -> tuple[list[str], list[Any]]:
        """The clauses, and their parameters, keeping an index row `i` of a version
        valid at `position` that `filters` keep: kind, dates, status, words, and the
        `facets` the entry must also carry, one of each list (asked of its other
        index rows). With `search_drives`, the keys of the versions the words
        match, few enough to start from."""
        index = self._t("timeline_index")
        where = ["i.valid_from <= ?", "i.valid_to > ?"]
        params: list[Any] = [position, position]
        if not filters.include_retracted:
            where.append("i.status = 'active'")
        if filters.kind:
            if filters.kind not in KINDS:
                raise ValidationError("kind", f"expected one of: {', '.join(KINDS)}")
            where.append("i.kind = ?")
            params.append(filters.kind)
        if filters.end:
            where.append("i.occurred_start <= ?")
            params.append(parse_edtf_date(filters.end, "to").end.isoformat())
        if filters.start:
            where.append("i.occurred_end >= ?")
            params.append(parse_edtf_date(filters.start, "from").start.isoformat())
        for alternatives in facets:
            test = (
                "= ?" if len(alternatives) == 1 else f"IN ({', '.join('?' * len(alternatives))})"
            )
            # A version's rows share its start and span: probed along the ordered
            # index, the facet's rows are met in the order the walk asks for them,
            # on pages just read, where the primary key's probes land all over the
            # table (an actor's page of a topic at a million entries: 2 ms, not 5).
            # `+` keeps the version out of reach of the key, which would win.
            where.append(
                f"EXISTS (SELECT 1 FROM {index} j WHERE j.facet {test} "
                "AND j.occurred_start = i.occurred_start AND j.span = i.span "
                "AND j.first_position = i.first_position AND +j.version = i.version)"
            )
            params.extend(alternatives)
        if filters.q is not None:
            clause, words = self._search_clause(search_drives, filters.q)
            where.append(clause)
            params.extend(words)
        return where, params

    # The clock ------------------------------------------------------------

    def position(self, as_of: str | int | None = None) -> int:
        """The log position an answer as of `as_of` (or now) reflects."""
        with self.db.read() as c:
            return self._position(c, as_of)

    def _head(self, c: Cursor) -> int:
        """The position both views the queries read by position have reached: the
        timeline, and the actor versions, which say which actors were merged by then."""
        views = (self._t("timeline"), self._t("actor_versions"))
        reached = tracked_positions(c, views)
        return min(reached.get(view, 0) for view in views)

    def _position(self, c: Cursor, as_of: str | int | None, head: int | None = None) -> int:
        """The position an answer reflects: `as_of` when given, never past the views' head
        (`head`, read from the store when not given)."""
        if head is None:
            head = self._head(c)
        if (given := _position_given(as_of, head)) is not None:
            return given
        text = str(as_of)
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise ValidationError(
                "as_of", "expected a log position or an ISO 8601 time such as 2024-01-03T00:00:00Z"
            ) from None
        c.execute(
            f"SELECT MAX(position) FROM {self._t('timeline_clock')} WHERE reached_at <= ?",
            (moment.isoformat(),),
        )
        row = c.fetchone()
        found = 0 if row is None or row[0] is None else int(row[0])
        return min(found, head)

    def _recorded_at(self, c: Cursor, position: int) -> str | None:
        """When the record reached `position`: the latest time recorded up to it."""
        if self._moment[0] == position:
            return self._moment[1]
        c.execute(
            f"SELECT reached_at FROM {self._t('timeline_clock')} WHERE position <= ? "
            "ORDER BY position DESC LIMIT 1",
            (position,),
        )
        row = c.fetchone()
        moment = None if row is None else str(row[0])
        self._moment = (position, moment)
        return moment

    def _t(self, table: str) -> str:
        return table + self.suffix


@dataclass(frozen=True)
class _Matches:
    """The positions of the versions a common search matches, up to `reached`: a set,
    or a bitmap of the log (a bit a position) once that is smaller. Never changed
    in place: a page being read elsewhere keeps the one it was given."""

    reached: int
    positions: frozenset[int] | bytes

    def __contains__(self, position: int) -> bool:
        if isinstance(self.positions, frozenset):
            return position in self.positions
        byte = position >> 3
        return byte < len(self.positions) and bool(self.positions[byte] >> (position & 7) & 1)

    @property
    def size(self) -> int:
        """The bytes it takes, about."""
        if isinstance(self.positions, frozenset):
            return _SET_BYTES * len(self.positions)
        return len(self.positions)

    def extended(self, reached: int, found: list[int]) -> _Matches:
        """These and the positions `found` after them, up to `reached`."""
        positions = self.positions
        if isinstance(positions, frozenset):
            if _SET_BYTES * (len(positions) + len(found)) <= reached // 8 + 1:
                return _Matches(reached, positions.union(found))
            found = [*positions, *found]
            positions = b""
        bits = bytearray(positions)
        bits.extend(bytes(max(0, reached // 8 + 1 - len(bits))))
        for position in found:
            bits[position >> 3] |= 1 << (position & 7)
        return _Matches(reached, bytes(bits))


def _survivor(slug: str, survivor_of: dict[str, str]) -> str:
    """The actor `slug` reads as after its merges: the end of its chain."""
    while slug in survivor_of:
        slug = survivor_of[slug]
    return slug


def _with_role(body: bytes | memoryview, role: str | None) -> bytes:
    item: dict[str, Any] = orjson.loads(unpack(body))
    item["role"] = role
    return orjson.dumps(item)


# Popular pages ask the same few questions again and again.
@lru_cache(maxsize=4096)
def _query_digest(filters: TimelineFilters, with_role: bool) -> str:
    """A short digest of the question a cursor continues, so it fits no other."""
    raw = orjson.dumps([astuple(filters), with_role])
    return hashlib.sha256(raw).hexdigest()[:12]


def _encode_cursor(position: int, after: tuple[str, int, int], query: str) -> str:
    raw = orjson.dumps([position, *after, query])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, query: str) -> tuple[int, tuple[str, int, int]]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position, start, span, first, made_for = orjson.loads(raw)
        # Whole numbers the views can hold: not booleans, not past 64 bits.
        numbers = (position, span, first)
        if not all(type(v) is int and 0 <= v <= FOREVER for v in numbers) or not isinstance(
            start, str
        ):
            raise ValueError(cursor)
    except (ValueError, binascii.Error, orjson.JSONDecodeError, TypeError):
        raise ValidationError(
            "cursor", "expected the next_cursor of an earlier page, unchanged"
        ) from None
    if made_for != query:
        raise ValidationError(
            "cursor", "this cursor continues another query: keep the filters of its first page"
        )
    return position, (start, span, first)


def _position_given(as_of: str | int | None, head: int) -> int | None:
    """The position `as_of` names without the clock (now, or a position), never past
    `head`; None for a time, which needs the clock. Raise ValidationError when negative."""
    if as_of is None:
        return head
    if isinstance(as_of, int) and not isinstance(as_of, bool):
        if as_of < 0:
            raise ValidationError("as_of", "expected a log position, 0 or more")
        return min(as_of, head)
    if _is_position(str(as_of)):
        return min(int(as_of), head)
    return None


class _NeedsClock:
    """`as_of` names no position by itself: a time, or text `_position` refuses."""


def _asked_position(as_of: str | int | None) -> int | _NeedsClock | None:
    """The position `as_of` names without the clock (None: now), or `_NeedsClock`;
    raise ValidationError when negative, as `_position_given` does."""
    if as_of is None:
        return None
    if isinstance(as_of, int) and not isinstance(as_of, bool):
        if as_of < 0:
            raise ValidationError("as_of", "expected a log position, 0 or more")
        return as_of
    if _is_position(str(as_of)):
        return int(as_of)
    return _NeedsClock()


@lru_cache(maxsize=8)
def _entry_statement(suffix: str, *, at_most: bool) -> str:
    """The entry's body at the position asked (`at_most`: the lesser of a given one
    and the views' head; else the head) in a first row, then a row a link made to
    it by then, in order: what `_head`, `_entry_body` and `_links` read, in one
    statement. Nothing at all when the entry is not there at that position."""
    at = "CASE WHEN head < ? THEN head ELSE ? END" if at_most else "head"
    return (
        "WITH reached AS ("
        "SELECT CASE WHEN COUNT(DISTINCT view) = 2 THEN MIN(position) ELSE 0 END AS head "
        f"FROM {TRACKING_TABLE} WHERE view IN (?, ?)), "
        f"asked AS (SELECT {at} AS p FROM reached) "
        "SELECT 0, asked.p, e.body, NULL, NULL "
        f"FROM asked JOIN timeline_entries{suffix} e ON e.entry_id = ? "
        "AND e.valid_from <= asked.p AND e.valid_to > asked.p "
        "UNION ALL "
        "SELECT 1, l.position, NULL, l.relation, l.from_entry "
        f"FROM asked JOIN entry_links{suffix} l ON l.to_entry = ? "
        "AND l.position <= asked.p "
        "ORDER BY 1, 2"
    )


def _with_incoming(body: bytes, incoming: list[dict[str, str]]) -> bytes:
    # The body is stored serialized: the links it does not hold go on its end.
    return body[:-1] + b',"incoming_links":' + orjson.dumps(incoming) + b"}"


def _is_position(text: str) -> bool:
    # ASCII only: superscripts and other scripts' digits pass str.isdigit(), and int()
    # refuses or misreads them.
    return text.isascii() and text.isdigit()


def _with_entries(body: bytes | memoryview, entries: int) -> bytes:
    """A source's stored body with its count of citing entries spliced in as `entries`."""
    return bytes(body)[:-1] + b',"entries":%d}' % int(entries)


def _asked_facets(filters: TimelineFilters) -> list[str]:
    """The index facets `filters` ask for: the actor's (`a:`) first, then the topic's (`t:`)."""
    return [
        *([f"a:{filters.actor}"] if filters.actor else []),
        *([f"t:{filters.topic}"] if filters.topic else []),
    ]
