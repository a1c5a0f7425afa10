"""Where the event log lives: SQLite (embedded default) or PostgreSQL.

`parse_store_url(url)` reads `sqlite:///var/timeline.db` or
`postgresql://user:password@host:port/dbname` once into a typed config,
`SQLiteConfig` or `PostgresConfig`; the rest of the system asks the config,
never the URL or the environment's strings, which backend it is on. The
config's `env()` is the environment the eventsourcing application reads
(`store_env(url)` is both steps at once). Both recorders keep, in the same
transaction as the events, a table of idempotency keys, so a retried command
finds its first result also after a restart. An entry imported under a key
has no row there: its id is derived from the key (`domain.entry_keys`), and
`find_recorded` finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit
from uuid import UUID, uuid4

__all__ = [
    "DEFAULT_URL",
    "EventRow",
    "IdempotencyClaim",
    "IdempotentRecorder",
    "PostgresConfig",
    "PriorResult",
    "RecordedEntry",
    "SQLiteConfig",
    "StoreConfig",
    "StoreURLError",
    "parse_store_url",
    "store_env",
]

DEFAULT_URL = "sqlite:///var/timeline.db"
ACCEPTED_URLS = "sqlite:///PATH, sqlite:///:memory: or postgresql://USER:PASSWORD@HOST:PORT/DBNAME"


class StoreURLError(ValueError):
    """The store URL names no store this engine can open."""


class IdempotencyClaim(NamedTuple):
    """Written with a command's events: this key now means this result.

    A named tuple: a bulk import builds one for each of 100,000 entries.
    """

    principal: str
    key: str
    fingerprint: str
    result_id: str
    originator_id: UUID
    originator_version: int


@dataclass(frozen=True)
class PriorResult:
    """What a key meant when it was first used, with the log position."""

    fingerprint: str
    result_id: str
    version: int
    position: int


# A stored event as a row: originator id in 32-digit hex, version, topic, state.
EventRow = tuple[str, int, str, bytes]


class RecordedEntry(NamedTuple):
    """The stored state of an entry's first event, and its log position."""

    state: bytes
    position: int


class IdempotentRecorder(Protocol):
    def find_prior_result(self, principal: str, key: str) -> PriorResult | None:
        """The first result of `key` for `principal`, or None when it is unused."""

    def find_claimed(self, principal: str, keys: Sequence[str]) -> dict[str, bytes]:
        """For those of `keys` that `principal` has claimed, the stored state of
        the event each claim points at, by key."""

    def find_recorded(self, ids: Sequence[str]) -> dict[str, RecordedEntry]:
        """Those of `ids` (UUIDs in 32-digit hex) that have a first event, by id."""

    def insert_event_rows(self, rows: Sequence[EventRow]) -> None:
        """Store the events of `rows` in one transaction, without building a
        `StoredEvent` for each; raise IntegrityError, storing none, when one
        of them is recorded already."""


@dataclass(frozen=True)
class SQLiteConfig:
    """A store in one SQLite file, or in memory (`name` is then a shared-cache URI)."""

    name: str
    lock_timeout: float = 10.0

    @property
    def in_memory(self) -> bool:
        """Whether the store lives in this process's memory, as `sqlite:///:memory:`."""
        return self.name.startswith("file:")

    def env(self) -> dict[str, str]:
        """The eventsourcing environment of this store."""
        return {
            "PERSISTENCE_MODULE": "domain.store.sqlite:SQLiteStore",
            "SQLITE_DBNAME": self.name,
            "SQLITE_LOCK_TIMEOUT": f"{self.lock_timeout:g}",
        }


@dataclass(frozen=True)
class PostgresConfig:
    """A store in one PostgreSQL database, optionally in one schema of it."""

    dbname: str
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    schema: str | None = None
    lock_timeout: float = 10.0
    connections: int | None = None
    """The most connections each pool of one process holds, the log's and the
    views'; None leaves the defaults (the log's: 5 kept open, up to 15), for a
    server's many threads. A follower, one thread, needs one of each."""

    def env(self) -> dict[str, str]:
        """The eventsourcing environment of this store."""
        env = {
            "PERSISTENCE_MODULE": "domain.store.postgres:PostgresStore",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_LOCK_TIMEOUT": f"{self.lock_timeout:g}",
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        if self.connections is not None:
            env["POSTGRES_POOL_SIZE"] = str(self.connections)
            env["POSTGRES_MAX_OVERFLOW"] = "0"
        return env


StoreConfig = SQLiteConfig | PostgresConfig
"""Where one store lives, parsed from its URL once."""


def parse_store_url(url: str) -> StoreConfig:
    """The store that `url` names; raise StoreURLError.

    A SQLite file's folder is made here; `sqlite:///:memory:` names a new
    memory database at each call, so parse once and share the config.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return _sqlite_config(url, parts.path)
    if parts.scheme in ("postgresql", "postgres"):
        return _postgres_config(parts)
    raise StoreURLError(f"unsupported store URL {url!r}; accepted: {ACCEPTED_URLS}")


def store_env(url: str) -> dict[str, str]:
    """The eventsourcing environment for the store at `url`; raise StoreURLError."""
    return parse_store_url(url).env()


def _sqlite_config(url: str, path: str) -> SQLiteConfig:
    if not path.startswith("/") or path == "/":
        raise StoreURLError(f"{url!r} names no file; accepted: {ACCEPTED_URLS}")
    name = path[1:]
    if name == ":memory:":
        # A shared-cache memory database lives as long as one connection to it.
        name = f"file:timeline-{uuid4().hex}?mode=memory&cache=shared"
    else:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteConfig(name)


def _postgres_config(url: SplitResult) -> PostgresConfig:
    dbname = unquote(url.path.lstrip("/"))
    if not dbname:
        raise StoreURLError(f"{url.geturl()!r} names no database; accepted: {ACCEPTED_URLS}")
    schema = parse_qs(url.query).get("schema")
    return PostgresConfig(
        dbname=dbname,
        host=unquote(url.hostname or "127.0.0.1"),
        port=url.port or 5432,
        user=unquote(url.username or "postgres"),
        password=unquote(url.password or ""),
        schema=schema[0] if schema else None,
    )
