"""The timeline: entries in occurred order, filtered, paged, as of any moment.

The page most asked for, so it has a shortcut besides its route:
`TimelineShortcut` answers the plain case (reads open, no token, no
`min_position`, a query string of plain parameters that validates and reads
without a refusal) before FastAPI routes and solves dependencies for it, which
cost more than the page's query. It is called twice over: by the app itself
(`api.app`), before any middleware, for a GET with none of the headers a
middleware acts on (cross-origin, a revalidation, a body), which it answers
with the cache headers `api.caching` gives; and as the innermost middleware,
for the rest. Anything else goes on to the route, which answers the same bytes
and every refusal, so the contract is the route's whatever path a request takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError as SchemaError
from starlette.types import ASGIApp, Receive, Scope, Send

from api.caching import CacheRules
from api.controls import READ_HEADERS, refuses_nothing
from api.lanes import Lane
from api.reads import READ, ReadModelsForRead, query_model, query_parameters
from api.responses import POSITION_HEADER, JSONBytes, answer, page_body
from api.schemas import TimelinePage, TimelineQuery
from domain import ValidationError
from projections import Page, ReadModels, TimelineFilters, ViewsBehind

__all__ = ["TimelineShortcut", "router"]

router = APIRouter(prefix="/timeline", tags=["timeline"])

# A page's query runs on a thread of its own, not on the server's
# shared pool of forty: SQLite lets go of the GIL while it steps, so one thread
# beside the event loop already uses the second core, and more threads only
# contend for the GIL (measured: a third more CPU a page with two than with one)
# and, holding a pooled connection each, make the pool close and open
# connections under load. Word searches, which can scan far, have a lane of
# their own: an ordinary page never waits behind one.
_PAGES = Lane("timeline-pages")
_SEARCHES = Lane("timeline-searches")
# What sends a request to the route: a header some route reads (a token, a
# position to wait for), which the route checks for control characters.
_ROUTED_HEADERS = frozenset(READ_HEADERS)
# What a middleware acts on in a GET: a cross-origin read, a revalidation, a body.
# Before the middlewares, a request with any of these is left to them.
_MIDDLEWARE_HEADERS = _ROUTED_HEADERS | {
    b"origin",
    b"if-none-match",
    b"content-length",
    b"transfer-encoding",
}
_JSON = (b"content-type", b"application/json")


@router.get(
    "",
    openapi_extra={**READ, "parameters": READ["parameters"] + query_parameters(TimelineQuery)},
    response_class=JSONBytes,
    responses={200: {"model": TimelinePage, "description": "A page of the timeline"}},
    summary="The timeline",
)
async def timeline(
    read_models: ReadModelsForRead,
    query: Annotated[TimelineQuery, Depends(query_model(TimelineQuery))],
) -> Response:
    """Entries whose occurred interval overlaps `from`..`to`, ordered by occurred date,
    finer precision first, then log position. Pages stay stable while entries arrive:
    a cursor carries the position its first page reflected."""
    page = await _page(read_models, query.filters(), query.as_of, query.limit, query.cursor)
    return answer(page_body(page), page.as_of.position)


async def _page(
    read_models: ReadModels,
    filters: TimelineFilters,
    as_of: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    queries = read_models.queries
    # `async def`: a page already served at the views' head comes from memory
    # with no I/O, and the event loop answers it without a thread hop, which
    # under load costs more than the page.
    page = None
    head = read_models.head
    # With no page cache (max_bytes 0) there is nothing to look up.
    if head is not None and queries.pages.max_bytes:
        page = queries.cached_timeline(filters, head=head, as_of=as_of, limit=limit, cursor=cursor)
    if page is not None:
        return page

    def read() -> Page:
        return queries.timeline(filters, as_of=as_of, limit=limit, cursor=cursor, head=head)

    # Read on a thread, never on the event loop, even a page known to be quick:
    # measured at 1,000,000 entries on the bench's mix, reading quick pages on
    # the loop gave one worker 13% more pages a second but a worse p99 (21-25
    # against 16 ms), and two workers fewer pages (2,895 against 3,239 a second,
    # 1.48 against 1.87 times one worker): while the loop holds a read, nothing
    # else of the process moves, where a thread lets SQLite's step overlap it.
    return await (_PAGES if filters.q is None else _SEARCHES).run(read)


class TimelineShortcut:
    """ASGI middleware answering a plain `GET path` (the timeline's) as its route
    would, without FastAPI's routing and dependencies; passing on anything else.

    `before_middlewares` answers the plainest of those before any middleware."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "GET":
            page = await _plain_page(scope, _ROUTED_HEADERS)
            if page is not None:
                await answer(page_body(page), page.as_of.position)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def before_middlewares(scope: Scope, send: Send, rules: CacheRules) -> bool:
        """Answer a plain GET of the timeline, with none of the headers a middleware
        acts on, as the app with its middlewares would (its cache headers by
        `rules`); whether it did. Anything else (False) is for the app."""
        try:
            page = await _plain_page(scope, _MIDDLEWARE_HEADERS)
            if page is None:
                return False
            position = page.as_of.position
            etag, control = await rules.tags(scope, await rules.ask(scope), position)
            body = page_body(page)
        except Exception:
            # Nothing sent yet: the app, its error handlers included, answers it.
            return False
        # The headers in the order the route's response and `Caching` give them.
        headers = [
            (POSITION_HEADER.lower().encode(), b"%d" % position),
            (b"content-length", b"%d" % len(body)),
            _JSON,
            (b"etag", b"W/" + etag.encode()),
            (b"cache-control", control.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True


@dataclass(frozen=True)
class _Asked:
    """A page's question, as the route's model reads it from a query string."""

    filters: TimelineFilters
    as_of: str | None
    limit: int
    cursor: str | None


# The same few query strings come again and again: each is read once, and kept
# when short, so the cache holds at most _KEPT_QUERIES x _KEPT_QUERY_BYTES of
# strings (2 MiB) whatever a client sends; a longer one is read each time.
_KEPT_QUERIES = 4096
_KEPT_QUERY_BYTES = 512


def _plain_query(raw: bytes) -> _Asked | None:
    """The question a plain query string asks (see `_read_query`)."""
    if len(raw) > _KEPT_QUERY_BYTES:
        return _read_query(raw)
    return _kept_query(raw)


def _read_query(raw: bytes) -> _Asked | None:
    """The question a plain query string asks, validated by the route's model; None
    when it is not plain (escaped, or waiting for a position) or the model refuses it."""
    if not refuses_nothing(raw) or b"min_position" in raw:
        return None
    try:
        # As the route reads its query string: the last of repeated names.
        query = TimelineQuery.model_validate(
            dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        )
    except (SchemaError, ValidationError):
        return None
    return _Asked(query.filters(), query.as_of, query.limit, query.cursor)


_kept_query = lru_cache(maxsize=_KEPT_QUERIES)(_read_query)


async def _plain_page(scope: Scope, routed: frozenset[bytes]) -> Page | None:
    """The page a plain request asks for; None when it is not plain (reads
    protected, a header of `routed`, a query string the route has to refuse)."""
    state = scope["app"].state
    if state.settings.protect_reads or any(name in routed for name, _ in scope["headers"]):
        return None
    asked = _plain_query(scope["query_string"])
    if asked is None:
        return None
    try:
        read_models = state.read_models
        return await _page(read_models, asked.filters, asked.as_of, asked.limit, asked.cursor)
    except (ValidationError, ViewsBehind):
        return None  # the route says why, as it always has
