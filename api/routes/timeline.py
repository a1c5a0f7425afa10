"""The timeline: entries in occurred order, filtered, paged, as of any moment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.reads import READ, ReadModelsForRead, query_model, query_parameters
from api.responses import JSONBytes, answer, page_body
from api.schemas import TimelinePage, TimelineQuery

router = APIRouter(prefix="/timeline", tags=["timeline"])


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
    # with no I/O, and the event loop answers it without a thread-pool hop,
    # which under load costs more than the page. Anything that needs the
    # store goes to the pool, as a plain `def` route would.
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
        page = await run_in_threadpool(
            queries.timeline, filters, as_of=query.as_of, limit=query.limit, cursor=query.cursor
        )
    return answer(page_body(page), page.as_of.position)
