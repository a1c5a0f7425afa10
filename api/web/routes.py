"""The web pages: the timeline at `/`, actors, entries, and their static files.

Pages read the read models directly, as the API's routes do, in plain `def`
routes (the thread pool) since they query the store. They follow the API's
read rule: while the server protects reads, a page needs the same token with
scope `read` (`Authorization: Bearer`, as from a proxy in front); a browser
without one gets a 401 page saying so, and no data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from api.auth import bearer, require_reader
from api.consistency import beyond_log
from api.deps import ReadModelsDep, TimelineDep
from api.schemas import TimelineQuery
from api.web.activity import activity_chart
from api.web.changes import changes_between
from api.web.dates import display_moment
from api.web.facets import facet_lists, topics_in_use
from api.web.filters import EXPORT_FORMATS, LABELS, TimelineForm, read_form
from api.web.forms_actors import router as actor_forms_router
from api.web.forms_entries import router as entry_forms_router
from api.web.forms_routes import router as forms_router
from api.web.names import Names
from api.web.network import co_actor_network
from api.web.present import (
    actor_slugs,
    detail_rows,
    entry_card,
    incoming_rows,
    link_rows,
    link_targets,
    month_groups,
    role_period,
    source_slugs,
    version_rows,
)
from api.web.render import html_page, static_file
from api.web.roles_axis import roles_axis
from api.web.session import current_viewer, viewer_context
from api.web.visual import LANES, VISUAL_CAP, lane_key, visual_data, visual_headers
from domain import ActorNotFound, EntryNotFound, TimelineApp, ValidationError
from projections import Page, Queries, ReadModels, Tally, TimelineFilters, ViewsBehind
from projections.facets import Matching, matching

__all__ = ["router"]

R = TypeVar("R")

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer_context)])
# First, so that `/entries/new` is the form, not an entry with the id "new".
router.include_router(forms_router)
router.include_router(actor_forms_router)
router.include_router(entry_forms_router)

ACTOR_PAGE = 50
# The longest `as_of` the API reads (api.deps.AsOfQuery, api.schemas.TimelineQuery).
AS_OF_LENGTH = 64
# How much of an unknown id a 404 page repeats.
SHOWN_ID = 80
# HEAD too: link checkers and `curl -I` ask it of a page; the server sends no body.
PAGE_METHODS = ["GET", "HEAD"]


async def _refusal(request: Request) -> HTTPException | None:
    """None when the reader may read; else why not (401 or 403), for the page to say."""
    try:
        await require_reader(request, await bearer(request))
    except HTTPException as refused:
        # A browser signed in with a token holding `read` reads as that token would.
        session = current_viewer()
        if refused.status_code == 401 and session is not None and "read" in session.scopes:
            return None
        return refused
    return None


Refusal = Annotated[HTTPException | None, Depends(_refusal)]


@router.api_route("/static/{name}", methods=PAGE_METHODS)
def static(name: str) -> Response:
    """The pages' stylesheet and script; no data, so open whatever the read rule."""
    found = static_file(name)
    if found is None:
        return _not_found("file", name)
    return found


@router.api_route("/static/vendor/vis-timeline/{name}", methods=PAGE_METHODS)
def vis_timeline(name: str) -> Response:
    """vis-timeline's script and stylesheet, vendored, for `/visual`."""
    return static(f"vendor/vis-timeline/{name}")


