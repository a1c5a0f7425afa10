"""The timeline: entries in occurred order, filtered, paged, as of any moment.

The page most asked for, so it has a shortcut besides its route: `TimelineShortcut`
answers the plain case (reads open, no token, no `min_position`, a query string
of plain parameters that validates and reads without a refusal) before FastAPI
routes and solves dependencies for it, which cost more than the page's query.
Anything else goes on to the route, which answers the same bytes and every
refusal, so the contract is the route's whatever path a request takes.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError as SchemaError
from starlette.types import ASGIApp, Receive, Scope, Send

from api.controls import refuses_nothing
from api.reads import READ, ReadModelsForRead, query_model, query_parameters
from api.responses import JSONBytes, answer, page_body
from api.schemas import TimelinePage, TimelineQuery
from domain import ValidationError
from projections import Page, ReadModels, ViewsBehind

__all__ = ["TimelineShortcut", "router"]

router = APIRouter(prefix="/timeline", tags=["timeline"])

# A page's query runs on a thread of its own, not on the server's shared pool of
# forty: SQLite lets go of the GIL while it steps, so one thread beside the
# event loop already uses the second core, and more threads only contend for the
# GIL (measured: a third more CPU a page with two than with one) and, holding a
# pooled connection each, make the pool close and open connections under load.
# Word searches, which can scan far, have a lane of their own: an ordinary page
# never waits behind one.
_PAGES = ThreadPoolExecutor(1, thread_name_prefix="timeline-pages")
_SEARCHES = ThreadPoolExecutor(1, thread_name_prefix="timeline-searches")
# What sends a request to the route: a token, a position to wait for.
_ROUTED_HEADERS = frozenset((b"authorization", b"min-log-position"))


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
    page = await _page(read_models, query)
    return answer(page_body(page), page.as_of.position)


async def _page(read_models: ReadModels, query: TimelineQuery) -> Page:
    filters = query.filters()
    queries = read_models.queries
    # `async def`: a page already served at the views' head comes from memory
    # with no I/O, and the event loop answers it without a thread hop, which
    # under load costs more than the page. Anything that needs the store goes
    # to a query thread.
    page = None
    if read_models.head is not None:
        page = queries.cached_timeline(
            filters,
            head=read_models.head,
            as_of=query.as_of,
            limit=query.limit,
            cursor=query.cursor,
        )
    if page is None:
        lane = _PAGES if filters.q is None else _SEARCHES
        ask = partial(
            queries.timeline,
            filters,
            as_of=query.as_of,
            limit=query.limit,
            cursor=query.cursor,
            head=read_models.head,
        )
        page = await asyncio.get_running_loop().run_in_executor(lane, ask)
    return page


class TimelineShortcut:
    """ASGI middleware answering a plain `GET path` (the timeline's) as its route
    would, without FastAPI's routing and dependencies; passing on anything else."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "GET":
            response = await self._answer(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope) -> Response | None:
        state = scope["app"].state
        raw: bytes = scope["query_string"]
        if (
            state.settings.protect_reads
            or not refuses_nothing(raw)
            or b"min_position" in raw
            or any(name in _ROUTED_HEADERS for name, _ in scope["headers"])
        ):
            return None
        try:
            # As the route reads its query string: the last of repeated names.
            query = TimelineQuery.model_validate(
                dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
            )
            page = await _page(state.read_models, query)
        except (SchemaError, ValidationError, ViewsBehind):
            return None  # the route says why, as it always has
        return answer(page_body(page), page.as_of.position)
