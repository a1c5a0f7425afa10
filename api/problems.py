"""Every error leaves the API as RFC 9457 problem+json, mapped here and only here."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.consistency import beyond_log
from api.json_bodies import DuplicateKey
from api.schemas import DETAIL_MODELS
from domain import (
    Conflict,
    DomainError,
    IdempotencyKeyReused,
    NotFound,
    ValidationError,
)
from projections import RebuildRunning, ViewsBehind
from projections.trust.signer import CheckpointUnavailable
from projections.views.changes import UnreadableEvent

# Union members' names in a Pydantic error's location: an entry's kind, a details model's name.
KINDS = frozenset(DETAIL_MODELS)
DETAIL_CLASSES = frozenset(model.__name__ for model in DETAIL_MODELS.values())

__all__ = [
    "PROBLEMS",
    "Problem",
    "ProblemResponse",
    "install_problem_handlers",
    "problem",
    "reason",
]


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, and for bad input, which fields."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_MEANINGS = {
    400: "The body could not be read at all (not UTF-8)",
    401: "No valid token: send `Authorization: Bearer TOKEN`",
    403: "The token lacks the scope this needs",
    404: "No such entry, actor or source",
    409: "The command does not fit the record: a stale `expected_version`, a taken id, "
    "a retracted entry; or a replay is already under way",
    413: "The request body is over the documented limit",
    422: "Invalid input: `errors` names each field and what is accepted",
    503: "The views have not reached the position asked for (a `min_position`, a cursor's) "
    "in time, retry after `Retry-After`; or the log has no signing key, or its signer "
    "refuses a tree not consistent with what it signed before (the detail says why)",
}


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$defs` put in place of each `$ref`: this schema sits
    inside every response of the document, where `#/$defs/...` would point at a
    root that has none, and no client could resolve it."""
    defs = schema.pop("$defs", {})

    def place(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return place(defs[ref.removeprefix("#/$defs/")])
            return {key: place(value) for key, value in node.items()}
        if isinstance(node, list):
            return [place(value) for value in node]
        return node

    placed: dict[str, Any] = place(schema)
    return placed


PROBLEM_SCHEMA = _inlined(Problem.model_json_schema())
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": meaning,
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }
    for status, meaning in _MEANINGS.items()
}


class ProblemResponse(Response):
    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem(
    status: int,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return ProblemResponse(body, status_code=status, headers=headers)


def _status_of(error: DomainError) -> int:
    # A key sent again with another body is a bad request, not a clash with the record.
    if isinstance(error, ValidationError | IdempotencyKeyReused):
        return 422
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 400


def install_problem_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, DomainError)
        status = _status_of(error)
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationError):
            extra["errors"] = [{"loc": _located(request, error.field), "msg": error.message}]
        elif isinstance(error, IdempotencyKeyReused):
            extra["errors"] = [{"loc": ["header", "Idempotency-Key"], "msg": str(error)}]
        return problem(status, reason(status), str(error), **extra)

    async def invalid_request(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, RequestValidationError)
        errors = [{"loc": _field_of(e), "msg": e["msg"]} for e in error.errors()]
        detail = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors[:3]
        )
        return problem(422, reason(422), detail, errors=errors)

    async def http_error(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, HTTPException)
        if error.status_code == 405:
            error.headers = {"Allow": ", ".join(_methods_of(request))}
        # Keep the headers a route or Starlette set: WWW-Authenticate on a 401, Allow on a 405.
        return problem(
            error.status_code, reason(error.status_code), str(error.detail), headers=error.headers
        )

    async def duplicate_key(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, DuplicateKey)
        errors = [{"loc": error.loc, "msg": error.msg}]
        return problem(422, reason(422), str(error.detail), errors=errors)

    async def views_behind(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, ViewsBehind)
        # Past the log's head the cursor is no moment of this record: waiting
        # would not help, so it is bad input; short of it, the views will get there.
        head = await run_in_threadpool(request.app.state.timeline.head_position)
        if error.position > head:
            message = beyond_log(head)
            errors = [{"loc": ["query", "cursor"], "msg": message}]
            return problem(422, reason(422), f"cursor: {message}", errors=errors)
        return problem(503, reason(503), str(error), headers={"Retry-After": "1"})

    async def rebuild_running(_: Request, error: Exception) -> ProblemResponse:
        return problem(409, reason(409), str(error))

    async def checkpoint_unavailable(_: Request, error: Exception) -> ProblemResponse:
        # No key, or a signer that refuses a rewritten log: the server, not the
        # request, is at fault, and retrying will not help until someone acts.
        return problem(503, reason(503), str(error))

    async def unreadable_event(_: Request, error: Exception) -> ProblemResponse:
        # A row of the log changed outside the engine: the record, not the request, is at fault.
        return problem(409, reason(409), str(error))

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(ViewsBehind, views_behind)
    app.add_exception_handler(RebuildRunning, rebuild_running)
    app.add_exception_handler(UnreadableEvent, unreadable_event)
    app.add_exception_handler(CheckpointUnavailable, checkpoint_unavailable)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(DuplicateKey, duplicate_key)


# RFC 9110's names, where Python 3.11's HTTPStatus still has the older ones.
_RFC_9110_REASONS = {413: "Content Too Large", 422: "Unprocessable Content"}


def reason(status: int) -> str:
    """The status's reason phrase: a problem's title, as RFC 9457 asks of about:blank."""
    if status in _RFC_9110_REASONS:
        return _RFC_9110_REASONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _field_of(error: Mapping[str, Any]) -> list[str | int]:
    """A Pydantic error's location as the domain names fields: `details.participants`.

    Body fields are named from the body's root, as the domain names them;
    parameters keep their place first (`query`, `header`, `path`). Union
    members' names (`meeting`, `CallDetails`) go: they say which schema was
    tried, not where the field is.
    """
    if error["type"] == "json_invalid":
        return ["body"]
    place, *parts = error["loc"]
    kept: list[str | int] = [] if place == "body" else [place]
    kept += [p for p in parts if not (isinstance(p, str) and (p in KINDS or p in DETAIL_CLASSES))]
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        kept.append("kind")
    return kept or ["body"]  # the body as a whole: missing, or not an object


def _located(request: Request, field: str) -> list[str | int]:
    """A domain field as a location: `actors.0.actor` -> ["actors", 0, "actor"],
    and a parameter the request sent (`as_of`) -> ["query", "as_of"]."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in field.split(".")]
    head = field.split(".")[0]
    if head in request.query_params:
        return ["query", *parts]
    if head.lower() in request.headers:
        return ["header", *parts]
    return parts


def _methods_of(request: Request) -> list[str]:
    """Every method some route serves at the request's path.

    Starlette's own 405 names only the first route matching the path, and a
    resource's GET and POST are separate routes, so each method is tried.
    """
    return [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
