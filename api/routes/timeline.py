"""The timeline: entries in occurred order, filtered, paged, as of any moment."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.reads import READ, ReadModelsForRead, query_model, query_parameters
from api.responses import JSONBytes, answer, page_body
from api.schemas import TimelinePage, TimelineQuery

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
    return answer(page_body(page), page.as_of.position)