@router.api_route("/", methods=PAGE_METHODS)
def timeline_page(
    request: Request, refused: Refusal, read_models: ReadModelsDep, app: TimelineDep
) -> Response:
    """The timeline, filtered by the query string, grouped by month."""
    if refused is not None:
        return _refused_page(refused, request)
    params = request.query_params
    if any(not value.strip() for value in params.values()):
        # An empty form field means "not used": leave it out of the URL people share.
        kept = urlencode([(k, v) for k, v in params.multi_items() if v.strip()])
        return RedirectResponse("/" + (f"?{kept}" if kept else ""), 303)
    form = read_form(params)
    queries = read_models.queries
    now = _views_position(read_models)
    names = _names(request)
    directory = names.directory(queries, now)
    page = _timeline(read_models, app, form, directory.names, directory.complete)
    if isinstance(page, Response):
        return page
    entries = [orjson.loads(raw) for raw in page.items] if page is not None else []
    as_of = page.as_of if page is not None and form.values.get("as_of") else None
    at = as_of.position if as_of is not None else now  # whose names the page shows
    cards = _cards(request, read_models, app, entries, now, at=at)
    # The chart and the facets count every entry the filters keep, in the store.
    counted = _tally(read_models, app, form, directory.names, directory.complete, topics=True)
    tally = counted if isinstance(counted, Tally) else None
    facet_names = (
        names.actor_names_at(read_models, now, at, tally.actors) if tally is not None else {}
    )
    return html_page(
        "timeline.html",
        status=422 if form.errors else 200,
        position=page.as_of.position if page is not None else now,
        form=form,
        labels=LABELS,
        actors=directory.choices() if directory.complete else None,
        groups=month_groups(cards, descending=form.values.get("order") == "desc"),
        count=len(cards),
        as_of=as_of,
        as_of_moment=display_moment(as_of.recorded_at) if as_of is not None else None,
        as_of_latest=as_of is not None and as_of.position >= now,
        next_url=form.url(cursor=page.next_cursor) if page and page.next_cursor else None,
        first_url=form.url() if "cursor" in form.values else None,
        # A refused filter would only be refused again by the export: no links then.
        exports=[] if form.errors else [(lab, form.export_url(f)) for f, lab in EXPORT_FORMATS],
        topic_url=lambda topic: form.url(topic=topic),
        activity=activity_chart(tally),
        facets=facet_lists(queries, form, tally, facet_names),
        topics=topics_in_use(queries, form, tally),
        visual_url=_visual_url(form, LANES[0], order=None, limit=None),
    )


@router.api_route("/visual", methods=PAGE_METHODS)
def visual_page(
    request: Request, refused: Refusal, read_models: ReadModelsDep, app: TimelineDep
) -> Response:
    """The timeline drawn: lanes by kind, topic or actor, entries as bars over their
    dates, zoomable and pannable; the same filters and `as_of` as the list."""
    if refused is not None:
        return _refused_page(refused, request)
    params = request.query_params
    # One drawing holds every entry the filters keep: the list's paging plays no part.
    form = read_form({k: v for k, v in params.items() if k not in ("limit", "cursor")})
    lanes = (params.get("lanes") or LANES[0]).strip()
    if lanes not in LANES:
        form.refuse("lanes", f"{lanes[:SHOWN_ID]!r}: expected one of: {', '.join(LANES)}")
    queries = read_models.queries
    now = _views_position(read_models)
    names = _names(request)
    directory = names.directory(queries, now)
    found = _matching(read_models, app, form, directory.names, directory.complete, VISUAL_CAP)
    if isinstance(found, Response):
        return found
    entries = found.entries if found is not None else []
    shown = {lane_key(entry, "actor") for entry in entries} if lanes == "actor" else set()
    as_of = found.as_of if found is not None and form.values.get("as_of") else None
    at = as_of.position if as_of is not None else now
    data, groups = visual_data(
        entries, lanes, names.actor_names_at(read_models, now, at, shown - {""}) if shown else {}
    )
    # The chart and the count say every entry the filters keep, drawn or not.
    counted = _tally(read_models, app, form, directory.names, directory.complete)
    tally = counted if isinstance(counted, Tally) else None
    return html_page(
        "visual.html",
        status=422 if form.errors else 200,
        headers=visual_headers(),
        position=found.as_of.position if found is not None else now,
        form=form,
        labels={**LABELS, "lanes": "Lanes"},
        lanes=lanes,
        lane_choices=LANES,
        groups=groups,
        data=data,
        count=tally.total if tally is not None else len(entries),
        truncated=found is not None and found.truncated,
        cap=VISUAL_CAP,
        actors=directory.choices() if directory.complete else None,
        as_of=as_of,
        as_of_moment=display_moment(as_of.recorded_at) if as_of is not None else None,
        list_url=form.url(),
        activity=activity_chart(tally),
        visual_url=lambda **changes: _visual_url(form, lanes, **changes),
    )


