"""Every difference between SQLite and PostgreSQL that the read side knows, in one place.

The views write their SQL once, with `?` placeholders and portable types; what
cannot be written once is a member of `Dialect`, and each backend's database
(`projections.database`) carries its own: `db.dialect.blob`, never a
comparison of the backend's name. A new difference becomes a member here, with its
value on both sides, so the two can only be read side by side.

The store a config names has its dialect by type (`dialect_of`); no module
matches URL or environment strings to learn which backend it runs on.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from domain import PostgresConfig, SQLiteConfig, StoreConfig

__all__ = ["POSTGRESQL", "SQLITE", "Dialect", "dialect_of"]

Row = tuple[Any, ...]


def _same(rows: list[Row]) -> list[Row]:
    return rows


def _bytes_for_views(rows: list[Row]) -> list[Row]:
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]


@dataclass(frozen=True)
class Dialect:
    """What differs between the two backends, for the views, the ledger and the queries."""

    name: Literal["sqlite", "postgresql"]
    """The backend's name, as `GET /health` reports it."""

    views_follow_in_process: bool
    """Whether the process that writes or reads applies new events to the views itself
    (SQLite: nothing runs beside it), or `policy-timeline project` does (PostgreSQL)."""

    blob: str
    """The column type of bytes (pre-serialized JSON, hashes)."""

    sortable_text: str
    """A text column that sorts byte-wise, whatever the database's collation (ISO dates)."""

    integer_key: str
    """The type of an integer primary key; on SQLite it is the rowid, no second B-tree."""

    clustered: str
    """What ends `CREATE TABLE` of a table kept in the order of its primary key, with no
    second B-tree for the key (SQLite's WITHOUT ROWID); PostgreSQL has no such table."""

    log_table: str
    """The event log's table, as the library names it for the application `timeline`."""

    log_position: str
    """The event log's column that numbers its rows: the log position."""

    log_id: Callable[[UUID], str]
    """An originator id as the log's `originator_id` column compares it."""

    id_bytes: Callable[[Any], bytes]
    """The 16 bytes of an `originator_id` as the log's table gives it back."""

    plain_rows: Callable[[list[Row]], list[Row]]
    """Rows with binary columns as `bytes`: a driver may give memoryviews, never equal
    to bytes."""

    search_table: str
    """`CREATE ...` of the full-text table `{table}` of words by version, each version
    known by its log position (its `valid_from`), with `{token}` naming its indexes.
    The words themselves need not be kept (SQLite's is contentless): only found."""

    search_key: str
    """The full-text table's column of a version's log position."""

    search_index: str | None
    """A second statement creating the full-text index, when the table needs one."""

    search_insert: str
    """`INSERT INTO {table}` of one (position, words) row."""

    search_match: str
    """The condition, on the full-text table `{table}`, that its words match one `?`."""

    search_terms: Callable[[list[str]], str]
    """The `?` of `search_match` for these words, all of which must match."""

    table_columns: str
    """A query of the names of the columns of the table named by its one `?`, as the
    store has it now (a reshape asks which columns an older shape left)."""

    def search_statements(self, table: str, token: str) -> list[str]:
        """The statements creating the full-text table `table`."""
        create = [self.search_table.format(table=table, token=token)]
        if self.search_index is not None:
            create.append(self.search_index.format(table=table, token=token))
        return create


SQLITE = Dialect(
    name="sqlite",
    views_follow_in_process=True,
    blob="BLOB",
    sortable_text="TEXT",
    integer_key="INTEGER",
    clustered=" WITHOUT ROWID",
    log_table="stored_events",
    log_position="rowid",
    log_id=operator.attrgetter("hex"),
    id_bytes=bytes.fromhex,
    plain_rows=_same,
    search_table=(
        "CREATE VIRTUAL TABLE {table} USING fts5("
        "words, content = '', tokenize = 'unicode61 remove_diacritics 2')"
    ),
    search_key="rowid",
    search_index=None,
    search_insert="INSERT INTO {table} (rowid, words) VALUES (?, ?)",
    search_match="{table} MATCH ?",
    search_terms=lambda words: " ".join(f'"{word}"' for word in words),
    table_columns="SELECT name FROM pragma_table_info(?)",
)

POSTGRESQL = Dialect(
    name="postgresql",
    views_follow_in_process=False,
    blob="BYTEA",
    sortable_text='TEXT COLLATE "C"',
    integer_key="BIGINT",
    clustered="",
    log_table="timeline_events",
    log_position="notification_id",
    log_id=str,
    id_bytes=operator.attrgetter("bytes"),
    plain_rows=_bytes_for_views,
    search_table=("CREATE TABLE {table} (position BIGINT PRIMARY KEY, words TSVECTOR NOT NULL)"),
    search_key="position",
    search_index="CREATE INDEX ix_{table}_words_{token} ON {table} USING GIN (words)",
    search_insert="INSERT INTO {table} (position, words) VALUES (?, to_tsvector('simple', ?))",
    search_match="words @@ plainto_tsquery('simple', ?)",
    search_terms=" ".join,
    table_columns=(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?"
    ),
)


def dialect_of(store: StoreConfig) -> Dialect:
    """The dialect of the store `store` names."""
    if isinstance(store, SQLiteConfig):
        return SQLITE
    if isinstance(store, PostgresConfig):
        return POSTGRESQL
    raise TypeError(f"no dialect for {store!r}")  # a third backend added without one
