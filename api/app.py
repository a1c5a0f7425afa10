"""The FastAPI app factory: the one place the web side is composed.

The system behind it (write service, read models, signer) is built by the
composition root, `projections.bootstrap`, from the settings, when the app starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from starlette.types import Receive, Scope, Send

from api.caching import CacheRules, Caching
from api.controls import (
    ControlCharacter,
    refuse_control_characters,
    refused_control_character,
)
from api.cors import ReadsAcrossOrigins, parse_origins
from api.document import parameters_as_sent
from api.embedding import Embedding, frame_ancestors
from api.json_bodies import RefuseDuplicateKeys
from api.limits import BodyLimit
from api.problems import PROBLEMS, install_problem_handlers
from api.routes import (
    actors,
    audit,
    dates,
    entries,
    exports,
    health,
    log,
    sources,
    stream,
    timeline,
    topics,
    trust,
)
from api.routes.timeline import TimelineShortcut
from api.schemas import ActorIn, EntryIn
from api.settings import Settings
from api.tokens import TokenStore
from api.web import router as web_pages
from api.web.docs import router as docs_page
from api.write_lane import Lane, WriteLane
from projections.bootstrap import bootstrap

__all__ = ["create_app"]

API_PREFIX = "/api/v1"
DESCRIPTION = """\
Source-cited events about public policy, as an event log with timelines over it.

* Writes need `Authorization: Bearer TOKEN` with scope `write`; reads are open
  unless the server protects them (scope `read`).
* Every answer carries `Log-Position`, the log position it reflects; pass it back
  as `min_position` (or `Min-Log-Position`) to read your own writes.
* Every POST takes `Idempotency-Key`: a retry answers as the first time.
* Errors are `application/problem+json` (RFC 9457); validation errors list
  `errors: [{{loc, msg}}]`.
* Request bodies are limited to {limit} bytes (413 above).
"""


class _Api(FastAPI):
    """The app, answering the timeline's plainest pages before its middlewares.

    A page of the timeline is the request most sent, and each of a dozen
    middleware layers (FastAPI's own and this app's) costs it an `await` and
    some checks, which added up to more than its query. Such a page asks no
    middleware for anything (`TimelineShortcut.before_middlewares` says which
    do), and its cache headers are taken from the same rules `Caching` uses.
    """

    timeline_path = ""
    cache_rules: CacheRules | None = None
    # Traced (OpenTelemetry set up as the app starts), every request goes the whole
    # way, so that FastAPI reports it; asked once, not of the environment per request.
    traced = True

    def trace_or_not(self) -> None:
        """Ask whether FastAPI traces requests, as the app starts."""
        self.traced = self._native_telemetry.enabled()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == self.timeline_path
            and scope["method"] == "GET"
            and self.cache_rules is not None
            and not self.traced
        ):
            scope["app"] = self  # as Starlette sets it, for the state
            if await TimelineShortcut.before_middlewares(scope, send, self.cache_rules):
                return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, catch_up_at_start: bool = True, follow_views: bool = True
) -> FastAPI:
    """Build the app; the store is opened when it starts, not at import.

    On SQLite the views catch up with the log as the app starts, before it
    answers; with `catch_up_at_start=False` (`policy-timeline serve`) they catch
    up in the background instead, and meanwhile the app answers: health with
    the views' lag, reads as of the views' position, a read asking for more
    with 503 and Retry-After after the read wait, writes once their own
    position is reached. With `follow_views=False` (a worker of `serve --workers`)
    this process applies no events even on SQLite: another one does, and reads and
    writes wait for it as they wait for PostgreSQL's followers.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with bootstrap(settings.system_config()) as system:
            app.state.timeline = system.app
            # On SQLite the views catch up here, on start (or in the follower's
            # thread, below, without `catch_up_at_start`), and after each write.
            app.state.read_models = read_models = system.read_models(
                in_process=None if follow_views else False, catch_up_now=catch_up_at_start
            )
            # Writes from other processes, e.g. an import while the server runs.
            read_models.follow_in_background()
            app.state.tokens = TokenStore(system.db)
            if isinstance(app, _Api):
                app.trace_or_not()
            yield

    app = _Api(
        title="policy-timeline",
        version="0.1.0",
        description=DESCRIPTION.format(limit=settings.max_body_bytes),
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN when a
        # browser opens them: a run-time download, so they are off; api.web.docs
        # serves /docs from the package instead.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_exception_handler(ControlCharacter, refused_control_character)
    # The last added runs first: BodyLimit, then the cross-origin allowance (a
    # preflight needs nothing further), the cache headers (which see /embed/...
    # as asked), the embeds, and the duplicate-key check, which never holds more.
    # Innermost: the timeline's plain pages are answered here, inside every other
    # middleware (cache headers, cross-origin reads) and before FastAPI's routing.
    app.timeline_path = f"{API_PREFIX}/timeline"
    app.add_middleware(TimelineShortcut, path=app.timeline_path)
    app.add_middleware(RefuseDuplicateKeys)
    app.add_middleware(Embedding, ancestors=frame_ancestors(parse_origins(settings.embed_origins)))
    app.cache_rules = rules = CacheRules(
        views_position=_views_position, store=_store_identity, private=settings.protect_reads
    )
    app.add_middleware(Caching, rules=rules)
    app.add_middleware(
        ReadsAcrossOrigins,
        origins=parse_origins(settings.cors_origins),
        prefix=API_PREFIX + "/",
        closed=(f"{API_PREFIX}/audit", f"{API_PREFIX}/log"),
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    # Outermost: the writes sent most skip the rest when they are the plain case.
    app.add_middleware(
        WriteLane,
        lanes={
            f"{API_PREFIX}/entries": Lane(EntryIn, entries.recorded),
            f"{API_PREFIX}/actors": Lane(ActorIn, actors.registered),
        },
        limit=settings.max_body_bytes,
    )
    # The timeline first: routes are matched in order, and it is the page most asked for.
    for module in (timeline, health, actors, sources, entries, topics, stream, log, audit, trust):
        app.include_router(module.router, prefix=API_PREFIX, responses=PROBLEMS)
    app.include_router(exports.router, prefix=API_PREFIX, responses=PROBLEMS)
    app.include_router(dates.router, prefix=API_PREFIX, responses=PROBLEMS)
    app.include_router(web_pages)  # the HTML pages at /, outside the API and its document
    app.include_router(docs_page)
    _document_reads(app, open_reads=not settings.protect_reads)
    return app


def _views_position(scope: Scope) -> int:
    """The position the views have reached, for the cache headers."""
    position: int = scope["app"].state.read_models.queries.position()
    return position


def _store_identity(scope: Scope) -> str:
    """The store's identity, for the cache headers: its log's first event."""
    identity: str = scope["app"].state.timeline.log_identity()
    return identity


def _document_reads(app: FastAPI, *, open_reads: bool) -> None:
    """Say in the OpenAPI document that reads take a token but, while reads are
    open, need none.

    The read routes (marked `x-read`) declare the bearer scheme, since a
    server with protected reads requires it; while reads are open, `{}` among
    their requirements says that no token is needed either.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            parameters_as_sent(schema)
            for operations in schema["paths"].values():
                for operation in operations.values():
                    if operation.pop("x-read", False) and open_reads:
                        operation["security"] = [*operation.get("security", []), {}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
