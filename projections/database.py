"""Where the read models live: the same SQLite file or PostgreSQL database as the log.

SQL is written once, with `?` placeholders and portable types; the PostgreSQL
side translates the placeholders. Write transactions on SQLite begin
IMMEDIATE, so two processes catching up at once queue for the write lock
instead of failing when one's read snapshot goes stale. What cannot be written
once is the database's `dialect` (`projections.dialect`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from functools import lru_cache
from typing import Any, ClassVar, Protocol

from domain import PostgresConfig, SQLiteConfig, StoreConfig
from projections import multirow
from projections.dialect import POSTGRESQL, SQLITE, Dialect

__all__ = [
    "Cursor",
    "Database",
    "LazyRead",
    "PostgresDatabase",
    "RebuildRunning",
    "SQLiteDatabase",
    "create_table",
    "open_database",
    "usable_cores",
]


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS has no affinity


Row = tuple[Any, ...]
Statement = tuple[str, Sequence[Any]]
"""One statement and its parameters."""
_MEMORY_REBUILDS: dict[str, threading.Lock] = {}
# Per SQLite connection, times at most MAX_CONNECTIONS of them: a timeline page's
# rows and the indexes above them fit many times over in the cache.
CACHE_KIB = 8 * 1024
REBUILD_CACHE_KIB = 64 * 1024  # a million-entry rebuild inserts all over its B-trees
SORT_THREADS = min(usable_cores() - 1, 3)  # a rebuild's sort helpers (`_for_rebuild`)
MMAP_BYTES = 64 * 2**20  # mapped pages count in the process's RSS, once per connection
MAX_CONNECTIONS = 8  # open at once; more readers wait for one to be given back
PG_MAX_CONNECTIONS = 8  # a server's pool on PostgreSQL; `PostgresConfig.connections` lowers it
IDLE_CONNECTIONS = 2  # kept open between transactions; the others close
SCHEMA_LOCK = 0x7469_6D65  # "time": the advisory lock key for view schema changes
REBUILD_LOCK = 0x7265_6275  # "rebu": held by the one rebuild of a store's views
VIEW_LOCKS = 0x7669  # "vi": with a view's name hashed, the two-key lock of one view
_VIEW_LOCK = "pg_advisory_xact_lock(?, hashtext(?))"
TRACKING_CHANNEL = "projection_tracking"  # NOTIFY channel (per schema) of views' positions


class RebuildRunning(RuntimeError):
    """Another rebuild of this store's views is under way; two would share their tables."""

    def __init__(self) -> None:
        super().__init__("another replay of these views is running; try again when it ends")


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any: ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...


