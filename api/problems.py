"""Every error leaves the API as RFC 9457 problem+json, mapped here and only here.

Each problem's `type` names what went wrong, one type per error class (the
table `PROBLEM_TYPES`, written out in docs/problems.md). A type is a page of
this server, `{base URL}problems/{name}` (`https://host/problems/validation`),
made absolute from the request's base URL as the answer is sent: RFC 9457
asks for an absolute URI, and the page it names says, when fetched, what the
problem means and what to do about it, on whichever host and path prefix
the server is reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from api.consistency import beyond_log
from api.json_bodies import DuplicateKey, NotJson
from api.negotiation import negotiated
from api.schemas import DETAIL_MODELS
from domain import (
    AlreadyRegistered,
    Conflict,
    DomainError,
    EntryRetracted,
    IdempotencyKeyReused,
    NotFound,
    UnknownReference,
    ValidationError,
    VersionConflict,
)
from projections import RebuildRunning, ViewsBehind
from projections.trust.signer import CheckpointUnavailable
from projections.views.changes import UnreadableEvent

# Union members' names in a Pydantic error's location: an entry's kind, a details model's name.
KINDS = frozenset(DETAIL_MODELS)
DETAIL_CLASSES = frozenset(model.__name__ for model in DETAIL_MODELS.values())

__all__ = [
    "PROBLEMS",
    "PROBLEM_TYPES",
    "Problem",
    "ProblemResponse",
    "ProblemType",
    "install_problem_handlers",
    "problem",
    "problems_markdown",
    "reason",
]

PROBLEM_PATH = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its `type` is `{base URL}problems/{name}`."""

    name: str
    status: int
    title: str
    when: str

    @property
    def path(self) -> str:
        return PROBLEM_PATH + self.name


PROBLEM_TYPES: dict[str, ProblemType] = {
    t.name: t
    for t in (
        ProblemType(
            "not-json",
            400,
            "Body not JSON",
            "The body is not JSON, or not UTF-8. Every body of this API is JSON "
            "(`application/json`); one sent without a Content-Type, or with another "
            "(`curl -d` sends `application/x-www-form-urlencoded`), is read as JSON.",
        ),
        ProblemType("bad-request", 400, "Bad Request", "The request could not be read at all."),
        ProblemType(
            "unauthorized",
            401,
            "Unauthorized",
            "No valid token: send `Authorization: Bearer TOKEN` (`policy-timeline tokens "
            "create`); `WWW-Authenticate` says which.",
        ),
        ProblemType(
            "forbidden",
            403,
            "Forbidden",
            "The token lacks the scope this needs (the detail "
            "names it): `write` for writes, `audit` for the audit routes, `read` for reads "
            "when reads are protected.",
        ),
        ProblemType(
            "not-found",
            404,
            "Not Found",
            "No such entry, actor, source or logged event; or no route at this path.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "Method Not Allowed",
            "The path does not take this method; `Allow` lists those it takes.",
        ),
        ProblemType(
            "version-conflict",
            409,
            "Version conflict",
            "`expected_version` is not the entry's or actor's current version: nothing was "
            "stored; read it again and resend with its version.",
        ),
        ProblemType(
            "already-registered",
            409,
            "Already registered",
            "The actor's or source's id is taken: choose another `id`, or use the one registered.",
        ),
        ProblemType(
            "entry-retracted",
            409,
            "Entry retracted",
            "A retracted entry takes no corrections or links: record a new entry instead.",
        ),
        ProblemType(
            "conflict",
            409,
            "Conflict",
            "The command is well formed but does not fit the record as it stands, and the "
            "detail says how: an actor merged into itself, or merged when it or the actor "
            "it would join is merged already; a change to a merged actor (change the one it "
            "was merged into); the end of a role the actor does not hold open.",
        ),
        ProblemType(
            "rebuild-running",
            409,
            "Rebuild running",
            "A replay of the views is already under way: wait for it to end.",
        ),
        ProblemType(
            "unreadable-event",
            409,
            "Unreadable event",
            "A stored event can no longer be read: the log was changed outside the engine "
            "(`policy-timeline verify` says where). The record, not the request, is at fault.",
        ),
        ProblemType(
            "body-too-large",
            413,
            "Content Too Large",
            "The request body is over the server's limit (`TIMELINE_MAX_BODY_BYTES`); "
            "send fewer items at once, or import a file.",
        ),
        ProblemType(
            "validation",
            422,
            "Invalid input",
            "A value breaks a rule: `errors` lists each field (`loc`) and what is accepted "
            "(`msg`), in the words the import, the command line and the web page use too "
            "(an EDTF date, an id such as `ken-salazar`).",
        ),
        ProblemType(
            "unknown-reference",
            422,
            "Unknown reference",
            "The body names an actor, source or entry that is not registered: register it "
            "first, or fix the id `errors` names.",
        ),
        ProblemType(
            "duplicate-key",
            422,
            "Repeated key",
            "The JSON body names a key twice in one object (`errors` says where): send it once.",
        ),
        ProblemType(
            "idempotency-key-reused",
            422,
            "Idempotency key reused",
            "This token sent this `Idempotency-Key` before with another command: use a new "
            "key for a new command.",
        ),
        ProblemType(
            "views-behind",
            503,
            "Views behind",
            "The views have not reached the position asked for (a `min_position`, a "
            "cursor's) in time: retry after `Retry-After`.",
        ),
        ProblemType(
            "ledger-behind",
            503,
            "Ledger behind",
            "The audit ledger has not reached the export's position in time: retry after "
            "`Retry-After`.",
        ),
        ProblemType(
            "checkpoint-unavailable",
            503,
            "Checkpoint unavailable",
            "The server has no signing key, or its signer refuses a tree not consistent "
            "with what it signed before (the detail says which); retrying will not help "
            "until someone acts.",
        ),
    )
}
# The type of a problem raised as a bare HTTP status (by Starlette, FastAPI or a route).
_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "body-too-large",
    422: "validation",
    503: "views-behind",
}


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, and for bad input, which fields."""

    type: str = Field(
        description="What went wrong, as a URI: `{base URL}problems/{name}`, a page that "
        "says what the problem means (see docs/problems.md)"
    )
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_MEANINGS = {
    400: "The body is not JSON (or not UTF-8); every body is `application/json`",
    401: "No valid token: send `Authorization: Bearer TOKEN`",
    403: "The token lacks the scope this needs",
    404: "No such entry, actor or source",
    409: "The command does not fit the record: a stale `expected_version`, a taken id, "
    "a retracted entry, a merged actor, a role not held; or a replay is already under way",
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
    """A problem, its `type` made absolute from the request's base URL as it is sent."""

    media_type = "application/problem+json"

    def __init__(
        self, content: dict[str, Any], status_code: int, headers: Mapping[str, str] | None = None
    ) -> None:
        self.problem = content
        super().__init__(content, status_code=status_code, headers=headers)

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self.problem.get("type", "")
        if kind.startswith("/"):
            base = str(Request(scope).base_url)
            self.body = self.render({**self.problem, "type": base.rstrip("/") + kind})
            self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)


