"""Errors raised by the write side, each with a message a user can act on.

DomainError
├── ValidationError          bad input; names the field and what is accepted
│   ├── UnknownReference     an actor, source or entry that is not registered
│   └── UnknownDatePhrase    a date phrase the relative-date helper cannot resolve
├── NotFound                 the aggregate asked for does not exist
│   ├── EntryNotFound
│   ├── ActorNotFound
│   └── SourceNotFound
└── Conflict                 the command does not fit the state of the record
    ├── VersionConflict      expected_version is stale; nothing was stored
    ├── AlreadyRegistered    an actor or source id is taken
    ├── EntryRetracted       a retracted entry accepts no corrections or links
    └── IdempotencyKeyReused the key was used before for a different command
"""

from __future__ import annotations

__all__ = [
    "ActorNotFound",
    "AlreadyRegistered",
    "Conflict",
    "DomainError",
    "EntryNotFound",
    "EntryRetracted",
    "IdempotencyKeyReused",
    "NotFound",
    "SourceNotFound",
    "UnknownDatePhrase",
    "UnknownReference",
    "ValidationError",
    "VersionConflict",
]


class DomainError(Exception):
    """Base class of every error the write side raises on purpose."""


class ValidationError(DomainError):
    """Input that breaks a rule. `field` is a dotted path such as `details.quotes`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownReference(ValidationError):
    """A reference to an actor, source or entry that is not in the record."""


class UnknownDatePhrase(ValidationError):
    """A phrase that is neither EDTF nor one the relative-date helper resolves;
    the message lists the phrases it accepts."""


class NotFound(DomainError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} not found")
        self.ident = ident


class EntryNotFound(NotFound):
    def __init__(self, ident: str) -> None:
        super().__init__("entry", ident)


class ActorNotFound(NotFound):
    def __init__(self, ident: str) -> None:
        super().__init__("actor", ident)


class SourceNotFound(NotFound):
    def __init__(self, ident: str) -> None:
        super().__init__("source", ident)


class Conflict(DomainError):
    """The command is well formed but does not fit the current record."""


class VersionConflict(Conflict):
    def __init__(self, ident: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{ident} is at version {actual}, not {expected}: "
            "read it again and resend the command with the current version"
        )
        self.expected = expected
        self.actual = actual


class AlreadyRegistered(Conflict):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} is already registered")
        self.ident = ident


class EntryRetracted(Conflict):
    def __init__(self, ident: str, action: str) -> None:
        super().__init__(
            f"entry {ident} is retracted: it cannot be {action}; record a new entry instead"
        )


class IdempotencyKeyReused(Conflict):
    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for a different command")
        self.key = key
