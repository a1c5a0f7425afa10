"""ETag and Cache-Control on reads, from the log position each answer reflects.

An answer pinned to an `as_of` (a position, or a time the views have passed)
shows the record as it stood then, which no later write changes: it may be
kept for a year (`immutable`). Any other read may change with the next write,
so a cache keeps it but asks again (`no-cache`), and `If-None-Match` with the
ETag of the answer it holds gets 304 while the position is the same.

The ETag is the digest of the store and the URL, and the position
(`W/"<digest>-<position>"`), not the body's: the position comes with the
answer's first headers, before any of a streamed export's body, and for
`as_of=N` it is known from the request, so a revalidation of a pinned
answer costs no read at all (but the first, per process, of the store's
identity). It is weak since it names the record an answer shows, not its
exact bytes: a page's cards name actors as they were named at its position
(`api.web.names`), but its filter's list of actors names them as they are now.

The store is named by its log's first event (`TimelineApp.log_identity`):
a browser that held a page of one store, then asks the same URL of another
(a second store served on the same port, or one made anew from an export),
would otherwise be told 304 wherever the two stood at the same position.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import POSITION_HEADER

__all__ = ["Asked", "CacheRules", "Caching", "cache_key"]

FOREVER = "max-age=31536000, immutable"
# Reads that show the record as of `as_of`, and so may be pinned by it. A route
# not listed ignores `as_of`, and its answer follows the head whatever it says.
PINNABLE = re.compile(
    r"^(?:/embed)?(?:/|/visual|/entries/[^/]+)$"
    r"|^/api/v1/(?:timeline|topics|exports/chronology|entries/[^/]+(?:/links)?"
    r"|actors/[^/]+/history)$"
)
# Answers that say what is true now (health, a stream) or need a token to read (audit).
UNCACHED = ("/api/v1/health", "/api/v1/stream", "/api/v1/audit", "/api/v1/log")
# Bumped when answers change shape, so caches do not keep the old ones as current.
FORMAT = "1"
AS_OF_LENGTH = 64


@dataclass(frozen=True)
class Asked:
    """What a read asks, as its cache headers see it: its key, its `as_of`, and
    whether its answer may be pinned by it (a path that reads as of `as_of`)."""

    key: str
    as_of: str
    pinnable: bool


def cache_key(path: str, query: str, store: str = "") -> str:
    """A digest of the question asked of the store `store` names: the path and the
    query, its parameters sorted, so `?a=1&b=2` and `?b=2&a=1` share their answer."""
    items = sorted(parse_qsl(query, keep_blank_values=True))
    raw = f"{FORMAT}\n{store}\n{path}\n{urlencode(items)}".encode()
    return hashlib.sha256(raw).hexdigest()[:20]


# The same few questions are asked again and again: each is read once.
@lru_cache(maxsize=4096)
def _asked(path: str, raw_query: bytes, store: str) -> Asked:
    query = raw_query.decode("latin-1")
    as_of = dict(parse_qsl(query)).get("as_of", "").strip()
    # Past the longest `as_of` the reads take, the answer is a refusal anyway.
    pinnable = 0 < len(as_of) <= AS_OF_LENGTH and PINNABLE.match(path) is not None
    return Asked(cache_key(path, query, store), as_of, pinnable)


def _is_position(text: str) -> bool:
    """Whether `text` is a log position: ASCII digits (`isdigit` alone takes "²")."""
    return text.isascii() and text.isdigit()


def _tags(header: str | None) -> set[str]:
    """The entity tags of an If-None-Match, compared weakly (RFC 9110 13.1.2)."""
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


class CacheRules:
    """What the cache headers of a read are, shared by `Caching` and the timeline's
    shortcut (`api.routes.timeline`), which answers its plain pages outside it.

    `views_position` gives the position the views have reached: an answer as of
    a time is pinned only once the views hold an event after it, since until
    then an event recorded at that time may still be on its way. `store` names
    the store (its log's identity, "" while the log is empty). `private`
    (reads protected by a token) keeps shared caches from storing answers.
    """

    def __init__(
        self,
        *,
        views_position: Callable[[Scope], int],
        store: Callable[[Scope], str],
        private: bool,
        uncached: Iterable[str] = UNCACHED,
    ) -> None:
        self.views_position = views_position
        self.store = store
        self._store_name = ""  # asked until the log has a first event, then kept
        self.scope_word = "private" if private else "public"
        self.uncached = tuple(uncached)

    def applies(self, scope: Scope) -> bool:
        """Whether the answer to `scope` is tagged (a GET or HEAD of a cached path)."""
        return (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not scope.get("path", "").startswith(self.uncached)
        )

    async def ask(self, scope: Scope) -> Asked:
        """The request's key, its `as_of` and whether its answer may be pinned by it."""
        store = await self._store(scope)
        return _asked(scope.get("path", ""), scope.get("query_string", b""), store)

    async def tags(self, scope: Scope, asked: Asked, position: int) -> tuple[str, str]:
        """The entity tag (unquoted, not yet weak) and Cache-Control of a 200 answer
        to `asked` reflecting `position`."""
        pinned = asked.pinnable and await self._pinned(scope, asked.as_of, position)
        return f'"{asked.key}-{position}"', self.control(pinned)

    def control(self, pinned: bool) -> str:
        """Cache-Control of an answer, pinned or not."""
        return f"{self.scope_word}, {FOREVER}" if pinned else "no-cache"

    async def _store(self, scope: Scope) -> str:
        if not self._store_name:
            self._store_name = await run_in_threadpool(self.store, scope)
        return self._store_name

    async def _pinned(self, scope: Scope, as_of: str, position: int) -> bool:
        if _is_position(as_of):
            # Short of the position asked, the answer is the views' head, not `as_of`.
            return int(as_of) == position
        # As of a time: pinned once the views hold an event recorded after it.
        head = await run_in_threadpool(self.views_position, scope)
        return position < head


class Caching:
    """Tag GET and HEAD answers that carry `Log-Position`, by `rules`; answer 304 to
    a match."""

    def __init__(self, app: ASGIApp, *, rules: CacheRules) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rules = self.rules
        if not rules.applies(scope):
            await self.app(scope, receive, send)
            return
        asked = await rules.ask(scope)
        held = _tags(Headers(scope=scope).get("if-none-match"))
        if asked.pinnable and _is_position(asked.as_of) and rules.scope_word == "public":
            tag = f'"{asked.key}-{int(asked.as_of)}"'
            if tag in held:
                # Pinned to a position: the answer held is the answer, no read needed.
                await self._not_modified(send, {}, tag, rules.control(pinned=True))
                return
        started: Message | None = None

        async def tagging(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                position = headers.get(POSITION_HEADER, "")
                if message["status"] != 200 or not _is_position(position):
                    await send(message)
                    return
                tag, control = await rules.tags(scope, asked, int(position))
                if tag in held:
                    started = message
                    await self._not_modified(send, headers, tag, control)
                    return
                headers["ETag"] = f"W/{tag}"
                headers["Cache-Control"] = control
                await send(message)
            elif started is None:
                await send(message)
            # After a 304 the body is dropped: the client holds it already.

        await self.app(scope, receive, tagging)

    async def _not_modified(
        self, send: Send, headers: MutableHeaders | dict[str, str], tag: str, control: str
    ) -> None:
        kept = {
            name: headers[name]
            for name in ("Log-Position", "Vary", "Access-Control-Allow-Origin")
            if name in headers
        }
        kept |= {"ETag": f"W/{tag}", "Cache-Control": control}
        raw = [(name.lower().encode(), value.encode()) for name, value in kept.items()]
        await send({"type": "http.response.start", "status": 304, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
