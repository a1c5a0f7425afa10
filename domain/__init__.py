"""The write side: entries, actors and sources as event-sourced aggregates.

Imports only the standard library, eventsourcing and small pure helpers
(EDTF parsing, orjson); `tests/unit/test_architecture.py` keeps it so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.lazy import lazy_names

if TYPE_CHECKING:
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

# Each name's module, imported when the name is first asked for: `domain.store`
# and `domain.errors` are light, while `domain.application` builds the aggregates'
# classes with eventsourcing, a quarter of a second a command that needs no engine
# (`policy-timeline --help`) should not pay.
_HOMES: dict[str, str] = {
    "Actor": "domain.actors",
    "ActorNotFound": "domain.errors",
    "AlreadyRegistered": "domain.errors",
    "CommandResult": "domain.application",
    "Conflict": "domain.errors",
    "DEFAULT_URL": "domain.store",
    "DomainError": "domain.errors",
    "ENTRY_CLASSES": "domain.entries",
    "EdtfDate": "domain.dates",
    "Entry": "domain.entries",
    "EntryNotFound": "domain.errors",
    "EntryRetracted": "domain.errors",
    "IdempotencyKeyReused": "domain.errors",
    "NotFound": "domain.errors",
    "PostgresConfig": "domain.store",
    "RELATIONS": "domain.entries",
    "SQLiteConfig": "domain.store",
    "Source": "domain.sources",
    "SourceNotFound": "domain.errors",
    "StoreConfig": "domain.store",
    "StoreURLError": "domain.store",
    "TimelineApp": "domain.application",
    "UnknownReference": "domain.errors",
    "ValidationError": "domain.errors",
    "VersionConflict": "domain.errors",
    "parse_edtf_date": "domain.dates",
    "parse_store_url": "domain.store",
    "store_env": "domain.store",
}


__getattr__ = lazy_names(__name__, _HOMES)
