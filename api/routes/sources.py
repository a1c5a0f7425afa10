"""Sources: the publications entries cite; registered, listed with their counts, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import WriterDep
from api.deps import IdempotencyKey, TimelineDep
from api.reads import READ, ReadModelsForRead
from api.responses import JSONBytes, answer, id_page_body
from api.schemas import SourceIn, SourceListItem, SourceOut, SourcePage
from domain import Source
from projections.queries import MAX_LIMIT

router = APIRouter(prefix="/sources", tags=["sources"])


@router.post(
    "",
    status_code=201,
    response_class=JSONBytes,
    responses={201: {"model": SourceOut, "description": "The source as registered"}},
    summary="Register a source",
)
def register_source(
    body: SourceIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register a publication; 409 when its id is taken."""
    result = app.register_source(
        body.model_dump(exclude_none=True), by=by, idempotency_key=idempotency_key
    )
    return answer(source_body(app.get_source(result.id)), result.position, 201)


@router.get(
    "",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": SourcePage, "description": "Sources by id"}},
    summary="List and find sources",
)
def list_sources(
    read_models: ReadModelsForRead,
    q: Annotated[
        str | None,
        Query(
            max_length=300,
            description="Text in the title or publisher; accents and case do not matter",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `next_cursor` of the page before")
    ] = None,
) -> Response:
    """Every source in id order, with how many active entries cite it; with `q`,
    those whose title or publisher contains it. Read from the views."""
    queries = read_models.queries
    position = queries.position()
    items = queries.sources(q, limit + 1, after=cursor)
    return answer(id_page_body(items, limit), position)


@router.get(
    "/{source_id}",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": SourceListItem, "description": "The source"}},
    summary="Read a source",
)
def read_source(source_id: str, read_models: ReadModelsForRead) -> Response:
    """The source as registered (sources never change), with how many active entries
    cite it, as `GET /sources` lists it. Read from the views."""
    queries = read_models.queries
    position = queries.position()
    return answer(queries.source(source_id), position)


def source_body(source: Source) -> dict[str, Any]:
    return {
        "id": source.slug,
        "title": source.title,
        "publisher": source.publisher,
        "authors": source.authors,
        "url": source.url,
        "published": source.published,
        "note": source.note,
        "registered_at": source.created_on.isoformat(),
    }