def problem(
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    *,
    kind: str | None = None,
    **extra: Any,
) -> ProblemResponse:
    """The problem of type `kind` (a name of PROBLEM_TYPES; by default the one of
    `status`); its title is the type's."""
    known = PROBLEM_TYPES.get(kind or _BY_STATUS.get(status, ""))
    body: dict[str, Any]
    if known is None:
        body = {"type": "about:blank", "title": reason(status)}
    else:
        assert known.status == status, (known.name, status)
        body = {"type": known.path, "title": known.title}
    body |= {"status": status, "detail": detail, **extra}
    return ProblemResponse(body, status_code=status, headers=headers)


def problem_type_of(error: DomainError) -> ProblemType:
    """The type of a domain error: its class's, else its nearest ancestor's."""
    for cls, name in _DOMAIN_TYPES:
        if isinstance(error, cls):
            return PROBLEM_TYPES[name]
    return PROBLEM_TYPES["bad-request"]


# Most specific first: an UnknownReference is a ValidationError too.
_DOMAIN_TYPES: tuple[tuple[type[DomainError], str], ...] = (
    (UnknownReference, "unknown-reference"),
    (ValidationError, "validation"),
    (IdempotencyKeyReused, "idempotency-key-reused"),
    (NotFound, "not-found"),
    (VersionConflict, "version-conflict"),
    (AlreadyRegistered, "already-registered"),
    (EntryRetracted, "entry-retracted"),
    (Conflict, "conflict"),
)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as a problem, and serve each problem type's page."""

    async def domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        kind = problem_type_of(error)
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationError):
            extra["errors"] = [{"loc": _located(request, error.field), "msg": error.message}]
        elif isinstance(error, IdempotencyKeyReused):
            extra["errors"] = [{"loc": ["header", "Idempotency-Key"], "msg": str(error)}]
        answer = problem(kind.status, str(error), kind=kind.name, **extra)
        return negotiated(request, answer, kind.title, str(error))

    async def invalid_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = [{"loc": _field_of(e), "msg": e["msg"]} for e in error.errors()]
        detail = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors[:3]
        )
        answer = problem(422, detail, kind="validation", errors=errors)
        return negotiated(request, answer, "Not a valid request", detail)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 405:
            error.headers = {"Allow": ", ".join(_methods_of(request))}
        # Keep the headers a route or Starlette set: WWW-Authenticate on a 401, Allow on a 405.
        answer = problem(error.status_code, str(error.detail), headers=error.headers)
        said = str(error.detail)
        if error.status_code == 404 and said == "Not Found":
            said = f"There is no page at {request.url.path} on this site."
        return negotiated(request, answer, _page_title(error.status_code), said)

    async def duplicate_key(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, DuplicateKey)
        errors = [{"loc": error.loc, "msg": error.msg}]
        return problem(422, str(error.detail), kind="duplicate-key", errors=errors)

    async def not_json(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, NotJson)
        errors = [{"loc": error.loc, "msg": error.msg}]
        return problem(400, str(error.detail), kind="not-json", errors=errors)

    async def views_behind(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, ViewsBehind)
        # Past the log's head the cursor is no moment of this record: waiting
        # would not help, so it is bad input; short of it, the views will get there.
        head = await run_in_threadpool(request.app.state.timeline.head_position)
        if error.position > head:
            message = beyond_log(head)
            errors = [{"loc": ["query", "cursor"], "msg": message}]
            return problem(422, f"cursor: {message}", kind="validation", errors=errors)
        return problem(503, str(error), {"Retry-After": "1"}, kind="views-behind")

    async def rebuild_running(_: Request, error: Exception) -> ProblemResponse:
        return problem(409, str(error), kind="rebuild-running")

    async def checkpoint_unavailable(_: Request, error: Exception) -> ProblemResponse:
        # No key, or a signer that refuses a rewritten log: the server, not the
        # request, is at fault, and retrying will not help until someone acts.
        return problem(503, str(error), kind="checkpoint-unavailable")

    async def unreadable_event(_: Request, error: Exception) -> ProblemResponse:
        # A row of the log changed outside the engine: the record, not the request, is at fault.
        return problem(409, str(error), kind="unreadable-event")

    async def problem_page(name: str) -> HTMLResponse:
        kind = PROBLEM_TYPES.get(name)
        if kind is None:
            raise HTTPException(404, detail=f"no problem type {name!r}; see {PROBLEM_PATH}")
        return HTMLResponse(_page(kind.title, [kind]))

    async def problem_index() -> HTMLResponse:
        return HTMLResponse(_page("Problem types", list(PROBLEM_TYPES.values())))

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(ViewsBehind, views_behind)
    app.add_exception_handler(RebuildRunning, rebuild_running)
    app.add_exception_handler(UnreadableEvent, unreadable_event)
    app.add_exception_handler(CheckpointUnavailable, checkpoint_unavailable)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(DuplicateKey, duplicate_key)
    app.add_exception_handler(NotJson, not_json)
    # Outside the OpenAPI document, as the HTML pages are: they document the API.
    app.add_api_route(PROBLEM_PATH.rstrip("/"), problem_index, include_in_schema=False)
    app.add_api_route(PROBLEM_PATH + "{name}", problem_page, include_in_schema=False)


def _page_title(status: int) -> str:
    """An error page's heading: what a person looked for and did not find, in words."""
    if status == 404:
        return "No such page"
    return reason(status)


def problems_markdown() -> str:
    """The table of problem types, as docs/problems.md holds it."""
    rows = [f"| `{t.name}` | {t.status} | {t.title} | {t.when} |" for t in PROBLEM_TYPES.values()]
    return "\n".join(["| type | status | title | when |", "| --- | --- | --- | --- |", *rows])


def _page(heading: str, kinds: list[ProblemType]) -> str:
    """A page of problem types; its links are relative, so they hold under any
    path prefix the server is reached at (/problems and /problems/NAME)."""
    index = len(kinds) > 1
    items = "".join(
        f'<section id="{t.name}"><h2>'
        + (f'<a href="problems/{t.name}">{t.name}</a>' if index else t.name)
        + f"</h2><p>HTTP {t.status} &middot; {escape(t.title)}</p><p>{escape(t.when)}</p>"
        "</section>"
        for t in kinds
    )
    back = "" if index else '<p><a href="../problems">Every problem type</a></p>'
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        f"<title>{escape(heading)} · policy-timeline</title>"
        f"<h1>{escape(heading)}</h1>{items}{back}</html>"
    )


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