class LazyRead(Cursor, Protocol):
    """A read's cursor whose snapshot is taken by its first statement: the
    statements sent with `execute` share one transaction, begun with the first;
    a read whose only statement is `last` runs it on its own, in no transaction."""

    def last(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows of the read's last statement; no statement may follow it."""


class Database(Protocol):
    @property
    def dialect(self) -> Dialect:
        """The backend's differences: the few non-portable statements and types."""

    @property
    def store(self) -> StoreConfig | None:
        """The store this database was opened on (`open_database`), None for a scratch one."""

    @property
    def log_table(self) -> str:
        """The SQL name of the event log's table in this database, schema-qualified on
        PostgreSQL: what an audit, a replay or an export reads the log from."""

    def write(self, *, serialize: Sequence[str] = (), durable: bool = True) -> Any:
        """A context manager: one transaction holding the write lock, committed on exit.

        `serialize` takes the views' locks at once, as `serialize` would; without
        `durable` the commit does not wait for the disk, where the backend can say so
        (PostgreSQL): for views that can be rebuilt from the log, never for the log
        or the ledger. Both go out with the transaction's first statement.
        """

    def read(self) -> Any:
        """A context manager: one consistent snapshot for a few queries."""

    def read_lazily(self) -> Any:
        """A context manager: a `LazyRead`, one consistent snapshot for a few queries,
        where a read that turns out to be one statement costs no BEGIN and COMMIT."""

    def read_row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of one read-only statement, run on its own (no snapshot
        spans two statements this way): for a look-up on every request."""

    def read_rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of one read-only statement, run on its own, as `read_row`: one
        statement is one snapshot, which a read asked on every write can be."""

    def table_exists(self, name: str, c: Cursor | None = None) -> bool: ...

    def schema_change(self) -> Any:
        """A context manager: a write transaction no other process changes the schema in."""

    def serialize(self, c: Cursor, *names: str) -> None:
        """Hold, until `c`'s transaction ends, the locks that let one writer at a time
        apply events to each view named, taken in the order given."""

    def exclusive_rebuild(self) -> Any:
        """A context manager: the one rebuild of this store's views; raise RebuildRunning."""

    def analyze(self, c: Cursor, tables: Sequence[str]) -> None:
        """Gather the planner's statistics of `tables`, freshly filled in bulk."""

    @property
    def announces(self) -> bool:
        """Whether `announce` reaches other processes, so a waiter can `listen` for it."""

    def announce(
        self, c: Cursor, view: str, position: int, *, along: Statement | None = None
    ) -> None:
        """Tell the processes that listen, when `c`'s transaction commits, that the
        view `view` (or each of several names separated by spaces) reached `position`.
        `along` is a statement that records it (a tracking write), run with the
        announcement: in one statement where the backend allows (PostgreSQL)."""

    def listen(self, channel: str | None = None) -> Any:
        """A new connection that receives what `announce` sends (where `announces`),
        or what is sent on `channel`."""

    def close(self) -> None: ...


def create_table(db: Database, name: str, *statements: str) -> None:
    """Run `statements` (CREATE ... IF NOT EXISTS) unless table `name` exists.

    Under the schema lock, so processes starting at once create it once.
    """
    if db.table_exists(name):
        return
    with db.schema_change() as c:
        for statement in statements:
            c.execute(statement)


def open_database(store: StoreConfig) -> SQLiteDatabase | PostgresDatabase:
    """The database of the store `store` (from `domain.parse_store_url`) names."""
    if isinstance(store, SQLiteConfig):
        return SQLiteDatabase(store.name, store.lock_timeout, store=store)
    if isinstance(store, PostgresConfig):
        return PostgresDatabase(
            store=store,
            dbname=store.dbname,
            host=store.host,
            port=str(store.port),
            user=store.user,
            password=store.password,
            schema=store.schema,
            max_connections=store.connections or PG_MAX_CONNECTIONS,
        )
    raise TypeError(f"no database for {store!r}")


class SQLiteDatabase:
    """A small pool of connections to the store's SQLite file, in WAL mode.

    A transaction takes a connection from the pool and gives it back when it
    ends, so the connections open are bounded by `max_connections` however
    many threads read (a server's thread pool has forty), and those left idle
    beyond `idle_connections` are closed when given back. Each connection
    holds three descriptors (the file, its WAL and shared-memory index), a
    page cache of up to `CACHE_KIB` and a map of up to `MMAP_BYTES` of the
    file, so the process holds at most `max_connections` times those.
    """

    dialect: ClassVar[Dialect] = SQLITE

    def __init__(
        self,
        name: str,
        timeout: float = 10.0,
        *,
        max_connections: int = MAX_CONNECTIONS,
        idle_connections: int = IDLE_CONNECTIONS,
        store: SQLiteConfig | None = None,
        scratch: bool = False,
    ) -> None:
        self.name = name
        self.timeout = timeout
        self._store = store
        self.scratch = scratch
        """A file thrown away if anything fails (a replay's `projections.beside`): no
        journal, no waiting for the disk."""
        self.max_connections = max(1, max_connections)
        # At least one stays: a shared-cache memory database ends with its last connection.
        self.idle_connections = max(1, idle_connections)
        self._idle: list[sqlite3.Connection] = []
        self._open = 0
        self._available = threading.Condition()
        self._rebuilding = False
        self._large: set[sqlite3.Connection] = set()  # given the rebuild's cache

    @property
    def store(self) -> SQLiteConfig | None:
        return self._store

    @property
    def log_table(self) -> str:
        return self.dialect.log_table

    @property
    def open_connections(self) -> int:
        """Connections open now, in use or idle."""
        with self._available:
            return self._open

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection = self._acquire()
        try:
            yield connection
        finally:
            self._release(connection)

    def _acquire(self) -> sqlite3.Connection:
        deadline = time.monotonic() + self.timeout
        with self._available:
            while not self._idle and self._open >= self.max_connections:
                left = deadline - time.monotonic()
                if left <= 0 or not self._available.wait(left):
                    raise sqlite3.OperationalError(
                        f"all {self.max_connections} connections to the views stayed busy "
                        f"for {self.timeout} s"
                    )
            if self._idle:
                return self._idle.pop()  # the most recently used: its cache is warm
            self._open += 1
        try:
            return self._connect()
        except BaseException:
            with self._available:
                self._open -= 1
                self._available.notify()
            raise

    def _release(self, connection: sqlite3.Connection) -> None:
        if connection in self._large and not self._rebuilding:
            self._large.discard(connection)
            _for_service(connection)
        with self._available:
            if len(self._idle) < self.idle_connections:
                self._idle.append(connection)
                self._available.notify()
                return
            self._open -= 1
            self._available.notify()
        self._large.discard(connection)
        connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.name,
            uri=self.name.startswith("file:"),
            timeout=self.timeout,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=64,
        )
        try:
            if self.scratch:
                # Thrown away on any failure, and only ever a replay's load: its
                # copies run while the timeline still loads on the other core.
                connection.execute("PRAGMA journal_mode=OFF")
                connection.execute("PRAGMA synchronous=OFF")
                _for_rebuild(connection, helpers=0)
            else:
                if not self.name.startswith("file:"):
                    _use_wal(connection)
                # The views can always be rebuilt from the log, so they need not wait
                # for the disk at each commit; WAL keeps them consistent regardless.
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            # Reads map the file rather than copy each page through read(): a
            # timeline page touches ~50 entry rows spread over a large table.
            connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def write(
        self, *, serialize: Sequence[str] = (), durable: bool = True
    ) -> Iterator[sqlite3.Cursor]:
        # BEGIN IMMEDIATE holds the one write lock, every view's; a commit keeps
        # the connection's synchronous setting, the store's durability.
        with self._connection() as connection:
            self._fit_for_rebuild(connection)
            with _immediate(connection.cursor()) as cursor:
                yield cursor

    def _fit_for_rebuild(self, connection: sqlite3.Connection) -> None:
        # A rebuild inserts all over its B-trees: one writer, a large cache,
        # kept from one of its transactions to the next (a smaller one drops the
        # pages above it), and given back when a write or read ends after the
        # rebuild (`_release`, `exclusive_rebuild`).
        if self._rebuilding and connection not in self._large:
            _for_rebuild(connection)
            self._large.add(connection)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        with self._connection() as connection:
            cursor = connection.cursor()
            cursor.execute("BEGIN")
            try:
                yield cursor
            finally:
                cursor.execute("COMMIT")

    @contextmanager
    def read_lazily(self) -> Iterator[LazyRead]:
        with self._connection() as connection:
            reader = _SQLiteLazyRead(connection.cursor())
            try:
                yield reader
            finally:
                if reader.begun:
                    reader.cursor.execute("COMMIT")

    def read_row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self.read() as c:
            c.execute(sql, params)
            row: Row | None = c.fetchone()
            return row

    def read_rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.read() as c:
            c.execute(sql, params)
            return c.fetchall()

    @contextmanager
    def attached(self, path: str, alias: str) -> Iterator[sqlite3.Cursor]:
        """A write transaction with the SQLite file at `path` attached as `alias`."""
        with self._connection() as connection:
            self._fit_for_rebuild(connection)  # a replay copies its second process's views in
            # ATTACH and DETACH cannot run inside a transaction.
            connection.execute("ATTACH DATABASE ? AS " + alias, (path,))
            try:
                with _immediate(connection.cursor()) as cursor:
                    yield cursor
            finally:
                connection.execute("DETACH DATABASE " + alias)

    def table_exists(self, name: str, c: Cursor | None = None) -> bool:
        if c is None:
            with self.read() as c:
                return self.table_exists(name, c)
        c.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,))
        return c.fetchone() is not None

    def schema_change(self) -> AbstractContextManager[sqlite3.Cursor]:
        # BEGIN IMMEDIATE already keeps every other writer out.
        return self.write()

    def serialize(self, c: Cursor, *names: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's one write lock."""

    def analyze(self, c: Cursor, tables: Sequence[str]) -> None:
        """Nothing to do: the views' queries are written for SQLite's planner without
        statistics, and sqlite_stat1 could turn it from the indexes they count on."""

    announces: ClassVar[bool] = False
    """The views catch up in the process that waits: there is nobody to tell."""

    def announce(
        self, c: Cursor, view: str, position: int, *, along: Statement | None = None
    ) -> None:
        """Nothing to announce: the process that waits applies the events itself."""
        if along is not None:
            c.execute(*along)

    def listen(self, channel: str | None = None) -> Any:
        raise NotImplementedError("SQLite has no notifications; the views catch up in process")

    @contextmanager
    def exclusive_rebuild(self) -> Iterator[None]:
        with self._exclusive_rebuild():
            self._rebuilding = True
            try:
                yield
            finally:
                self._rebuilding = False
                with self._available:
                    idle = [c for c in self._idle if c in self._large]
                    for connection in idle:  # nobody else holds an idle connection
                        self._large.discard(connection)
                        _for_service(connection)

    @contextmanager
    def _exclusive_rebuild(self) -> Iterator[None]:
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
        """Close the idle connections now; one in use closes when its transaction ends."""
        with self._available:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self.idle_connections = 0
        for connection in idle:
            self._large.discard(connection)
            connection.close()


def _for_rebuild(connection: sqlite3.Connection, helpers: int = SORT_THREADS) -> None:
    """Give `connection` what a rebuild's bulk load and its last copies need,
    with `helpers` threads to sort."""
    connection.execute(f"PRAGMA cache_size=-{REBUILD_CACHE_KIB}")
    # The last copies sort every index row, far more than the cache holds at a
    # million entries: SQLite then sorts in runs and merges them, and helper
    # threads take runs to the other cores: the timeline's index rows at a
    # million entries, 24-29 s alone, took 18-22 s with one helper on two cores.
    connection.execute(f"PRAGMA threads={helpers}")
    # Debian builds SQLite to zero every page it frees: each table a rebuild
    # drops (its load tables, the old views at the swap: gigabytes at a million
    # entries) went through the WAL once more as zeroes. They are views, made
    # again from the log. (A redaction, if one is ever built, VACUUMs after.)
    connection.execute("PRAGMA secure_delete=FAST")


def _for_service(connection: sqlite3.Connection) -> None:
    """Take back from `connection` what `_for_rebuild` gave it."""
    connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    connection.execute("PRAGMA threads=0")
    connection.execute(f"PRAGMA secure_delete={_built_secure_delete()}")


@lru_cache(maxsize=1)
def _built_secure_delete() -> int:
    """The `secure_delete` SQLite was built with: what a connection has until told."""
    connection = sqlite3.connect(":memory:")
    try:
        return int(connection.execute("PRAGMA secure_delete").fetchone()[0])
    finally:
        connection.close()


@contextmanager
def _immediate(cursor: sqlite3.Cursor) -> Iterator[sqlite3.Cursor]:
    """A write transaction on `cursor`, begun IMMEDIATE: committed, or rolled back
    on any exception."""
    cursor.execute("BEGIN IMMEDIATE")
    try:
        yield cursor
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


class _SQLiteLazyRead:
    """`LazyRead` on a SQLite connection in autocommit: one statement is consistent
    on its own, and BEGIN and COMMIT are two more for the library and the VFS."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self.begun = False
        self._ended = False

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        self._begin()
        return self.cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any:
        self._begin()
        return self.cursor.executemany(sql, rows)

    def fetchone(self) -> Row | None:
        row: Row | None = self.cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        return self.cursor.fetchall()

    def last(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if not self.begun:
            self._ended = True
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def _begin(self) -> None:
        if self.begun:
            return
        if self._ended:
            # Its snapshot would not be the one `last` read.
            raise RuntimeError("a statement after the last one of a lazy read")
        self.cursor.execute("BEGIN")
        self.begun = True


@lru_cache(maxsize=1024)
def _to_pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class _PostgresCursor:
    """psycopg cursors that take the `?` placeholders the views are written with.

    Each statement runs on a psycopg cursor of its own. In a pipeline, an answer
    reaches whichever cursor sent its statement, whenever it arrives: on a cursor
    shared by all, the answer to an earlier statement that nobody fetches (a
    view's INSERT) can arrive as a later one is sent, and be read as that one's
    result ("the last operation didn't produce records (INSERT 0 1)").
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._cursor: Any = None
        self.held: set[str] = set()
        """The views whose locks this transaction holds (`PostgresDatabase.serialize`)."""

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        self._cursor = self._connection.cursor()
        return self._cursor.execute(_to_pyformat(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any:
        listed = rows if isinstance(rows, list) else list(rows)
        batched = multirow.statements(sql, listed)
        if batched is None:
            self._cursor = self._connection.cursor()
            return self._cursor.executemany(_to_pyformat(sql), listed)
        # Many rows a statement, sent as written (`$1` placeholders): see `multirow`.
        from psycopg import RawCursor  # imported with the connection, by then

        self._cursor = RawCursor(self._connection)
        for statement, params in batched:
            self._cursor.execute(statement, params)
        return None

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        rows: list[Row] = self._cursor.fetchall()
        return rows


class _PostgresLazyRead(_PostgresCursor):
    """`LazyRead` on a pooled connection in autocommit: a page read in one statement
    takes one round trip, where BEGIN and COMMIT around it make three."""

    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self.begun = False
        self._ended = False

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        self._begin()
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any:
        self._begin()
        return super().executemany(sql, rows)

    def last(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if not self.begun:
            self._ended = True
        super().execute(sql, params)
        return self.fetchall()

    def _begin(self) -> None:
        if self.begun:
            return
        if self._ended:
            raise RuntimeError("a statement after the last one of a lazy read")
        self._connection.execute(_BEGIN_READ, prepare=False)
        self.begun = True


class PostgresDatabase:
    """A small connection pool on the store's PostgreSQL database: one connection
    kept, up to `max_connections` under load (`listen` opens one more, its own)."""

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
        max_connections: int = 8,
        store: PostgresConfig | None = None,
    ) -> None:
        from psycopg_pool import ConnectionPool

        self._store = store
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
        self._kwargs = kwargs
        # Channels are per database, not per schema: two stores in one database
        # must not hear each other's views.
        self.channel = f"{TRACKING_CHANNEL}.{self.schema}"
        # In autocommit: `_transaction` sends its own BEGIN, which psycopg's
        # implicit one would otherwise precede.
        self._pool = ConnectionPool(
            kwargs={**kwargs, "autocommit": True},
            min_size=1,
            max_size=max(1, max_connections),
            open=True,
        )

    @property
    def store(self) -> PostgresConfig | None:
        return self._store

    @property
    def log_table(self) -> str:
        return f'"{self.schema}"."{self.dialect.log_table}"'

    @contextmanager
    def write(
        self, *, serialize: Sequence[str] = (), durable: bool = True
    ) -> Iterator[_PostgresCursor]:
        # Shared with every other writer, exclusive to a schema change: a follower
        # never reads its position just before a swap renames its tables. The
        # views' locks and the commit's durability go in the same statement: a
        # follower's batch sent three where it now sends one.
        extra = "" if durable else ", set_config('synchronous_commit', 'off', true)"
        extra += "".join(f", {_VIEW_LOCK}" for _ in serialize)
        args = [arg for name in serialize for arg in (VIEW_LOCKS, name)]
        with self._locked("pg_advisory_xact_lock_shared", extra, args) as cursor:
            cursor.held.update(serialize)
            yield cursor

    @contextmanager
    def read(self) -> Iterator[_PostgresCursor]:
        # One snapshot (REPEATABLE READ), said in the BEGIN itself. Not pipelined:
        # a read fetches every result, and psycopg's pipeline mode costs more
        # client CPU than the one round trip (BEGIN's) it would save.
        with self._transaction(_BEGIN_READ, pipelined=False) as cursor:
            yield cursor

    @contextmanager
    def read_lazily(self) -> Iterator[LazyRead]:
        with self._pool.connection() as connection, _rolled_back_on_error(connection):
            reader = _PostgresLazyRead(connection)
            yield reader
            if reader.begun:
                connection.execute("COMMIT", prepare=False)

    def read_row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        # In autocommit, one round trip, where `read()`'s BEGIN and COMMIT make three.
        with self._pool.connection() as connection:
            row: Row | None = connection.execute(_to_pyformat(sql), params).fetchone()
            return row

    def read_rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # As `read_row`: in autocommit, one round trip, and one snapshot all the same.
        with self._pool.connection() as connection:
            rows: list[Row] = connection.execute(_to_pyformat(sql), params).fetchall()
            return rows

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

    def serialize(self, c: Cursor, *names: str) -> None:
        # READ COMMITTED lets two followers read one position and apply the same
        # events; the second now waits, then reads the first one's position.
        # Several views' locks in one statement, taken left to right: always in
        # the projector's order of views, so two processes cannot deadlock. A
        # lock the transaction took as it began (`write(serialize=...)`) is held.
        held: set[str] = getattr(c, "held", set())
        names = tuple(name for name in names if name not in held)
        if not names:
            return
        locks = ", ".join(_VIEW_LOCK for _ in names)
        c.execute(f"SELECT {locks}", [arg for name in names for arg in (VIEW_LOCKS, name)])
        held.update(names)

    def analyze(self, c: Cursor, tables: Sequence[str]) -> None:
        # Tables made and filled by a rebuild have no statistics until autovacuum
        # comes by, and until then the planner guesses: a 20,000-entry timeline
        # served half the pages a second it does with them (issue 18).
        if tables:
            c.execute(f"ANALYZE {', '.join(tables)}")

    announces: ClassVar[bool] = True

    def announce(
        self, c: Cursor, view: str, position: int, *, along: Statement | None = None
    ) -> None:
        # NOTIFY inside the transaction is sent at its commit, and not at all on a
        # rollback: a listener hears of a position only once it can be read. A
        # statement in WITH runs once, whether or not the rest reads it.
        notify = "SELECT pg_notify(?, ?)"
        args: list[Any] = [self.channel, f"{view} {position}"]
        if along is not None:
            notify = f"WITH recorded AS ({along[0]}) {notify}"
            args = [*along[1], *args]
        c.execute(notify, args)

    def listen(self, channel: str | None = None) -> Any:
        """A connection of its own (not the pool's), in autocommit, LISTENing on the
        channel `announce` sends to, or on `channel`; the caller closes it."""
        import psycopg
        from psycopg import sql

        connection = psycopg.connect(**self._kwargs, autocommit=True)
        try:
            listened = sql.Identifier(channel or self.channel)
            connection.execute(sql.SQL("LISTEN {}").format(listened))
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def exclusive_rebuild(self) -> Iterator[None]:
        # A session lock, held on one pooled connection for the whole rebuild.
        with self._pool.connection() as connection:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (REBUILD_LOCK,)).fetchone()
            if row is None or not row[0]:
                raise RebuildRunning()
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (REBUILD_LOCK,))

    @contextmanager
    def _locked(
        self, lock: str, extra: str = "", args: Sequence[Any] = ()
    ) -> Iterator[_PostgresCursor]:
        # The lock, held to the end of the transaction, is queued behind BEGIN and
        # waited for with the caller's first fetch (a view's position).
        with self._transaction(_BEGIN_WRITE) as cursor:
            cursor.execute(f"SELECT {lock}(?){extra}", (SCHEMA_LOCK, *args))
            yield cursor

    @contextmanager
    def _transaction(self, begin: str, *, pipelined: bool = True) -> Iterator[_PostgresCursor]:
        """One transaction, its BEGIN and COMMIT sent by hand, in pipeline mode
        unless not `pipelined`.

        psycopg's `transaction()` in a pipeline waits on the server as the block
        opens and as it closes, besides COMMIT itself. Here BEGIN goes out with
        the first statement, the statements whose results nobody reads (a view's
        rows, its tracking record, the NOTIFY) go out with COMMIT, and the block
        waits only where a result is fetched and once at the end. A failed
        statement makes the server skip the rest, COMMIT included; on any error
        the transaction is rolled back here, so a view's rows and its tracking
        record are kept together or not at all, and a NOTIFY is never sent.
        """
        with (
            self._pool.connection() as connection,
            _rolled_back_on_error(connection),
            connection.pipeline() if pipelined else nullcontext(),
        ):
            connection.execute(begin, prepare=False)
            yield _PostgresCursor(connection)
            connection.execute("COMMIT", prepare=False)

    def close(self) -> None:
        self._pool.close()


_BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_BEGIN_WRITE = "BEGIN"  # the server's default isolation, READ COMMITTED


@contextmanager
def _rolled_back_on_error(connection: Any) -> Iterator[None]:
    """Roll back the transaction open on `connection` (a psycopg one) when the block
    fails. A connection that cannot roll back is broken: the pool discards it, and
    the error that ended the transaction is the one raised."""
    from psycopg import Error
    from psycopg.pq import TransactionStatus

    try:
        yield
    except BaseException:
        if connection.info.transaction_status != TransactionStatus.IDLE:
            with suppress(Error):
                connection.rollback()
        raise


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
