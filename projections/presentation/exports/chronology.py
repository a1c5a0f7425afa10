"""The entries an export holds: the timeline at one log position, streamed page by page.

`open_chronology` fixes the position first (now, a position, or a time) and
asks for the first page at once, so bad filters fail before the first byte
is written; the rest follows with keyset cursors, a page at a time, so a
million entries pass through in the memory of one page. Every cursor carries
the first page's position, so entries recorded meanwhile stay out.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

import orjson

from projections.audit import LedgerBehind
from projections.database import Cursor, Database, LazyRead, SQLiteDatabase
from projections.presentation.exports.entry import ExportEntry
from projections.presentation.exports.references import References
from projections.queries import Page, Queries, TimelineFilters

if TYPE_CHECKING:
    from domain import TimelineApp
    from projections.audit import Ledger
    from projections.trust.checkpoints import SignedCheckpoints

__all__ = ["FILTER_NAMES", "Chronology", "ExportMeta", "ReadSide", "open_chronology"]

PAGE_SIZE = 500
SCAN_CACHE_KIB = 2048
LEDGER_WAIT_SECONDS = 5.0
# The filters by the names the command line and the HTTP API give them, in this order.
FILTER_NAMES = {
    "topic": "topic",
    "actor": "actor",
    "kind": "kind",
    "start": "from",
    "end": "to",
    "q": "q",
    "include_retracted": "include_retracted",
    "order": "order",
}
Progress = Callable[[int], None]


class ReadSide(Protocol):
    """What an export reads: `projections.read_models.ReadModels`, or where every
    view is already level with the log, `projections.level.LevelViews`."""

    db: Database
    checkpoints: SignedCheckpoints | None

    @property
    def ledger(self) -> Ledger: ...

    @property
    def app(self) -> TimelineApp: ...

    def wait_for(self, position: int, timeout: float = ..., *, ledger: bool = ...) -> int: ...


@dataclass(frozen=True)
class ExportMeta:
    """What an export reflects: the log position, its recorded time, the ledger's
    head hash at that position, and the filters."""

    position: int
    recorded_at: str | None
    head_hash: str
    filters: TimelineFilters
    checkpoint: str | None = None
    """The signed checkpoint (C2SP) of the tree up to `position`, when the log has a
    key: what lets a published export be checked against the log years later."""

    def checkpoint_base64(self) -> str | None:
        """The signed checkpoint in one line (base64 of its text), for headers and CSV."""
        if self.checkpoint is None:
            return None
        return base64.b64encode(self.checkpoint.encode()).decode()

    def filter_pairs(self) -> list[tuple[str, str]]:
        """The filters given, by their public names; `include_retracted` and `order` always."""
        pairs = []
        for field in fields(self.filters):
            value = getattr(self.filters, field.name)
            if value is None:
                continue
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            pairs.append((FILTER_NAMES[field.name], text))
        return pairs

    def filters_query(self) -> str:
        """The filters as a query string: `topic=migration&include_retracted=false&order=asc`."""
        return urlencode(self.filter_pairs())

    def filters_text(self) -> str:
        """The filters for people: `topic: migration; include_retracted: false; order: asc`."""
        return "; ".join(f"{name}: {value}" for name, value in self.filter_pairs())

    def describe(self) -> str:
        """One sentence naming the position, its time and the head hash."""
        moment = f" (recorded by {self.recorded_at})" if self.recorded_at else ""
        return (
            f"The record as of log position {self.position}{moment}; "
            f"ledger head hash {self.head_hash}."
        )


class Chronology:
    """The entries of one export, read once, in timeline order; `count` so far."""

    def __init__(
        self,
        meta: ExportMeta,
        first: Page,
        queries: Queries,
        references: References,
        progress: Progress | None = None,
        page_size: int = PAGE_SIZE,
        own_db: Database | None = None,
    ) -> None:
        self.meta = meta
        self.count = 0
        self._first: Page | None = first
        self._queries = queries
        self._references = references
        self.progress = progress
        self._page_size = page_size
        self._own_db = own_db

    @property
    def references(self) -> References:
        """The actors and sources as they stood at the export's position."""
        return self._references

    def entries(self) -> Iterator[ExportEntry]:
        """Each entry with its references resolved; raise RuntimeError when read twice.

        The chronology's own connections close when the entries end, or when
        the reader stops early and the generator is closed."""
        page = self._first
        if page is None:
            raise RuntimeError("a chronology is read once; open another to read it again")
        self._first = None
        try:
            while True:
                for item in page.items:
                    self.count += 1
                    yield ExportEntry.build(orjson.loads(item), self._references)
                if self.progress is not None and page.items:
                    self.progress(len(page.items))
                if page.next_cursor is None:
                    return
                page = self._queries.timeline(
                    self.meta.filters, limit=self._page_size, cursor=page.next_cursor
                )
        finally:
            self.close()

    def estimate(self) -> int:
        """At most how many entries the export holds, for a progress bar: the
        entries of its actor or topic (else all) at its position. Exact without
        other filters; theirs (kind, dates, words, a second facet) only narrow it."""
        filters = self.meta.filters
        facet = (
            f"a:{filters.actor}"
            if filters.actor
            else (f"t:{filters.topic}" if filters.topic else "*")
        )
        index = "timeline_index" + self._queries.suffix
        status = "" if filters.include_retracted else " AND status = 'active'"
        position = self.meta.position
        with self._queries.db.read() as c:
            c.execute(
                f"SELECT COUNT(*) FROM {index} "
                f"WHERE facet = ? AND valid_from <= ? AND valid_to > ?{status}",
                [facet, position, position],
            )
            row = c.fetchone()
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        """Close the connections the chronology opened for itself (idempotent)."""
        if self._own_db is not None:
            self._own_db.close()
            self._own_db = None


