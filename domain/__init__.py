"""The write side: entries, actors and sources as event-sourced aggregates.

Imports only the standard library, eventsourcing and small pure helpers
(EDTF parsing, orjson); `tests/unit/test_architecture.py` keeps it so.
"""

from domain.actors import Actor
from domain.application import CommandResult, TimelineApp
from domain.dates import EdtfDate, parse_edtf_date
from domain.entries import ENTRY_CLASSES, RELATIONS, Entry
from domain.errors import (
    ActorNotFound,
    AlreadyRegistered,
    Conflict,
    DomainError,
    EntryNotFound,
    EntryRetracted,
    IdempotencyKeyReused,
    NotFound,
    SourceNotFound,
    UnknownReference,
    ValidationError,
    VersionConflict,
)
from domain.sources import Source
from domain.store import (
    DEFAULT_URL,
    PostgresConfig,
    SQLiteConfig,
    StoreConfig,
    StoreURLError,
    parse_store_url,
    store_env,
)

__all__ = [
    "DEFAULT_URL",
    "ENTRY_CLASSES",
    "RELATIONS",
    "Actor",
    "ActorNotFound",
    "AlreadyRegistered",
    "CommandResult",
    "Conflict",
    "DomainError",
    "EdtfDate",
    "Entry",
    "EntryNotFound",
    "EntryRetracted",
    "IdempotencyKeyReused",
    "NotFound",
    "PostgresConfig",
    "SQLiteConfig",
    "Source",
    "SourceNotFound",
    "StoreConfig",
    "StoreURLError",
    "TimelineApp",
    "UnknownReference",
    "ValidationError",
    "VersionConflict",
    "parse_edtf_date",
    "parse_store_url",
    "store_env",
]
