"""Where the read models live: the same SQLite file or PostgreSQL database as the log.

SQL is written once, with `?` placeholders and portable types; the PostgreSQL
side translates the placeholders. Write transactions on SQLite begin
IMMEDIATE, so two processes catching up at once queue for the write lock
instead of failing when one's read snapshot goes stale. What cannot be written
once is the database's `dialect` (`projections.dialect`).
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import Any, ClassVar, Protocol

from domain import PostgresConfig, SQLiteConfig, StoreConfig
from projections.dialect import POSTGRESQL, SQLITE, Dialect

__all__ = [
    "Cursor",
    "Database",
    "PostgresDatabase",
    "RebuildRunning",
    "SQLiteDatabase",
    "open_database",
]

Row = tuple[Any, ...]
_MEMORY_REBUILDS: dict[str, threading.Lock] = {}
CACHE_KIB = 64 * 1024  # per connection: a million-entry rebuild inserts all over its B-trees
MMAP_BYTES = 2**31 - 2**16  # SQLite's default ceiling for mmap_size
SCHEMA_LOCK = 0x7469_6D65  # "time": the advisory lock key for view schema changes
REBUILD_LOCK = 0x7265_6275  # "rebu": held by the one rebuild of a store's views
VIEW_LOCKS = 0x7669  # "vi": with a view's name hashed, the two-key lock of one view


class RebuildRunning(RuntimeError):
    """Another rebuild of this store's views is under way; two would share their tables."""

    def __init__(self) -> None:
        super().__init__("another replay of these views is running; try again when it ends")


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any: ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...


class Database(Protocol):
    @property
    def dialect(self) -> Dialect:
        """The backend's differences: the few non-portable statements and types."""

    def write(self) -> Any:
        """A context manager: one transaction holding the write lock, committed on exit."""

    def read(self) -> Any:
        """A context manager: one consistent snapshot for a few queries."""

    def table_exists(self, name: str, c: Cursor | None = None) -> bool: ...

    def schema_change(self) -> Any:
        """A context manager: a write transaction no other process changes the schema in."""

    def serialize(self, c: Cursor, name: str) -> None:
        """Hold, until `c`'s transaction ends, the lock that lets one writer at a time apply
        events to the view `name`."""

    def exclusive_rebuild(self) -> Any:
        """A context manager: the one rebuild of this store's views; raise RebuildRunning."""

    def close(self) -> None: ...


def open_database(store: StoreConfig) -> SQLiteDatabase | PostgresDatabase:
    """The database of the store `store` (from `domain.parse_store_url`) names."""
    if isinstance(store, SQLiteConfig):
        return SQLiteDatabase(store.name, store.lock_timeout)
    if isinstance(store, PostgresConfig):
        return PostgresDatabase(
            dbname=store.dbname,
            host=store.host,
            port=str(store.port),
            user=store.user,
            password=store.password,
            schema=store.schema,
        )
    raise TypeError(f"no database for {store!r}")


