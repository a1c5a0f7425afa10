"""Chronology exports: the timeline as a file in one of seven formats, streamed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.problems import problem
from api.reads import READ, ReadModelsForRead, query_model, query_parameters
from api.responses import POSITION_HEADER
from api.schemas import ExportQuery
from projections.audit.ledger import LedgerBehind
from projections.presentation.exports import FORMATS, export, open_chronology

__all__ = ["CHECKPOINT_HEADER", "HEAD_HASH_HEADER", "router"]

router = APIRouter(prefix="/exports", tags=["exports"])

HEAD_HASH_HEADER = "Log-Head-Hash"
CHECKPOINT_HEADER = "Log-Checkpoint"
_SCHEMAS: dict[str, dict[str, Any]] = {
    "application/json": {"type": "object"},
}
_HEADERS = {
    POSITION_HEADER: {
        "description": "The log position the export reflects",
        "schema": {"type": "integer", "minimum": 0},
    },
    HEAD_HASH_HEADER: {
        "description": "The audit ledger's root hash (RFC 6962) over every event up to that "
        "position: 64 hex digits",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
    CHECKPOINT_HEADER: {
        "description": "When the log has a signing key: the signed checkpoint (C2SP) of the "
        "tree up to `Log-Position`, base64 of its text; check it with `GET /audit/key`",
        "schema": {"type": "string"},
    },
    "Content-Disposition": {
        "description": "`attachment; filename=chronology-at-POSITION.EXT`",
        "schema": {"type": "string"},
    },
}
_CONTENT = {
    media_type.split(";")[0]: {"schema": _SCHEMAS.get(media_type, {"type": "string"})}
    for media_type in dict.fromkeys(f.media_type for f in FORMATS.values())
}


@router.get(
    "/chronology",
    openapi_extra={**READ, "parameters": READ["parameters"] + query_parameters(ExportQuery)},
    response_class=Response,
    responses={
        200: {
            "description": "The chronology as a file: md, html, csv, json, ndjson, ics or "
            "timelinejs; every format names the log position, head hash and filters",
            "content": _CONTENT,
            "headers": _HEADERS,
        }
    },
    summary="The timeline as a file",
)
async def chronology(
    read_models: ReadModelsForRead,
    query: Annotated[ExportQuery, Depends(query_model(ExportQuery))],
) -> Response:
    """The timeline's entries with the filters, as of `as_of` (or now), in `format`.

    The log position is fixed before the first byte (every cursor behind the
    stream keeps it), so entries recorded while it streams stay out, and the
    same position and filters always give the same bytes. `Log-Position` and
    `Log-Head-Hash` say what the file reflects; a failure after the first
    byte can only end the stream early, so a complete file always ends as
    its format ends (a closing bracket, END:VCALENDAR, a count).
    """
    filters = query.filters()
    try:
        chronology = await run_in_threadpool(
            open_chronology, read_models, filters, as_of=query.as_of
        )
    except LedgerBehind as error:
        return problem(503, str(error), {"Retry-After": "1"}, kind="ledger-behind")
    form = FORMATS[query.format]
    meta = chronology.meta
    headers = {
        POSITION_HEADER: str(meta.position),
        HEAD_HASH_HEADER: meta.head_hash,
        "Content-Disposition": f'attachment; filename="{form.file_name(meta.position)}"',
    }
    if (checkpoint := meta.checkpoint_base64()) is not None:
        headers[CHECKPOINT_HEADER] = checkpoint
    # A plain iterator: Starlette runs each step of it in the thread pool.
    return StreamingResponse(
        export(chronology, form.name), media_type=form.media_type, headers=headers
    )
