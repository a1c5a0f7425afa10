"""Pages for other sites to frame: `/embed/...` is the page at `...` without the
site's chrome, and the only answers a frame on another origin may show.

Every other page says `frame-ancestors 'none'` (api.web.render), so no site
can frame it to trick a click. An embed shows the record and nothing to act
on but links, which `<base target="_top">` opens in the reader's window,
outside the frame. The pages' routes need not know: this middleware strips
the prefix before routing and marks the request, and the base template reads
the mark (`embedded()`) to leave the header and footer out.
"""

from __future__ import annotations

from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EMBED_PREFIX", "Embedding", "embedded", "frame_ancestors"]

EMBED_PREFIX = "/embed"
# Paths that are no page of the record: the API, files, the docs.
NOT_PAGES = ("/api/", "/static/", "/docs", "/problems", "/openapi.json", "/embed/")

_embedded: ContextVar[bool] = ContextVar("embedded", default=False)


def embedded() -> bool:
    """Whether the page being rendered is an embed (for the templates)."""
    return _embedded.get()


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """The CSP source list of who may frame an embed: `*`, or the origins named."""
    return " ".join(origins) if origins else "'none'"


class Embedding:
    """Serve `/embed/PATH` as the page at `/PATH`, framable by `ancestors`."""

    def __init__(self, app: ASGIApp, *, ancestors: str) -> None:
        self.app = app
        self.ancestors = ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (
            path == EMBED_PREFIX or path.startswith(EMBED_PREFIX + "/")
        ):
            await self.app(scope, receive, send)
            return
        inner = path.removeprefix(EMBED_PREFIX) or "/"
        if inner.startswith(NOT_PAGES):
            await self.app(scope, receive, send)  # no such page: the app says 404
            return
        raw = scope.get("raw_path")
        scope = {
            **scope,
            "path": inner,
            "raw_path": raw[len(EMBED_PREFIX) :] or b"/" if raw else None,
        }

        async def framable(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                policy = headers.get("content-security-policy")
                if policy is not None:
                    headers["Content-Security-Policy"] = policy.replace(
                        "frame-ancestors 'none'", f"frame-ancestors {self.ancestors}"
                    )
                location = headers.get("location")
                if location is not None and location.startswith("/"):
                    # The page's own redirects (an empty filter dropped) stay embedded.
                    headers["Location"] = EMBED_PREFIX + location
            await send(message)

        token = _embedded.set(True)
        try:
            await self.app(scope, receive, framable)
        finally:
            _embedded.reset(token)
