"""The pages that write: sign-in and sign-out, and the form that records an entry.

Every POST reads its form (URL-encoded: the forms upload no files) and checks
its CSRF token before anything else; without it the answer is a 403 page. A
write goes through the composition root's write service (`TimelineDep`), as the
API's routes do, recorded as the signed-in token's name.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from datetime import date
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ReadModelsDep, TimelineDep
from api.tokens import TokenStore
from api.web.csrf import FIELD, PRESESSION_COOKIE, csrf_token, csrf_valid
from api.web.dates_field import FieldError, resolve_field
from api.web.facets import topics_in_use
from api.web.filters import read_form
from api.web.forms import (
    ACTOR_ROWS,
    COMMON,
    SOURCE_ROWS,
    TOPIC_ROWS,
    actor_inputs,
    entry_body,
    error_for,
    inputs,
    rows,
)
from api.web.forms_pickers import Lookup, actor_lookup, name_keys, resolve_actors, suggestions
from api.web.forms_pickers import router as pickers_router
from api.web.render import html_page
from api.web.session import (
    COOKIE,
    LIFETIME,
    Session,
    cookie_for,
    end_session,
    request_secret,
    session_of,
)
from api.web.sign_in_limit import SignInLimit
from domain import AlreadyRegistered, DomainError, SourceNotFound, ValidationError
from domain.actors import parse_actor
from domain.details import KINDS
from domain.values import search_key

__all__ = ["CSRF_REFUSED", "Posted", "refused_page", "router", "writer_or_refusal"]

router = APIRouter(include_in_schema=False)
router.include_router(pickers_router)

PRESESSION_LIFETIME = 3600
ACTOR_CHOICES = 1000  # actors offered in the datalist; more are typed by slug
NEW_ACTOR = "new_actor."  # the inline registration's fields: new_actor.name, new_actor.kind
ACTOR_KINDS = ("person", "organization")


async def _posted(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    # The last of repeated names wins; the forms name each input once.
    return dict(parse_qsl(body, keep_blank_values=True))


Posted = Annotated[dict[str, str], Depends(_posted)]


def refused_page(title: str, message: str, status: int = 403) -> Response:
    return html_page("error.html", status=status, title=title, message=message)


CSRF_REFUSED = (
    "Form not accepted",
    "This form came without its security token, or with a stale one. Go back, "
    "reload the page and send it again.",
)


def _safe_next(target: str | None) -> str:
    # Only paths of this site: never an address elsewhere, nor `//host`.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form: paste an API token made with `policy-timeline tokens create`."""
    presession = request.cookies.get(PRESESSION_COOKIE) or secrets.token_hex(16)
    response = html_page(
        "sign_in.html",
        next=_safe_next(next),
        token_field=csrf_token(request_secret(request), "pre:" + presession),
        error=None,
    )
    _set_cookie(request, response, PRESESSION_COOKIE, presession, PRESESSION_LIFETIME)
    return response


_LIMIT_LOCK = threading.Lock()


def _sign_in_limit(request: Request) -> SignInLimit:
    state = request.app.state
    with _LIMIT_LOCK:
        limit: SignInLimit | None = getattr(state, "sign_in_limit", None)
        if limit is None:
            limit = state.sign_in_limit = SignInLimit()
    return limit