def open_chronology(
    read_side: ReadSide,
    filters: TimelineFilters,
    *,
    as_of: str | int | None = None,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
) -> Chronology:
    """The timeline as of `as_of` (a position, an ISO time, or now) with `filters`.

    Raise ValidationError for a bad filter or `as_of`, before any entry is read,
    and LedgerBehind when the ledger has not reached the position in time.
    """
    own = _scan_database(read_side.db)
    db = own or read_side.db
    try:
        # Its own queries, without the page cache: an export's pages are asked
        # once and would push out the pages readers ask again and again.
        queries = Queries(db)
        position = queries.position(as_of)
        first = queries.timeline(filters, as_of=position, limit=page_size)
        meta = ExportMeta(
            position=position,
            recorded_at=first.as_of.recorded_at,
            head_hash=head_hash(read_side, position),
            filters=filters,
            checkpoint=_signed_checkpoint(read_side, position),
        )
        references = References(lambda: read_side.app, db, position)
    except BaseException:
        if own is not None:
            own.close()
        raise
    return Chronology(meta, first, queries, references, progress, page_size, own)


class _ScanDatabase(SQLiteDatabase):
    """The views' SQLite file read for one long scan: no memory map, a small page cache.

    The views' own connections map up to 64 MiB of the file and cache 8 MiB
    of pages each, which makes repeated pages fast; a scan of every entry
    would fill both with pages it reads once. Each read sets both again,
    since the pool may give a read any of its connections.
    """

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        with super().read() as c:
            _scan_settings(c)
            yield c

    @contextmanager
    def read_lazily(self) -> Iterator[LazyRead]:
        # The settings are statements: the page's query shares their transaction.
        with super().read_lazily() as c:
            _scan_settings(c)
            yield c


def _scan_settings(c: Cursor) -> None:
    # Inside a deferred BEGIN nothing is read yet, so both take effect now.
    c.execute("PRAGMA mmap_size=0")
    c.execute(f"PRAGMA cache_size=-{SCAN_CACHE_KIB}")


def _scan_database(db: Database) -> Database | None:
    """A database of its own for a long scan on SQLite; None elsewhere (use `db`)."""
    if isinstance(db, SQLiteDatabase):
        return _ScanDatabase(db.name, db.timeout)
    return None


def _signed_checkpoint(read_side: ReadSide, position: int) -> str | None:
    """The tree head at `position`, signed (deterministic: the same bytes every time),
    without cosignatures, whose times would change the export's bytes. Raise
    SigningRefused when the signer will not sign the log as it stands."""
    if read_side.checkpoints is None:
        return None
    return str(read_side.checkpoints.at_position(position).note)


def head_hash(read_side: ReadSide, position: int, wait: float = LEDGER_WAIT_SECONDS) -> str:
    """The ledger's root hash over every event up to `position` (64 hex digits).

    On PostgreSQL the ledger follows the log in its own process and may be a
    moment behind the timeline: wait for it up to `wait` seconds, then raise
    LedgerBehind.
    """
    ledger = read_side.ledger
    try:
        return ledger.head(position).root
    except LedgerBehind:
        with suppress(TimeoutError):
            read_side.wait_for(position, timeout=wait)
    return ledger.head(position).root
