"""Actors: register, search (accent- and case-blind), read, and their history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import WriterDep
from api.deps import AsOfQuery, IdempotencyKey, TimelineDep
from api.reads import READ, ReadModelsForRead
from api.responses import JSONBytes, answer, page_body
from api.schemas import ActorHistoryPage, ActorIn, ActorOut, ActorPage, ActorSearchPage
from domain import Actor
from projections.queries import MAX_LIMIT

router = APIRouter(prefix="/actors", tags=["actors"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post(
    "",
    status_code=201,
    response_class=JSONBytes,
    responses={201: {"model": ActorOut, "description": "The actor as registered"}},
    summary="Register an actor",
)
def register_actor(
    body: ActorIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register a person or organisation; 409 when its id is taken."""
    result = app.register_actor(
        body.model_dump(exclude_none=True), by=by, idempotency_key=idempotency_key
    )
    actor = app.get_actor(result.id, version=result.version)
    return answer(actor_body(actor, result.position), result.position, 201)


@router.get(
    "",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": ActorSearchPage, "description": "Actors by id"}},
    summary="Find actors",
)
def find_actors(
    read_models: ReadModelsForRead,
    q: Annotated[
        str | None,
        Query(
            max_length=300,
            description=(
                "Text in the id, name or an alias, in its own script or transliterated "
                "('zelensky', 'xi jinping'); accents and case do not matter"
            ),
        ),
    ] = None,
    limit: Limit = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `next_cursor` of the page before")
    ] = None,
) -> Response:
    """Actors in id order; with `q`, those whose id, name or an alias contains it."""
    queries = read_models.queries
    position = queries.position()
    items = queries.actors(q, limit + 1, after=cursor)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = orjson.loads(items[-1])["id"]
    tail = orjson.dumps({"next_cursor": next_cursor})
    return answer(b'{"items":[' + b",".join(items) + b"]," + tail[1:], position)


@router.get(
    "/{actor_id}",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": ActorPage, "description": "The actor"}},
    summary="Read an actor",
)
def read_actor(actor_id: str, read_models: ReadModelsForRead) -> Response:
    """The actor now: names, roles over time, its count of entries, its frequent co-actors."""
    queries = read_models.queries
    position = queries.position()
    return answer(queries.actor(actor_id), position)


@router.get(
    "/{actor_id}/history",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": ActorHistoryPage, "description": "A page of the actor's entries"}},
    summary="An actor's entries",
)
def actor_history(
    actor_id: str,
    read_models: ReadModelsForRead,
    as_of: AsOfQuery = None,
    order: Literal["asc", "desc"] = "asc",
    limit: Limit = 50,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="The `next_cursor` of the page before")
    ] = None,
) -> Response:
    """The actor's entries in occurred order, each with the actor's `role` in it."""
    page = read_models.queries.actor_history(
        actor_id, as_of=as_of, order=order, limit=limit, cursor=cursor
    )
    return answer(page_body(page), page.as_of.position)


def actor_body(actor: Actor, position: int) -> dict[str, Any]:
    """The actor as the directory shows it, from the aggregate at one version."""
    return {
        "id": actor.slug,
        "name": actor.name,
        "kind": actor.kind,
        "aliases": actor.aliases,
        "roles": actor.roles,
        "merged_into": actor.merged_into,
        "version": actor.version,
        "position": position,
        "registered_at": actor.created_on.isoformat(),
    }
