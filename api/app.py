"""The FastAPI app factory: the one place the web side is composed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.problems import install_problem_handlers
from api.routes import health
from api.settings import Settings
from domain import TimelineApp, store_env
from projections import ReadModels

__all__ = ["create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the store is opened when it starts, not at import."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        env = store_env(settings.db)
        app.state.timeline = timeline = TimelineApp(env)
        # On SQLite the views catch up here, on start, and after each write.
        app.state.read_models = read_models = ReadModels(timeline, env)
        try:
            yield
        finally:
            read_models.close()
            timeline.close()

    app = FastAPI(
        title="policy-timeline",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(health.router, prefix=API_PREFIX)
    return app
