"""API tokens: who may write, audit or (when reads are protected) read.

A token reads `ptl_<id>_<secret>`. Only the SHA-256 of the whole token is
stored, under its public id, in the `api_tokens` table of the store's own
database; a request's token is found by its id and its hash compared in
constant time. Revoking keeps the row, so the list still shows who had access
and when, and frees the name for a new token.

Exceptions:

    ValueError
    └── TokenError      a bad name or scope list, a name in use, no such token
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.database import Database, create_table

__all__ = ["SCOPES", "TokenError", "TokenInfo", "TokenStore"]

SCOPES = ("read", "write", "audit")
"""Every scope a token can hold, in the order they are shown."""

TABLE = "api_tokens"
# A session cookie names its token by hash (api.web.session.read_session).
HASH_INDEX = f"{TABLE}_hash"
PREFIX = "ptl"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# The id is hex so that it never holds the `_` that separates the parts;
# the secret's 32 random bytes are what make a token unguessable.
ID_BYTES = 8
SECRET_BYTES = 32
ID_CHARS = 2 * ID_BYTES


class TokenError(ValueError):
    """A token cannot be made or found as asked; the message says what is accepted."""


@dataclass(frozen=True)
class TokenInfo:
    """What is known of a token besides its secret: never the token itself."""

    name: str
    """The principal: recorded as `by` with every event written with the token."""
    scopes: tuple[str, ...]
    """A subset of SCOPES, in SCOPES order."""
    created_at: str
    """When the token was made, ISO 8601 in UTC."""
    revoked_at: str | None
    """When it was revoked, or None while it is active."""


def parse_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """The scopes named, deduplicated, in SCOPES order; raise TokenError on an
    unknown scope or none at all."""
    wanted = {scope.strip() for scope in scopes if scope.strip()}
    unknown = sorted(wanted.difference(SCOPES))
    if unknown:
        raise TokenError(
            f"unknown scope {', '.join(map(repr, unknown))}; accepted: {', '.join(SCOPES)}"
        )
    if not wanted:
        raise TokenError(f"a token needs at least one scope; accepted: {', '.join(SCOPES)}")
    return tuple(scope for scope in SCOPES if scope in wanted)


def _digest(token: str) -> str:
    # A fast hash is right here, unlike for passwords: a token carries 256
    # random bits, so no dictionary or brute force can reach it however fast
    # each guess is, and a slow hash would only slow down every request.
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TokenStore:
    """The API tokens of one store, kept in its database beside the read models."""

    def __init__(self, db: Database) -> None:
        """Use `db`, creating the tokens table unless it exists."""
        self.db = db
        self._create_table()

    def _create_table(self) -> None:
        create_table(
            self.db,
            TABLE,
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "token_id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, "
            "hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
            # One active token per name, enforced by the database so that two
            # concurrent creates of one name cannot both succeed.
            f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_active_name "
            f"ON {TABLE} (name) WHERE revoked_at IS NULL",
        )
        # Apart from the table, so that a store made before the index gets it too;
        # `create_table` asks for the name, which an index has as a table does.
        create_table(
            self.db, HASH_INDEX, f"CREATE INDEX IF NOT EXISTS {HASH_INDEX} ON {TABLE} (hash)"
        )

    def create(self, name: str, scopes: Iterable[str]) -> str:
        """Make a token for `name` with `scopes` and return it; it cannot be shown again.

        Raise TokenError when the name is malformed or held by an active token,
        or when the scopes are unknown or empty.
        """
        if not NAME_PATTERN.fullmatch(name):
            raise TokenError(
                f"invalid token name {name!r}; accepted: 1 to 64 letters, digits, '.', '_', "
                "'@' or '-', starting with a letter or digit"
            )
        granted = parse_scopes(scopes)
        token_id = secrets.token_hex(ID_BYTES)
        token = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
        with self.db.write() as c:
            c.execute(
                f"INSERT INTO {TABLE} (token_id, name, scopes, hash, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING token_id",
                (token_id, name, ",".join(granted), _digest(token), _now()),
            )
            inserted = c.fetchone() is not None
        if not inserted:
            raise TokenError(
                f"the name {name!r} is held by an active token; revoke it first "
                "or choose another name"
            )
        return token

    def list(self) -> list[TokenInfo]:
        """Every token, active and revoked, oldest first."""
        with self.db.read() as c:
            c.execute(
                f"SELECT name, scopes, created_at, revoked_at FROM {TABLE} "
                "ORDER BY created_at, name, revoked_at IS NULL"
            )
            rows = c.fetchall()
        return [_info(row[0], row[1], row[2], row[3]) for row in rows]

    def revoke(self, name: str) -> bool:
        """Revoke the active token named `name`; False when there is none."""
        with self.db.write() as c:
            c.execute(
                f"UPDATE {TABLE} SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL "
                "RETURNING token_id",
                (_now(), name),
            )
            return c.fetchone() is not None

    def authenticate(self, token: str) -> TokenInfo | None:
        """The active token `token` is, or None when it is malformed, unknown,
        tampered with or revoked."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != ID_CHARS:
            return None
        # On every write: one statement, one round trip (PostgreSQL), no transaction.
        row = self.db.read_row(
            f"SELECT name, scopes, created_at, revoked_at, hash FROM {TABLE} WHERE token_id = ?",
            (parts[1],),
        )
        if row is None:
            return None
        # Constant time, so the time taken says nothing of how much of a
        # guessed secret was right.
        if not hmac.compare_digest(_digest(token), str(row[4])):
            return None
        if row[3] is not None:
            return None
        return _info(row[0], row[1], row[2], row[3])


def _info(name: object, scopes: object, created_at: object, revoked_at: object) -> TokenInfo:
    return TokenInfo(
        name=str(name),
        scopes=tuple(str(scopes).split(",")),
        created_at=str(created_at),
        revoked_at=None if revoked_at is None else str(revoked_at),
    )
