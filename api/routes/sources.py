"""Sources: the publications entries cite."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import WriterDep
from api.deps import IdempotencyKey, TimelineDep
from api.reads import READ, ReadModelsForRead
from api.responses import JSONBytes, answer
from api.schemas import SourceIn, SourceOut
from domain import Source

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
    "/{source_id}",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": SourceOut, "description": "The source"}},
    summary="Read a source",
)
def read_source(source_id: str, app: TimelineDep, _: ReadModelsForRead) -> Response:
    """The source as registered (sources never change)."""
    return answer(source_body(app.get_source(source_id)), app.head_position())


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