class SQLiteDatabase:
    """One connection per thread to the store's SQLite file, in WAL mode."""

    dialect: ClassVar[Dialect] = SQLITE

    def __init__(self, name: str, timeout: float = 10.0) -> None:
        self.name = name
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.name,
                uri=self.name.startswith("file:"),
                timeout=self.timeout,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=64,
            )
            if not self.name.startswith("file:"):
                _use_wal(connection)
            # The views can always be rebuilt from the log, so they need not wait
            # for the disk at each commit; WAL keeps them consistent regardless.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            # Reads map the file rather than copy each page through read(): a
            # timeline page touches ~50 entry rows spread over a large table.
            connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        cursor = self._connection().cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        cursor = self._connection().cursor()
        cursor.execute("BEGIN")
        try:
            yield cursor
        finally:
            cursor.execute("COMMIT")

    def table_exists(self, name: str, c: Cursor | None = None) -> bool:
        if c is None:
            with self.read() as c:
                return self.table_exists(name, c)
        c.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,))
        return c.fetchone() is not None

    def schema_change(self) -> AbstractContextManager[sqlite3.Cursor]:
        # BEGIN IMMEDIATE already keeps every other writer out.
        return self.write()

    def serialize(self, c: Cursor, name: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's one write lock."""

    @contextmanager
    def exclusive_rebuild(self) -> Iterator[None]:
        if self.name.startswith("file:"):  # a memory database lives in one process
            lock = _MEMORY_REBUILDS.setdefault(self.name, threading.Lock())
            if not lock.acquire(blocking=False):
                raise RebuildRunning()
            try:
                yield
            finally:
                lock.release()
            return
        # A lock file beside the database: the kernel lets it go if the process dies.
        with open(f"{self.name}.rebuild-lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildRunning() from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
        self._local = threading.local()


@lru_cache(maxsize=1024)
def _to_pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class _PostgresCursor:
    """A psycopg cursor that takes the `?` placeholders the views are written with."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        return self._cursor.execute(_to_pyformat(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any:
        return self._cursor.executemany(_to_pyformat(sql), rows)

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        rows: list[Row] = self._cursor.fetchall()
        return rows


class PostgresDatabase:
    """A small connection pool on the store's PostgreSQL database."""

    dialect: ClassVar[Dialect] = POSTGRESQL

    def __init__(
        self,
        *,
        dbname: str,
        host: str,
        port: str,
        user: str,
        password: str,
        schema: str | None = None,
    ) -> None:
        from psycopg_pool import ConnectionPool

        options = f"-c search_path={schema}" if schema else None
        kwargs: dict[str, Any] = {
            "dbname": dbname,
            "host": host,
            "port": port,
            "user": user,
            "password": password,
        }
        if options:
            kwargs["options"] = options
        self.schema = schema or "public"
        self._pool = ConnectionPool(kwargs=kwargs, min_size=1, max_size=8, open=True)

    @contextmanager
    def write(self) -> Iterator[_PostgresCursor]:
        # Shared with every other writer, exclusive to a schema change: a follower
        # never reads its position just before a swap renames its tables.
        with self._locked("pg_advisory_xact_lock_shared") as cursor:
            yield cursor

    @contextmanager
    def read(self) -> Iterator[_PostgresCursor]:
        with self._pool.connection() as connection, connection.transaction():
            cursor = connection.cursor()
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _PostgresCursor(cursor)

    def table_exists(self, name: str, c: Cursor | None = None) -> bool:
        if c is None:
            with self.read() as c:
                return self.table_exists(name, c)
        c.execute("SELECT to_regclass(?)", (f"{self.schema}.{name}",))
        row = c.fetchone()
        return row is not None and row[0] is not None

    @contextmanager
    def schema_change(self) -> Iterator[_PostgresCursor]:
        # Two processes creating the same table at once would collide in the
        # catalogue; the exclusive lock, taken first and held to commit, queues them.
        with self._locked("pg_advisory_xact_lock") as cursor:
            yield cursor

    def serialize(self, c: Cursor, name: str) -> None:
        # READ COMMITTED lets two followers read one position and apply the same
        # events; the second now waits, then reads the first one's position.
        c.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (VIEW_LOCKS, name))

    @contextmanager
    def exclusive_rebuild(self) -> Iterator[None]:
        # A session lock, held on one pooled connection for the whole rebuild.
        with self._pool.connection() as connection:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (REBUILD_LOCK,)).fetchone()
            connection.commit()
            if row is None or not row[0]:
                raise RebuildRunning()
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (REBUILD_LOCK,))
                connection.commit()

    @contextmanager
    def _locked(self, lock: str) -> Iterator[_PostgresCursor]:
        with self._pool.connection() as connection, connection.transaction():
            cursor = _PostgresCursor(connection.cursor())
            cursor.execute(f"SELECT {lock}(?)", (SCHEMA_LOCK,))
            yield cursor

    def close(self) -> None:
        self._pool.close()


def _use_wal(connection: sqlite3.Connection, attempts: int = 100) -> None:
    """Put the file in WAL mode, once for every connection to it.

    The switch needs the file to itself, and SQLite's busy timeout does not
    cover it: processes opening a new file together (API workers, the token
    store) can find it locked. Once in WAL mode it stays so, and nobody switches.
    """
    for attempt in range(attempts):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.01)
