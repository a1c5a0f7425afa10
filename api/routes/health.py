"""Liveness and the log head: is the store reachable, and how far is the log?"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ReadModelsDep, TimelineDep

router = APIRouter(prefix="/health", tags=["health"])


class HealthOut(BaseModel):
    status: str
    store: str
    position: int
    views: int


@router.get("")
def health(app: TimelineDep, read_models: ReadModelsDep) -> HealthOut:
    """The store's kind, the log position of its newest event, and the views' position."""
    store = "postgresql" if "POSTGRES_DBNAME" in app.env else "sqlite"
    return HealthOut(
        status="ok",
        store=store,
        position=app.head_position(),
        views=read_models.projector.position(),
    )
