"""The timeline: entries in occurred order, filtered, paged, as of any moment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

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
def timeline(
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
    page = read_models.queries.timeline(filters, as_of=as_of, limit=limit, cursor=cursor)
    return answer(page_body(page), page.as_of.position)
