"""Topics: every topic in use, with its count of entries, under the timeline's filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.reads import READ, ReadModelsForRead, query_model, query_parameters
from api.responses import JSONBytes, answer
from api.schemas import TimelineFilterQuery, TopicsPage

router = APIRouter(prefix="/topics", tags=["topics"])


@router.get(
    "",
    openapi_extra={
        **READ,
        "parameters": READ["parameters"] + query_parameters(TimelineFilterQuery),
    },
    response_class=JSONBytes,
    responses={200: {"model": TopicsPage, "description": "Topics by name, with counts"}},
    summary="Topics in use",
)
def topics(
    read_models: ReadModelsForRead,
    query: Annotated[TimelineFilterQuery, Depends(query_model(TimelineFilterQuery))],
) -> Response:
    """Every topic of the active entries (all entries with `include_retracted`) the
    timeline's filters keep, as of `as_of` or now, with how many of them carry it.
    With `topic`, the topics found beside it. Read from the views."""
    items, moment = read_models.queries.topics(query.filters(), as_of=query.as_of)
    body = {
        "items": items,
        "as_of": {"position": moment.position, "recorded_at": moment.recorded_at},
    }
    return answer(body, moment.position)
