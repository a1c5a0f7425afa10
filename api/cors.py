"""Cross-origin reads: a page on another site may read the API and its exports.

Starlette's CORSMiddleware allows the same methods on every path, so it
would open writes too. This one allows reads only: it names the allowed
origin on GET and HEAD answers under the API, and answers a preflight only
for a GET or HEAD. Writes and the audit routes get no allowance, so a
browser keeps another site's script from sending them or reading their
answers; servers and the command line are not browsers and are not
concerned.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ReadsAcrossOrigins", "parse_origins"]

READ_METHODS = frozenset({"GET", "HEAD"})
# Headers a cross-origin read may send: a token when reads are protected, and the
# read-your-writes and revalidation headers the API documents.
ALLOWED_HEADERS = ("Authorization", "Min-Log-Position", "If-None-Match", "Accept")
# Headers a script may read from the answer, beyond the few every browser shows.
EXPOSED_HEADERS = (
    "Log-Position, Log-Head-Hash, Log-Checkpoint, ETag, Retry-After, Link, Content-Disposition"
)
PREFLIGHT_MAX_AGE = "600"


def parse_origins(text: str) -> tuple[str, ...]:
    """`*`, or origins separated by commas or spaces (`https://a.org https://b.org`);
    empty for none."""
    return tuple(part.rstrip("/") for part in text.replace(",", " ").split())


class ReadsAcrossOrigins:
    """Allow cross-origin GET and HEAD under `prefix`, except under `closed` paths."""

    def __init__(
        self, app: ASGIApp, *, origins: Iterable[str], prefix: str, closed: Iterable[str]
    ) -> None:
        self.app = app
        self.origins = frozenset(origins)
        self.prefix = prefix
        self.closed = tuple(closed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._open(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = self._allowed(origin)
        method = scope["method"]
        asked = headers.get("access-control-request-method", "").upper()
        if method == "OPTIONS" and origin and asked:
            if allowed is None or asked not in READ_METHODS:
                # Not ours to allow: the app answers (405), without an allowance.
                await self.app(scope, receive, send)
                return
            await self._preflight(allowed, headers)(scope, receive, send)
            return
        if allowed is None or method not in READ_METHODS:
            await self.app(scope, receive, send)
            return

        async def allowing(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent = MutableHeaders(scope=message)
                sent["Access-Control-Allow-Origin"] = allowed
                sent["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
                if allowed != "*":
                    sent.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, allowing)

    def _open(self, path: str) -> bool:
        return path.startswith(self.prefix) and not path.startswith(self.closed)

    def _allowed(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for `origin`; None when not allowed."""
        if origin is None or not self.origins:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin.rstrip("/") in self.origins else None

    def _preflight(self, allowed: str, headers: Headers) -> Response:
        wanted = [h.strip() for h in headers.get("access-control-request-headers", "").split(",")]
        known = {h.lower() for h in ALLOWED_HEADERS}
        answer = {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Allow-Methods": "GET, HEAD",
            # Only the headers a read takes: any other makes the browser refuse.
            "Access-Control-Allow-Headers": ", ".join(
                h for h in wanted if h and h.lower() in known
            )
            or ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
        if allowed != "*":
            answer["Vary"] = "Origin"
        return Response(status_code=204, headers=answer)
