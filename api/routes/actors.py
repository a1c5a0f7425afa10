"""Actors: register, search (accent- and case-blind), read, their history and versions,
and keep them up to date: renames, aliases, roles, merges of duplicates."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import WriterDep
from api.deps import AsOfQuery, IdempotencyKey, TimelineDep
from api.reads import READ, ReadModelsForRead
from api.responses import JSONBytes, answer, id_page_body, page_body
from api.schemas import (
    ActorHistoryPage,
    ActorIn,
    ActorOut,
    ActorPage,
    ActorSearchPage,
    ActorVersions,
    AliasIn,
    MergeIn,
    RenameIn,
    RoleAssumedIn,
    RoleEndIn,
)
from domain import Actor, TimelineApp, actor_commands
from domain.actor_commands import ActorCommand, CommonArgs
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
    request: Request,
    body: ActorIn,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register a person or organisation; 409 when its id is taken."""
    return registered(request, body, by, idempotency_key)


def registered(request: Request, body: ActorIn, by: str, idempotency_key: str | None) -> Response:
    """Register the actor `body` and answer as POST /actors does: the route's body,
    and the short way's (`api.write_lane`)."""
    app: TimelineApp = request.app.state.timeline
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
    return answer(id_page_body(items, limit), position)


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


@router.get(
    "/{actor_id}/versions",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": ActorVersions, "description": "Every event, oldest first"}},
    summary="Every version of an actor",
)
def actor_versions(actor_id: str, read_models: ReadModelsForRead) -> Response:
    """Every event on the actor: who did what, when, why, what changed, its log position."""
    queries = read_models.queries
    position = queries.position()
    items = queries.actor_versions(actor_id)
    return answer(b'{"items":[' + b",".join(items) + b"]}", position)


# Keeping an actor up to date ----------------------------------------------

CHANGED: dict[int | str, dict[str, Any]] = {
    200: {"model": ActorOut, "description": "The actor as it stands after the command"}
}


@router.post(
    "/{actor_id}/renames",
    response_class=JSONBytes,
    responses=CHANGED,
    summary="Rename an actor",
)
def rename_actor(
    actor_id: str,
    body: RenameIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The display name changes from now on; the old name stays as an alias."""
    return _changed(
        app,
        actor_commands.rename_actor(
            actor_id, body.name, reason=body.reason, **_common(body, by, idempotency_key)
        ),
    )


@router.post(
    "/{actor_id}/aliases",
    response_class=JSONBytes,
    responses=CHANGED,
    summary="Add an alias",
)
def add_alias(
    actor_id: str,
    body: AliasIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Another name the actor is known by, found by search from now on."""
    return _changed(
        app, actor_commands.add_alias(actor_id, body.alias, **_common(body, by, idempotency_key))
    )


@router.post(
    "/{actor_id}/roles",
    response_class=JSONBytes,
    responses=CHANGED,
    summary="Record a role assumed",
)
def assume_role(
    actor_id: str,
    body: RoleAssumedIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A role the actor took, from `start` (and until `end`, when known): EDTF dates."""
    role = body.model_dump(exclude_none=True, exclude={"expected_version"})
    return _changed(
        app, actor_commands.assume_role(actor_id, role, **_common(body, by, idempotency_key))
    )


@router.post(
    "/{actor_id}/role-ends",
    response_class=JSONBytes,
    responses=CHANGED,
    summary="End a role",
)
def end_role(
    actor_id: str,
    body: RoleEndIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The open role `title` was held until `end`; 409 when the actor holds no such role."""
    return _changed(
        app,
        actor_commands.end_role(
            actor_id, body.title, body.end, **_common(body, by, idempotency_key)
        ),
    )


@router.post(
    "/{actor_id}/merges",
    response_class=JSONBytes,
    responses=CHANGED,
    summary="Merge a duplicate into another actor",
)
def merge_actor(
    actor_id: str,
    body: MergeIn,
    app: TimelineDep,
    by: WriterDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The actor is a duplicate of `into`: from now on its entries read as `into`'s,
    and it answers with `merged_into`. 409 for a merge into itself or into (or of) an
    actor merged already."""
    return _changed(
        app,
        actor_commands.merge_actor(
            actor_id, body.into, reason=body.reason, **_common(body, by, idempotency_key)
        ),
    )


class _Versioned(Protocol):
    expected_version: int | None


def _common(body: _Versioned, by: str, idempotency_key: str | None) -> CommonArgs:
    return CommonArgs(
        expected_version=body.expected_version, by=by, idempotency_key=idempotency_key
    )


def _changed(app: TimelineApp, command: ActorCommand) -> Response:
    """Run the command; answer with the actor at the version it made, so a retry
    answers with the same bytes."""
    result = app.change_actor(command)
    actor = app.get_actor(result.id, version=result.version)
    return answer(actor_body(actor, result.position), result.position)


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
