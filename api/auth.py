"""Who is asking: bearer-token dependencies, declared once as Annotated aliases.

A route takes `WriterDep`, `AuditorDep` or `ReaderDep` and receives the
principal, the token's name. No token, or one that is malformed, unknown or
revoked, is refused with 401 and `WWW-Authenticate: Bearer`; a valid token
without the route's scope with 403. The problem handlers turn both into
problem+json.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.settings import Settings
from api.tokens import TokenStore

__all__ = ["AuditorDep", "ReaderDep", "WriterDep", "may_still_read", "require_scope"]

# Without auto_error the scheme still appears in the OpenAPI document, and a
# missing or malformed header reaches us as None, to be answered as a problem.
bearer = HTTPBearer(
    auto_error=False,
    description="A token made with `policy-timeline tokens create NAME --scopes ...`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require_scope(
    request: Request, credentials: HTTPAuthorizationCredentials | None, scope: str
) -> str:
    """The name of the token in `credentials` if it is active and holds `scope`.

    Raise HTTPException 401 when there is no valid token, 403 when it lacks `scope`.
    """
    if credentials is None:
        raise HTTPException(
            401,
            detail="this needs a token: send Authorization: Bearer TOKEN "
            "(made with `policy-timeline tokens create`)",
            headers=CHALLENGE,
        )
    tokens: TokenStore = request.app.state.tokens
    info = tokens.authenticate(credentials.credentials)
    if info is None:
        raise HTTPException(401, detail="the token is unknown or revoked", headers=CHALLENGE)
    if scope not in info.scopes:
        raise HTTPException(
            403,
            detail=f"the token {info.name!r} lacks the scope {scope!r}; it holds "
            f"{', '.join(info.scopes)}",
        )
    return info.name


def require_writer(request: Request, credentials: Credentials) -> str:
    return require_scope(request, credentials, "write")


def require_auditor(request: Request, credentials: Credentials) -> str:
    return require_scope(request, credentials, "audit")


async def require_reader(request: Request, credentials: Credentials) -> str | None:
    # `async def`, so open reads (the common case) skip a thread-pool hop; the
    # token look-up of protected reads goes to the pool, as a plain `def` would.
    settings: Settings = request.app.state.settings
    if not settings.protect_reads:
        return None
    return await run_in_threadpool(require_scope, request, credentials, "read")


def may_still_read(request: Request) -> bool:
    """Whether the request may still read: always while reads are open, else while
    its token is active and holds scope `read`. For answers that outlive the check
    made when they began (the stream), which ask again from time to time; it looks
    the token up, so call it from a worker thread."""
    settings: Settings = request.app.state.settings
    if not settings.protect_reads:
        return True
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not token:
        return False
    credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token)
    try:
        require_scope(request, credentials, "read")
    except HTTPException:
        return False
    return True


WriterDep = Annotated[str, Security(require_writer)]
"""The principal of a token with scope `write`."""

AuditorDep = Annotated[str, Security(require_auditor)]
"""The principal of a token with scope `audit`."""

ReaderDep = Annotated[str | None, Security(require_reader)]
"""None while reads are open; when they are protected, the principal of a token
with scope `read`."""
