"""A short way through the app for the writes sent most, answered as the routes answer them.

A POST of an entry or an actor crossed five middlewares, FastAPI's routing,
its dependency solving and two thread-pool hops (the token, then the
endpoint) before the command ran: most of the API server's CPU a write. Here
such a request, when it is the plain case (a bearer token, a JSON object
with each key once that the route's model accepts, headers the route takes
as sent, no query, within the body limit), runs as one function in one
thread-pool hop: the token, the command and the answer, by the same code the
route calls. Anything else, and any token that is refused, goes the whole
way, the body read here handed on as it came, so every refusal is the app's
own answer. An error the command raises is answered by the app's handler
for it, as the route's would be.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import TypeAdapter
from pydantic import ValidationError as ModelError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import require_scope
from api.controls import READ_HEADERS
from api.deps import IDEMPOTENCY_KEY_LENGTH, IDEMPOTENCY_KEY_PATTERN
from api.json_bodies import json_object

__all__ = ["Lane", "WriteLane"]

_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
# Any control character in a header some route reads: api.controls refuses most of
# them and says so; those it lets through (a tab) go the whole way too.
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Lane:
    """One write taken the short way: its body's type (a model, or a union of them), and
    what answers it, given the request, the body as validated, the principal and the
    idempotency key; it runs in a worker thread."""

    body: Any
    answer: Callable[[Request, Any, str, str | None], Response]
    scope: str = "write"
    adapter: TypeAdapter[Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.body))


class _Whole(Exception):
    """The request is not the plain case: the app answers it the whole way."""


class WriteLane:
    """ASGI middleware, outermost: POSTs to the paths of `lanes` the short way, when
    they are the plain case; everything else goes on to `app` unchanged."""

    def __init__(self, app: ASGIApp, *, lanes: dict[str, Lane], limit: int) -> None:
        self.app = app
        self.lanes = lanes
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = (
            self.lanes.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST" and not scope["query_string"]
            else None
        )
        if lane is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        try:
            answer = await self._answer(lane, scope, receive, messages)
        except _Whole:
            await self.app(scope, _replaying(messages, receive), send)
            return
        await answer(scope, receive, send)

    async def _answer(
        self, lane: Lane, scope: Scope, receive: Receive, messages: list[Message]
    ) -> Response:
        token, key = _headers(scope)
        body = await self._body(scope, receive, messages)
        try:
            validated = lane.adapter.validate_python(json_object(body))
        except (ModelError, ValueError, RecursionError):
            raise _Whole from None
        request = Request(scope, receive)
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)

        def write() -> Response:
            try:
                by = require_scope(request, credentials, lane.scope)
            except HTTPException:
                raise _Whole from None
            return lane.answer(request, validated, by, key)

        try:
            return await run_in_threadpool(write)
        except _Whole:
            raise
        except Exception as error:
            handler = _handler(request, error)
            if handler is None:
                raise
            answer: Response = await handler(request, error)
            return answer

    async def _body(self, scope: Scope, receive: Receive, messages: list[Message]) -> bytes:
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                raise _Whole
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                raise _Whole  # the client left: the app's reading says so
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _Whole
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _headers(scope: Scope) -> tuple[str, str | None]:
    """The bearer token and the idempotency key, as the route would take them;
    _Whole when the route would refuse either header, or could read it otherwise."""
    authorization: bytes | None = None
    key: bytes | None = None
    for name, value in scope["headers"]:
        if name in READ_HEADERS and _CONTROL.search(value):
            raise _Whole
        if name == b"authorization":
            if authorization is not None:
                raise _Whole
            authorization = value
        elif name == b"idempotency-key":
            if key is not None:
                raise _Whole
            key = value
    if authorization is None:
        raise _Whole
    scheme, token = get_authorization_scheme_param(authorization.decode("latin-1"))
    if scheme.lower() != "bearer" or not token:
        raise _Whole
    if key is None:
        return token, None
    text = key.decode("latin-1")
    if len(text) > IDEMPOTENCY_KEY_LENGTH or not _KEY.fullmatch(text):
        raise _Whole
    return token, text


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """`receive` that gives the messages already read first, then reads on."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _handler(request: Request, error: Exception) -> Callable[..., Any] | None:
    """The app's handler for `error`, as its exception middleware would choose it."""
    handlers: dict[Any, Callable[..., Any]] = request.app.exception_handlers
    for kind in type(error).__mro__:
        if kind is Exception:
            return None  # the app's last resort, the server-error middleware's
        if kind in handlers:
            return handlers[kind]
    return None
