"""Request bodies over the documented limit are refused before they are read whole."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem

__all__ = ["BodyLimit"]


class BodyLimit:
    """ASGI middleware: 413 problem+json for a body over `limit` bytes.

    A declared Content-Length over the limit is refused at once; a chunked body
    is counted as it arrives, so a client cannot stream past the limit either.
    That one is refused with an HTTPException raised from `receive`: FastAPI
    turns any other error met while reading a body into a 400, but lets an
    HTTPException through to the problem handlers.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._detail = (
            f"the request body is over the limit of {limit} bytes; "
            "load large files with `policy-timeline import`"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, detail=self._detail)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, self._detail, kind="body-too-large")
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
