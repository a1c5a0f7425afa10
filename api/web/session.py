"""Browser sessions: an API token exchanged for a signed, self-contained cookie.

The cookie carries the token's name, the SHA-256 of the token (never the token),
an expiry and a random session id, signed with HMAC-SHA256. Nothing is kept on
the server per session, so a session works across `serve --workers N` and
restarts. Each request checks the signature and expiry, then finds the token by
its hash among the active tokens, as a bearer token is checked: revoking the
token ends its sessions at once, and the scopes are the token's current ones.

Signing out deletes the cookie and notes its session id as ended (table
`web_sessions_ended`, until the cookie would have expired): a copy of the
cookie kept elsewhere no longer signs anyone in.

The signing secret is `TIMELINE_SESSION_SECRET` when set; else a random secret
made once and kept in the store's database (table `web_session_secret`), so
every worker and every restart of one store agrees on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass

import orjson
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.web.csrf import csrf_token
from projections.database import Database, create_table

__all__ = [
    "COOKIE",
    "LIFETIME",
    "Session",
    "cookie_for",
    "current_csrf",
    "current_viewer",
    "end_session",
    "read_session",
    "secret_of",
    "session_of",
    "viewer_context",
]

COOKIE = "ptl_session"
LIFETIME = 8 * 3600  # seconds: a working day, then sign in again
SECRET_ENV = "TIMELINE_SESSION_SECRET"
SECRET_TABLE = "web_session_secret"
TOKENS_TABLE = "api_tokens"  # api.tokens.TABLE
ENDED_TABLE = "web_sessions_ended"


@dataclass(frozen=True)
class Session:
    """Who is signed in: the token's name and current scopes, and the session's id."""

    name: str
    scopes: tuple[str, ...]
    session_id: str
    expires: int

    @property
    def may_write(self) -> bool:
        return "write" in self.scopes


def secret_of(db: Database) -> bytes:
    """The signing secret: `TIMELINE_SESSION_SECRET`, else the store's own, made once.
    Makes the table of ended sessions too, which reading a session asks."""
    create_table(
        db,
        ENDED_TABLE,
        f"CREATE TABLE IF NOT EXISTS {ENDED_TABLE} "
        "(session_id TEXT PRIMARY KEY, expires BIGINT NOT NULL)",
    )
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        return configured.encode()
    create_table(
        db,
        SECRET_TABLE,
        f"CREATE TABLE IF NOT EXISTS {SECRET_TABLE} "
        "(id INTEGER PRIMARY KEY, secret TEXT NOT NULL)",
    )
    with db.write() as c:
        # Two workers starting together: the first insert wins, both read it.
        c.execute(
            f"INSERT INTO {SECRET_TABLE} (id, secret) VALUES (1, ?) ON CONFLICT DO NOTHING",
            (secrets.token_hex(32),),
        )
        c.execute(f"SELECT secret FROM {SECRET_TABLE} WHERE id = 1")
        row = c.fetchone()
    assert row is not None
    return str(row[0]).encode()


def _app_secret(request: Request) -> bytes:
    state = request.app.state
    secret: bytes | None = getattr(state, "session_secret", None)
    if secret is None:
        secret = state.session_secret = secret_of(state.tokens.db)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def token_hash(token: str) -> str:
    """The hash the tokens table keeps of `token` (api.tokens._digest)."""
    return hashlib.sha256(token.encode()).hexdigest()


def cookie_for(secret: bytes, name: str, token: str, *, now: float | None = None) -> str:
    """A signed cookie value for the token `token` held by `name`."""
    expires = int(now if now is not None else time.time()) + LIFETIME
    claims = {"n": name, "h": token_hash(token), "e": expires, "i": secrets.token_hex(16)}
    payload = _b64(orjson.dumps(claims))
    return f"{payload}.{_sign(secret, payload)}"


def read_session(
    secret: bytes, db: Database, value: str | None, *, now: float | None = None
) -> Session | None:
    """The session `value` signs for, or None when it is missing, tampered with,
    expired, or its token is revoked or unknown."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(_sign(secret, payload), signature):
        return None
    try:
        claims = orjson.loads(_unb64(payload))
        name, digest, expires, session_id = claims["n"], claims["h"], claims["e"], claims["i"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(expires, int) or expires <= (now if now is not None else time.time()):
        return None
    with db.read() as c:
        c.execute(
            f"SELECT name, scopes FROM {TOKENS_TABLE} WHERE hash = ? AND revoked_at IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {ENDED_TABLE} WHERE session_id = ?)",
            (str(digest), str(session_id)),
        )
        row = c.fetchone()
    if row is None or str(row[0]) != name:
        return None
    return Session(str(name), tuple(str(row[1]).split(",")), str(session_id), expires)


def end_session(db: Database, session: Session, *, now: float | None = None) -> None:
    """Note `session` as ended, so its cookie signs no one in again; forget the
    sessions that have expired anyway."""
    with db.write() as c:
        c.execute(f"DELETE FROM {ENDED_TABLE} WHERE expires < ?", (int(now or time.time()),))
        c.execute(
            f"INSERT INTO {ENDED_TABLE} (session_id, expires) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (session.session_id, session.expires),
        )


def session_of(request: Request) -> Session | None:
    """The request's session, checked against the tokens table; call from a thread."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    return read_session(_app_secret(request), request.app.state.tokens.db, value)


def request_secret(request: Request) -> bytes:
    """The signing secret of the app serving `request`."""
    return _app_secret(request)


VIEWER: ContextVar[tuple[Session, str] | None] = ContextVar("web_viewer", default=None)


async def viewer_context(request: Request) -> None:
    """Note who is signed in for the templates (`viewer()`, `csrf()`). A dependency of
    the web pages; set here, in the event loop, so that a page's worker thread,
    which copies the context, sees it."""
    session = None
    if COOKIE in request.cookies:
        session = await run_in_threadpool(session_of, request)
    if session is None:
        VIEWER.set(None)
        return
    VIEWER.set((session, csrf_token(request_secret(request), session.session_id)))


def current_viewer() -> Session | None:
    """The signed-in session of the page being rendered, if any."""
    found = VIEWER.get()
    return None if found is None else found[0]


def current_csrf() -> str:
    """The CSRF token of that session, for its forms; empty when signed out."""
    found = VIEWER.get()
    return "" if found is None else found[1]
