"""Keeping an actor up to date from the browser: rename, alias, role, role end, merge.

`/actors/{id}/edit` shows one small form per command, each with the actor's
version it was read at; a POST runs the same actor command as the API (through
`TimelineApp.change_actor`); `POST /actors/new` registers one for the entry
form's dialog. A refusal, a stale version among them, shows the
page again with the domain's message beside that form and what was typed kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ReadModelsDep, TimelineDep
from api.web.csrf import FIELD, csrf_valid
from api.web.forms import error_for
from api.web.forms_pickers import Lookup, actor_lookup, resolve_actors, suggestions
from api.web.forms_routes import CSRF_REFUSED, Posted, refused_page, writer_or_refusal
from api.web.render import html_page
from api.web.session import request_secret
from domain import (
    ActorNotFound,
    AlreadyRegistered,
    DomainError,
    ValidationError,
    VersionConflict,
    actor_commands,
)
from domain.actor_commands import ActorCommand, CommonArgs

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Build = Callable[[str, Mapping[str, str], CommonArgs], ActorCommand]


def _optional(form: Mapping[str, str], name: str) -> str | None:
    return form.get(name, "").strip() or None


def _role(form: Mapping[str, str]) -> dict[str, Any]:
    role = {k: _optional(form, k) for k in ("title", "organization", "start", "end")}
    return {k: v for k, v in role.items() if v is not None or k == "title"}


COMMANDS: dict[str, Build] = {
    "rename": lambda slug, form, common: actor_commands.rename_actor(
        slug, form.get("name", "").strip(), reason=_optional(form, "reason"), **common
    ),
    "alias": lambda slug, form, common: actor_commands.add_alias(
        slug, form.get("alias", "").strip(), **common
    ),
    "role": lambda slug, form, common: actor_commands.assume_role(slug, _role(form), **common),
    "role-end": lambda slug, form, common: actor_commands.end_role(
        slug, form.get("title", "").strip(), form.get("end", "").strip(), **common
    ),
    "merge": lambda slug, form, common: actor_commands.merge_actor(
        slug, form.get("into", "").strip(), reason=_optional(form, "reason"), **common
    ),
}


def _edit_page(
    read_models: ReadModelsDep,
    actor_id: str,
    *,
    action: str = "",
    values: Mapping[str, str] | None = None,
    error: str = "",
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    try:
        actor = read_models.queries.actor(actor_id)
    except ActorNotFound:
        return refused_page("No such actor", f"There is no actor {actor_id[:80]!r}.", 404)
    return html_page(
        "actor_edit.html",
        status=status,
        actor=actor,
        action=action,
        values=values or {},
        error=error,
        errors=errors or {},
    )


def _others(read_models: ReadModelsDep, actor_id: str) -> Lookup:
    """The actor search, without `actor_id`: a duplicate often bears its survivor's name."""
    everyone = actor_lookup(read_models.queries)
    return lambda text: [a for a in everyone(text) if a.get("id") != actor_id]


@router.get("/actors/{actor_id}/edit")
def actor_edit_page(actor_id: str, request: Request, read_models: ReadModelsDep) -> Response:
    """The small forms that keep the actor up to date."""
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return writer
    return _edit_page(read_models, actor_id)


@router.post("/actors/{actor_id}/edit/{action}")
def actor_edit(
    actor_id: str,
    action: str,
    request: Request,
    form: Posted,
    read_models: ReadModelsDep,
    app: TimelineDep,
) -> Response:
    """Run one actor command; back to the actor's page, or the forms with the refusal."""
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return writer
    if not csrf_valid(request_secret(request), writer.session_id, form.get(FIELD)):
        return refused_page(*CSRF_REFUSED)
    build = COMMANDS.get(action)
    if build is None:
        return refused_page("No such change", f"Expected one of: {', '.join(COMMANDS)}.", 404)
    version = form.get("expected_version", "").strip()
    common = CommonArgs(
        expected_version=int(version) if version.isdigit() else None,
        by=writer.name,
        idempotency_key=None,
    )
    lookup = _others(read_models, actor_id)
    if action == "merge":
        # The duplicate's survivor is typed by name as often as by id.
        form = resolve_actors(form, ["into"], lookup)
    try:
        result = app.change_actor(build(actor_id, form, common))
    except VersionConflict as conflict:
        message = (
            f"{conflict} Someone changed this actor since you opened the page: "
            "it is shown as it stands now; your text is kept, send it again if it still holds."
        )
        return _edit_page(
            read_models, actor_id, action=action, values=_fresh(form), error=message, status=409
        )
    except DomainError as error:
        # A field the form shows gets the message beside it; any other, at the top.
        names = [k for k in form if k not in (FIELD, "expected_version")]
        field = error_for(error.field, names) if isinstance(error, ValidationError) else ""
        if field in names and isinstance(error, ValidationError):
            message = error.message
            if field == "into":
                message += suggestions(form.get("into", ""), lookup)
            return _edit_page(
                read_models,
                actor_id,
                action=action,
                values=form,
                errors={field: message},
                status=422,
            )
        return _edit_page(
            read_models, actor_id, action=action, values=form, error=str(error), status=422
        )
    read_models.wait_for(
        result.position, request.app.state.settings.read_wait_seconds, ledger=False
    )
    return RedirectResponse(f"/actors/{actor_id}", 303)


def _fresh(form: Mapping[str, str]) -> dict[str, str]:
    # The version sent was stale: the form shows the current one instead.
    return {k: v for k, v in form.items() if k != "expected_version"}


@router.post("/actors/new")
def register_actor_inline(
    request: Request, form: Posted, read_models: ReadModelsDep, app: TimelineDep
) -> Response:
    """Register an actor from the entry form's small dialog (`static/forms.js`):
    `{id, name}` with 201, or `{field, detail}` with 422 (409 when already registered).
    Without JavaScript the entry form's own "new actor" fields do this instead."""
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return _json({"field": "", "detail": "sign in with a token of scope write"}, 403)
    if not csrf_valid(request_secret(request), writer.session_id, form.get(FIELD)):
        return _json({"field": "", "detail": CSRF_REFUSED[1]}, 403)
    name = form.get("name", "").strip()
    body = {"name": name, "kind": form.get("kind", "").strip()}
    try:
        result = app.register_actor(body, by=writer.name)
    except ValidationError as error:
        return _json({"field": error.field, "detail": error.message}, 422)
    except AlreadyRegistered as error:
        return _json({"field": "name", "detail": f"{error}: pick it in the actor field"}, 409)
    # The pickers search the views: the new actor should be found at once.
    with contextlib.suppress(TimeoutError):
        read_models.wait_for(
            result.position, request.app.state.settings.read_wait_seconds, ledger=False
        )
    return _json({"id": result.id, "name": name}, 201)


def _json(body: dict[str, str], status: int) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")