@router.post("/sign-in")
def sign_in(request: Request, form: Posted) -> Response:
    """Exchange a token for a session cookie; the token itself is not kept. A client
    that keeps sending unknown tokens is answered 429 for a while (`SignInLimit`)."""
    limit = _sign_in_limit(request)
    client = request.client.host if request.client else ""
    wait = limit.retry_after(client)
    if wait is not None:
        response = refused_page(
            "Too many attempts",
            f"Several unknown tokens were sent from here in the last minute: "
            f"try again in {wait} seconds.",
            429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    secret = request_secret(request)
    presession = request.cookies.get(PRESESSION_COOKIE)
    if not csrf_valid(secret, None if not presession else "pre:" + presession, form.get(FIELD)):
        return refused_page(*CSRF_REFUSED)
    token = form.get("token", "").strip()
    tokens: TokenStore = request.app.state.tokens
    info = tokens.authenticate(token) if token else None
    next_page = _safe_next(form.get("next"))
    if info is None:
        limit.failed(client)
        return html_page(
            "sign_in.html",
            status=401,
            next=next_page,
            token_field=form.get(FIELD, ""),
            error="That token is unknown or revoked. Make one with "
            "`policy-timeline tokens create NAME --scopes read,write`.",
        )
    limit.succeeded(client)
    response = RedirectResponse(next_page, 303)
    _set_cookie(request, response, COOKIE, cookie_for(secret, info.name, token), LIFETIME)
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, form: Posted) -> Response:
    """End the browser's session (the token stays valid for the API)."""
    session = session_of(request)
    secret = request_secret(request)
    if session is not None and not csrf_valid(secret, session.session_id, form.get(FIELD)):
        return refused_page(*CSRF_REFUSED)
    if session is not None:
        end_session(request.app.state.tokens.db, session)
    response = RedirectResponse("/", 303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def writer_or_refusal(request: Request) -> Session | Response:
    """The signed-in session with scope write, or the page that says why not."""
    session = session_of(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/sign-in?" + urlencode({"next": target}), 303)
    if not session.may_write:
        return refused_page(
            "Token lacks scope write",
            f"You are signed in as {session.name}, whose token holds "
            f"{', '.join(session.scopes)}: recording needs a token with scope write.",
        )
    return session


def _form_page(
    read_models: ReadModelsDep,
    kind: str,
    values: Mapping[str, str],
    errors: dict[str, str],
    status: int = 200,
    date_error: FieldError | None = None,
    notice: str = "",
) -> Response:
    queries = read_models.queries
    actors = [orjson.loads(raw) for raw in queries.actors(None, limit=ACTOR_CHOICES)]
    sources = [orjson.loads(raw) for raw in queries.sources(None, limit=ACTOR_CHOICES)]
    return html_page(
        "entry_form.html",
        status=status,
        kind=kind,
        kind_label=KINDS[kind].label,
        date_error=date_error,
        details=inputs(kind, values),
        values=values,
        errors=errors,
        notice=notice,
        actor_rows=range(rows(values, "actors.", ACTOR_ROWS)),
        source_rows=range(rows(values, "sources.", SOURCE_ROWS)),
        topic_rows=range(rows(values, "topics.", TOPIC_ROWS)),
        actor_kinds=ACTOR_KINDS,
        actor_choices=[(a["id"], a.get("name", a["id"])) for a in actors],
        source_choices=[(s["id"], s.get("title", s["id"])) for s in sources],
        topic_choices=[topic for topic, _ in topics_in_use(queries, read_form({}))],
    )


def _kind(request: Request, posted: dict[str, str] | None = None) -> str | None:
    kind = (posted or {}).get("kind") or request.query_params.get("kind") or ""
    return kind if kind in KINDS else None


@router.get("/entries/new")
def new_entry_page(request: Request, read_models: ReadModelsDep) -> Response:
    """The form to record an entry of `?kind=` (a list of kinds without one)."""
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return writer
    kind = _kind(request)
    if kind is None:
        return html_page("entry_kinds.html", kinds_offered=list(KINDS.values()))
    return _form_page(read_models, kind, {}, {})


def _new_actor(form: Mapping[str, str]) -> tuple[str, str, str] | dict[str, str] | None:
    """The actor the form's "new actor" fields describe, as (id, name, kind) checked
    by the domain; the errors beside those fields when it is refused; None when blank.
    It is registered with the entry, in one write (`record_entry_with_actor`)."""
    name = form.get(NEW_ACTOR + "name", "").strip()
    kind = form.get(NEW_ACTOR + "kind", "").strip()
    if not name:
        return {NEW_ACTOR + "name": "a name is needed"} if kind else None
    try:
        fields = parse_actor({"name": name, "kind": kind})
    except ValidationError as error:
        return {NEW_ACTOR + error.field.split(".")[0]: error.message}
    return fields.slug, name, kind


def _with_new(lookup: Lookup, actor: tuple[str, str, str] | None) -> Lookup:
    """`lookup` that also finds the actor the form registers, by its name or id."""
    if actor is None:
        return lookup
    new = {"id": actor[0], "name": actor[1]}
    return lambda text: ([new] if search_key(text) in name_keys(new) else []) + lookup(text)


def _published(read_models: ReadModelsDep, source: str) -> str:
    """The publication day (YYYY-MM-DD) of registered source `source`, or ""."""
    if not source.strip():
        return ""
    try:
        found = orjson.loads(read_models.queries.source(source.strip()))
    except (SourceNotFound, ValueError):
        return ""
    published = str(found.get("published") or "")
    try:
        # A day only: a source published "2023-12" gives no reference day.
        return published if date.fromisoformat(published).isoformat() == published else ""
    except ValueError:
        return ""


def _actor_text(error: ValidationError, field: str, form: Mapping[str, str]) -> str:
    """The text of actor input `field` the error is about (one line of a one-a-line input)."""
    text = form.get(field, "")
    rest = error.field[len(field) + 1 :]
    if rest.isdigit():  # a line of a one-a-line input: details.participants.1
        lines = [line for line in text.splitlines() if line.strip()]
        text = lines[int(rest)] if int(rest) < len(lines) else ""
    return text


@router.post("/entries/new")
def record_entry(
    request: Request, form: Posted, read_models: ReadModelsDep, app: TimelineDep
) -> Response:
    """Record the entry the form describes; on a domain error, the form again with
    the domain's message beside the field and everything typed kept.

    Actor inputs take an id or a name (`resolve_actors`). The "new actor" fields
    register that actor with the entry, in one write: its name typed in an actor
    input means its id, and should the entry be refused, neither is recorded and
    the form comes back with everything typed, the new actor's fields too."""
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return writer
    if not csrf_valid(request_secret(request), writer.session_id, form.get(FIELD)):
        return refused_page(*CSRF_REFUSED)
    kind = _kind(request, form)
    if kind is None:
        return refused_page("Unknown kind", "Choose a kind of entry first.", 422)
    # The date field takes a phrase read against the report's date, as /dates does:
    # without JavaScript the server reads it here, the same way. Left empty, the
    # reference is the publication date of the first source cited, the report read.
    if not form.get("occurred_reference", "").strip():
        published = _published(read_models, form.get("sources.0.source", ""))
        form = dict(form, occurred_reference=published) if published else form
    occurred = resolve_field(form.get("occurred", ""), form.get("occurred_reference"))
    if isinstance(occurred, FieldError):
        return _form_page(
            read_models, kind, form, {"occurred": occurred.message}, 422, date_error=occurred
        )
    wait = request.app.state.settings.read_wait_seconds
    new_actor = _new_actor(form)
    if isinstance(new_actor, dict):
        return _form_page(read_models, kind, form, new_actor, 422)
    lookup = _with_new(actor_lookup(read_models.queries), new_actor)
    form = resolve_actors(form, actor_inputs(kind, form), lookup)
    fields = dict(form, occurred=occurred.edtf)
    if occurred.basis != "as written" and not fields.get("note", "").strip():
        fields["note"] = occurred.basis
    body = entry_body(kind, fields)
    try:
        if new_actor is None:
            result = app.record_entry(body, by=writer.name)
        else:
            actor = {"name": new_actor[1], "kind": new_actor[2]}
            _, result = app.record_entry_with_actor(actor, body, by=writer.name)
    except AlreadyRegistered as error:
        message = f"{error}: pick it in an actor field instead"
        return _form_page(read_models, kind, form, {NEW_ACTOR + "name": message}, 422)
    except ValidationError as error:
        names = [*COMMON, *form.keys()]
        field = error_for(error.field, names)
        message = error.message
        if field in actor_inputs(kind, form):
            message += suggestions(_actor_text(error, field, form), lookup)
        return _form_page(read_models, kind, form, {field: message}, 422)
    except DomainError as error:
        return _form_page(read_models, kind, form, {"": str(error)}, 409)
    # The entry page reads the views: let them reach the write first, as the API does.
    read_models.wait_for(result.position, wait, ledger=False)
    return RedirectResponse(f"/entries/{result.id}", 303)