@router.api_route("/changes", methods=PAGE_METHODS)
def changes_page(
    request: Request, refused: Refusal, read_models: ReadModelsDep, app: TimelineDep
) -> Response:
    """Entries recorded, corrected (old and new values), retracted and linked after one
    moment (`from`, a position or an ISO time) up to another (`to`, or now)."""
    if refused is not None:
        return _refused_page(refused, request)
    params = request.query_params
    values = {
        name: params[name].strip() for name in ("from", "to") if params.get(name, "").strip()
    }
    queries = read_models.queries
    now = _views_position(read_models)
    error = None
    try:
        start = _position_of(queries, values["from"]) if "from" in values else 0
        end = _position_of(queries, values["to"]) if "to" in values else now
    except ValidationError as refused_value:
        error = f"{refused_value.message} (From and To)"
    if error is None and start > end:
        error = f"From ({start}) is after To ({end}): give the earlier moment first"
    if error is not None:
        return html_page("changes.html", status=422, position=now, values=values, error=error)
    directory = _names(request).directory(queries, now)
    found = changes_between(queries, start, end, directory.names, {}, {})
    return html_page("changes.html", position=end, values=values, error=None, changes=found)


def _visual_url(form: TimelineForm, lanes: str, **changes: str | None) -> str:
    """The drawing of this view with `changes`, in the same lanes."""
    query = form.url(**changes).removeprefix("/").removeprefix("?")
    kept = "&".join(
        filter(None, [query, urlencode({"lanes": lanes}) if lanes != LANES[0] else ""])
    )
    return "/visual" + (f"?{kept}" if kept else "")


def _matching(
    read_models: ReadModels,
    app: TimelineApp,
    form: TimelineForm,
    known: dict[str, str],
    complete: bool,
    cap: int,
) -> Matching | Response | None:
    """Every entry the form's filters keep (up to `cap`), as `_timeline` reads a page."""
    return _read(
        app,
        form,
        known,
        complete,
        lambda filters, query: matching(read_models.queries, filters, as_of=query.as_of, cap=cap),
    )


def _tally(
    read_models: ReadModels,
    app: TimelineApp,
    form: TimelineForm,
    known: dict[str, str],
    complete: bool,
    *,
    topics: bool = False,
) -> Tally | Response | None:
    """The counts of every entry the form's filters keep (`topics`: by topic too), as
    `_timeline` reads a page."""
    return _read(
        app,
        form,
        known,
        complete,
        lambda filters, query: read_models.queries.tally(
            filters, as_of=query.as_of, topics=topics
        ),
    )


def _behind_page(behind: ViewsBehind, app: TimelineApp, form: TimelineForm) -> Response | None:
    if behind.position > (head := app.head_position()):
        form.refuse("cursor", beyond_log(head))
        return None
    return html_page(
        "error.html",
        status=503,
        headers={"Retry-After": "1"},
        title="Not ready yet",
        message=str(behind),
    )


def _timeline(
    read_models: ReadModels,
    app: TimelineApp,
    form: TimelineForm,
    known: dict[str, str],
    complete: bool,
) -> Page | Response | None:
    """The page of entries the form asks for; None when a value is refused (the form
    then holds why), a 503 page when a cursor is ahead of these views but not of the log."""
    return _read(
        app,
        form,
        known,
        complete,
        lambda filters, query: read_models.queries.timeline(
            filters, as_of=query.as_of, limit=query.limit, cursor=query.cursor
        ),
    )


def _read(
    app: TimelineApp,
    form: TimelineForm,
    known: dict[str, str],
    complete: bool,
    read: Callable[[TimelineFilters, TimelineQuery], R],
) -> R | Response | None:
    """`read` of the form's filters and query, or None when a value is refused (the
    form then holds why), or a 503 page when the views are behind the asked position."""
    actor = form.values.get("actor")
    if actor and complete and actor not in known and "actor" not in form.errors:
        form.refuse("actor", f"{actor!r}: no actor has this id; choose one from the list")
    filters = form.filters()
    query = form.query
    if filters is None or query is None:
        return None
    try:
        return read(filters, query)
    except ValidationError as error:
        form.refuse(error.field if error.field in LABELS else "q", error.message)
    except ViewsBehind as behind:
        return _behind_page(behind, app, form)
    return None


