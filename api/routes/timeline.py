"""The timeline: entries in occurred order, filtered, paged, as of any moment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import AsOfQuery, ReadModelsDep
from api.responses import JSONBytes, answer, page_body
from api.routes import READ, READS
from api.schemas import TimelinePage
from projections import TimelineFilters
from projections.queries import MAX_LIMIT

router = APIRouter(prefix="/timeline", tags=["timeline"])

Slug = Annotated[str | None, Query(max_length=200)]


@router.get(
    "",
    dependencies=READS,
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": TimelinePage, "description": "A page of the timeline"}},
    summary="The timeline",
)
async def timeline(
    read_models: ReadModelsDep,
    topic: Slug = None,
    actor: Slug = None,
    kind: Annotated[
        Literal[
            "meeting",
            "call",
            "statement",
            "enforcement_action",
            "congressional_negotiation",
            "statistic",
            "policy_action",
        ]
        | None,
        Query(),
    ] = None,
    start: Annotated[
        str | None,
        Query(alias="from", max_length=100, description="EDTF; entries overlapping it or later"),
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", max_length=100, description="EDTF; entries overlapping it or earlier"),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=500, description="Words of the title, summary or quotes")
    ] = None,
    as_of: AsOfQuery = None,
    include_retracted: bool = False,
    order: Literal["asc", "desc"] = "asc",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="The `next_cursor` of the page before")
    ] = None,
) -> Response:
    """Entries whose occurred interval overlaps `from`..`to`, ordered by occurred date,
    finer precision first, then log position. Pages stay stable while entries arrive:
    a cursor carries the position its first page reflected."""
    filters = TimelineFilters(topic, actor, kind, start, end, q, include_retracted, order)
    queries = read_models.queries
    # `async def`: a page already served at the views' head comes from memory
    # with no I/O, and the event loop answers it without a thread-pool hop,
    # which under load costs more than the page. Anything that needs the
    # store goes to the pool, as a plain `def` route would.
    page = None
    if read_models.head is not None:
        page = queries.cached_timeline(
            filters, head=read_models.head, as_of=as_of, limit=limit, cursor=cursor
        )
    if page is None:
        page = await run_in_threadpool(
            queries.timeline, filters, as_of=as_of, limit=limit, cursor=cursor
        )
    return answer(page_body(page), page.as_of.position)
