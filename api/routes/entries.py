"""Entries: record, read (now or as of), history, corrections, retractions, citations, links."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from api.accepted import ACCEPTED, answer_when_reached
from api.auth import WriterDep
from api.deps import AsOfQuery, IdempotencyKey, ReadModelsDep, TimelineDep
from api.reads import READ, ReadModelsForRead
from api.responses import JSONBytes, answer
from api.schemas import (
    CitationBody,
    CorrectionIn,
    EntryHistory,
    EntryIn,
    EntryLinks,
    EntryOut,
    LinkIn,
    RetractionIn,
)
from domain import CommandResult, EntryNotFound
from projections import ReadModels

router = APIRouter(prefix="/entries", tags=["entries"])

ENTRY = {"model": EntryOut, "description": "The entry as it stands after the command"}


@router.post(
    "",
    status_code=201,
    response_class=JSONBytes,
    responses={201: ENTRY, 202: ACCEPTED},
    summary="Record an entry",
)
def record_entry(
    request: Request,
    body: Annotated[EntryIn, Body()],
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record an entry of any kind. With `Idempotency-Key`, a retry answers as the first time."""
    return recorded(request, body, by, idempotency_key)


def recorded(request: Request, body: EntryIn, by: str, idempotency_key: str | None) -> Response:
    """Record the entry `body` and answer as POST /entries does: the route's body,
    and the short way's (`api.write_lane`)."""
    state = request.app.state
    result = state.timeline.record_entry(_plain(body), by=by, idempotency_key=idempotency_key)
    return _entry_answer(request, state.read_models, result, 201)


@router.get(
    "/{entry_id}",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": EntryOut, "description": "The entry"}},
    summary="Read an entry, now or as of a moment",
)
def read_entry(
    entry_id: str,
    read_models: ReadModelsForRead,
    as_of: AsOfQuery = None,
) -> Response:
    """The entry's current state, or as it stood at `as_of` (position or ISO time)."""
    body, position = read_models.queries.entry_at(_canonical(entry_id), as_of=as_of)
    return answer(body, position)


@router.get(
    "/{entry_id}/history",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": EntryHistory, "description": "Every version, oldest first"}},
    summary="Every version of an entry",
)
def entry_history(entry_id: str, read_models: ReadModelsForRead) -> Response:
    """Every version: who recorded it, when, why, what changed, and its log position."""
    queries = read_models.queries
    position = queries.position()
    items = queries.entry_history(_canonical(entry_id))
    return answer(b'{"items":[' + b",".join(items) + b"]}", position)


@router.post(
    "/{entry_id}/corrections",
    response_class=JSONBytes,
    responses={200: ENTRY, 202: ACCEPTED},
    summary="Correct an entry",
)
def correct_entry(
    request: Request,
    entry_id: str,
    body: CorrectionIn,
    app: TimelineDep,
    read_models: ReadModelsDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Change fields of the entry; 409 when `expected_version` is not its version."""
    result = app.correct_entry(
        _canonical(entry_id),
        expected_version=body.expected_version,
        changes=_plain(body.changes),
        reason=body.reason,
        source=None if body.source is None else _plain(body.source),
        by=by,
        idempotency_key=idempotency_key,
    )
    return _entry_answer(request, read_models, result)


@router.post(
    "/{entry_id}/retractions",
    response_class=JSONBytes,
    responses={200: ENTRY, 202: ACCEPTED},
    summary="Retract an entry",
)
def retract_entry(
    request: Request,
    entry_id: str,
    body: RetractionIn,
    app: TimelineDep,
    read_models: ReadModelsDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Withdraw the entry: it leaves timelines and stays in its history."""
    result = app.retract_entry(
        _canonical(entry_id),
        expected_version=body.expected_version,
        reason=body.reason,
        by=by,
        idempotency_key=idempotency_key,
    )
    return _entry_answer(request, read_models, result)


@router.post(
    "/{entry_id}/links",
    response_class=JSONBytes,
    responses={200: ENTRY, 202: ACCEPTED},
    summary="Link an entry to another",
)
def link_entry(
    request: Request,
    entry_id: str,
    body: LinkIn,
    app: TimelineDep,
    read_models: ReadModelsDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Say how this entry relates to another: responds_to, part_of, follows, contradicts."""
    result = app.link_entries(
        _canonical(entry_id),
        body.relation,
        _canonical(body.entry, "entry"),
        by=by,
        expected_version=body.expected_version,
        idempotency_key=idempotency_key,
    )
    return _entry_answer(request, read_models, result)


@router.post(
    "/{entry_id}/citations",
    response_class=JSONBytes,
    responses={200: ENTRY, 202: ACCEPTED},
    summary="Cite one more source for an entry",
)
def cite_source(
    request: Request,
    entry_id: str,
    body: CitationBody,
    app: TimelineDep,
    read_models: ReadModelsDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a source that reports the entry, with an exact quote and where it is;
    422 naming `source` when it is not registered or already cited with that quote."""
    citation = body.model_dump(exclude_none=True, exclude={"expected_version"})
    result = app.cite_source(
        _canonical(entry_id),
        citation,
        by=by,
        expected_version=body.expected_version,
        idempotency_key=idempotency_key,
    )
    return _entry_answer(request, read_models, result)


@router.get(
    "/{entry_id}/links",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": EntryLinks, "description": "The entry's links, both ways"}},
    summary="An entry's links, outgoing and incoming",
)
def entry_links(
    entry_id: str,
    read_models: ReadModelsForRead,
    as_of: AsOfQuery = None,
) -> Response:
    """The links this entry made and those other entries made to it, now or as of
    `as_of`, each `{relation, entry}` naming the entry at the other end."""
    links, position = read_models.queries.entry_links(_canonical(entry_id), as_of=as_of)
    return answer(links, position)


def _entry_answer(
    request: Request, read_models: ReadModels, result: CommandResult, status: int = 200
) -> Response:
    """The entry as of the command's own position: a retry answers with the same bytes.

    202 with the entry's id and position when the views do not reach it in time.
    """
    return answer_when_reached(
        request,
        read_models,
        result,
        lambda: f"{request.app.url_path_for('read_entry', entry_id=result.id)}",
        lambda: read_models.queries.entry(result.id, as_of=result.position),
        status,
    )


def _plain(body: Any) -> dict[str, Any]:
    data: dict[str, Any] = body.model_dump(exclude_none=True)
    return data


def _canonical(entry_id: str, field: str | None = None) -> str:
    """The id as the store spells it; any other spelling of a UUID finds the same entry."""
    try:
        return str(UUID(entry_id))
    except ValueError:
        if field is None:
            raise EntryNotFound(entry_id) from None
        return entry_id  # the write service names the field it cannot resolve