@router.api_route("/actors/{actor_id}", methods=PAGE_METHODS)
def actor_page(
    actor_id: str,
    request: Request,
    refused: Refusal,
    read_models: ReadModelsDep,
    app: TimelineDep,
) -> Response:
    """An actor: names and aliases, roles over time, entries in order, frequent co-actors."""
    if refused is not None:
        return _refused_page(refused, request)
    queries = read_models.queries
    now = _views_position(read_models)
    try:
        actor = queries.actor(actor_id)
    except ActorNotFound:
        return _not_found("actor", actor_id)
    order = request.query_params.get("order") or "asc"
    cursor = request.query_params.get("cursor") or None
    page, error = _actor_history(queries, actor_id, order, cursor)
    entries = [orjson.loads(raw) for raw in page.items] if page is not None else []
    others = [pair["actor"] for pair in actor["co_actors"]]
    names = _names(request).actor_names(
        queries, now, {*actor_slugs(entries), *others, *filter(None, [actor["merged_into"]])}
    )
    cards = _cards(request, read_models, app, entries, now, names=names)
    roles = [
        {**role, "period": role_period(role)}
        for role in sorted(actor["roles"], key=lambda role: role.get("start") or "")
    ]
    co_actors = [
        {"id": pair["actor"], "name": names.get(pair["actor"], pair["actor"]), **pair}
        for pair in actor["co_actors"]
    ]
    # The chart counts all the actor's entries, as the timeline filtered by the actor does.
    counted = _tally(read_models, app, read_form({"actor": actor_id}), {}, False)
    base = f"/actors/{actor_id}"
    kept = {"order": order} if order != "asc" else {}
    more = None
    if page is not None and page.next_cursor:
        more = f"{base}?{urlencode({**kept, 'cursor': page.next_cursor})}"
    return html_page(
        "actor.html",
        status=422 if error else 200,
        position=page.as_of.position if page is not None else now,
        actor=actor,
        roles=roles,
        axis=roles_axis(roles, datetime.now(UTC).date()),
        activity=activity_chart(counted if isinstance(counted, Tally) else None),
        co_actors=co_actors,
        network=co_actor_network(actor["name"], co_actors),
        merged_into=_named(actor["merged_into"], names),
        groups=month_groups(cards, descending=order == "desc"),
        order=order,
        error=error,
        topic_url=lambda topic: "/?" + urlencode({"topic": topic}),
        next_url=more,
        first_url=f"{base}?{urlencode(kept)}".rstrip("?") if cursor else None,
    )


def _actor_history(
    queries: Queries, actor_id: str, order: str, cursor: str | None
) -> tuple[Page | None, str | None]:
    """A page of the actor's entries, or None and why not (a bad order or cursor)."""
    try:
        page = queries.actor_history(actor_id, order=order, limit=ACTOR_PAGE, cursor=cursor)
    except ValidationError as refused:
        return None, f"{LABELS.get(refused.field, refused.field)}: {refused.message}"
    except ViewsBehind as behind:
        return None, str(behind)
    return page, None


@router.api_route("/entries/{entry_id}", methods=PAGE_METHODS)
def entry_page(
    entry_id: str,
    request: Request,
    refused: Refusal,
    read_models: ReadModelsDep,
    app: TimelineDep,
) -> Response:
    """An entry now (or `?as_of=` then), every version with who, when and why, and
    links to the timeline as of each version."""
    if refused is not None:
        return _refused_page(refused, request)
    try:
        ident = str(UUID(entry_id))
    except ValueError:
        return _not_found("entry", entry_id)
    queries = read_models.queries
    try:
        history = [orjson.loads(raw) for raw in queries.entry_history(ident)]
    except EntryNotFound:
        return _not_found("entry", entry_id)
    now = _views_position(read_models)
    asked = (request.query_params.get("as_of") or "").strip() or None
    position, error = now, None
    if asked is not None:
        try:
            position = _position_of(queries, asked)
        except ValidationError as refused_value:
            error, asked = f"View as of: {refused_value.message}", None
    try:
        entry: dict[str, Any] | None = orjson.loads(queries.entry(ident, as_of=position))
    except EntryNotFound:
        entry = None  # asked as of a moment before it was recorded
    # The history's changes hold actors and citations too: name them all at once.
    shown = [entry] if entry is not None else []
    shown += [item["changes"] for item in history]
    names = _names(request)
    actor_names = names.actor_names_at(read_models, now, position, actor_slugs(shown))
    sources = names.sources(app, source_slugs(shown))
    linking = {link["entry"] for link in (entry or {}).get("incoming_links") or ()}
    titles = _titles(read_models, link_targets(shown) | linking, position)
    return html_page(
        "entry.html",
        status=422 if error else 200,
        position=position,
        ident=ident,
        entry=entry_card(entry, actor_names, sources) if entry is not None else None,
        details=detail_rows(entry["details"], actor_names) if entry is not None else [],
        links=link_rows(entry["links"], titles) if entry is not None else [],
        incoming=incoming_rows(entry, titles) if entry is not None else [],
        versions=version_rows(history, actor_names, sources, titles),
        as_of=asked,
        as_of_moment=_version_moment(history, position) if asked else None,
        error=error,
    )


def _position_of(queries: Queries, as_of: str) -> int:
    """The log position `as_of` names, never past the views; ValidationError when it
    names none. Bounded as the API's `as_of` is: a number of thousands of digits is
    no position, and int() would refuse to read it."""
    if len(as_of) > AS_OF_LENGTH:
        raise ValidationError(
            "as_of",
            f"expected a log position or an ISO 8601 time, at most {AS_OF_LENGTH} characters",
        )
    return queries.position(as_of)


def _titles(read_models: ReadModels, ids: set[str], position: int) -> dict[str, str]:
    """The titles of linked entries as of `position`; one not recorded then keeps its id."""
    titles = {}
    for ident in ids:
        try:
            titles[ident] = str(
                orjson.loads(read_models.queries.entry(ident, as_of=position))["title"]
            )
        except EntryNotFound:
            titles[ident] = ident
    return titles


def _version_moment(history: list[dict[str, Any]], position: int) -> str | None:
    """When the entry's version at `position` was recorded, in words; None before
    its first version."""
    moments = [item["recorded_at"] for item in history if item["position"] <= position]
    return display_moment(moments[-1]) if moments else None


def _cards(
    request: Request,
    read_models: ReadModels,
    app: TimelineApp,
    entries: list[dict[str, Any]],
    now: int,
    names: dict[str, str] | None = None,
    *,
    at: int | None = None,
) -> list[dict[str, Any]]:
    """The entries' cards, their actors named as at `at` (now by default)."""
    helper = _names(request)
    if names is None:
        slugs = actor_slugs(entries)
        names = helper.actor_names_at(read_models, now, now if at is None else at, slugs)
    sources = helper.sources(app, source_slugs(entries))
    return [entry_card(entry, names, sources) for entry in entries]


def _names(request: Request) -> Names:
    names: Names | None = getattr(request.app.state, "web_names", None)
    if names is None:
        # Two first requests may each make one; the second simply replaces the first.
        names = request.app.state.web_names = Names()
    return names


def _views_position(read_models: ReadModels) -> int:
    """The views' position now, as their tracking table says. Not `read_models.head`:
    that is this process's last sight of it, behind while another process writes."""
    return read_models.queries.position()


def _named(slug: str | None, names: dict[str, str]) -> dict[str, str] | None:
    return None if slug is None else {"id": slug, "name": names.get(slug, slug)}


def _not_found(what: str, ident: str) -> Response:
    shown = ident if len(ident) <= SHOWN_ID else ident[:SHOWN_ID] + "…"
    where = "in this record" if what != "file" else "among the pages' files"
    return html_page(
        "error.html",
        status=404,
        title=f"No such {what}",
        message=f"There is no {what} {shown!r} {where}.",
    )


def _refused_page(refused: HTTPException, request: Request) -> Response:
    if refused.status_code != 401:
        title = "Token lacks scope read"
    elif request.headers.get("authorization"):
        title = "Token not accepted"
    else:
        title = "Reads need a token"
    return html_page(
        "refused.html",
        status=refused.status_code,
        headers=refused.headers,
        title=title,
        detail=str(refused.detail),
    )


@router.api_route("/dates", methods=PAGE_METHODS)
def dates_page(request: Request) -> Response:
    """The date helper: a phrase and a reference date, read as the API's
    `/dates/resolve` reads them. The page reads nothing from the store, so it is
    open even while reads are protected; without JavaScript its GET form is
    resolved here, with it `static/dates.js` asks the API as the person types."""
    # Imported here so that this route stays one self-contained block.
    from api.web.dates_field import FieldError, resolve_field, spelled_bounds

    params = request.query_params
    phrase = params.get("phrase", "")[:200]
    reference = params.get("phrase_reference", params.get("reference", ""))[:10]
    note = params.get("note", "")[:2000]
    error: FieldError | None = None
    resolved: dict[str, str] | None = None
    if phrase.strip():
        found = resolve_field(phrase, reference)
        if isinstance(found, FieldError):
            error = found
        else:
            resolved = {**found.to_json(), "bounds": spelled_bounds(found)}
    return html_page(
        "dates.html",
        status=422 if error else 200,
        phrase=phrase,
        reference=reference,
        note=note,
        error=error,
        resolved=resolved,
    )
