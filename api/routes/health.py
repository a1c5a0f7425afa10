"""Liveness and the log head: is the store reachable, and how far is the log?"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import ReadModelsDep, TimelineDep
from api.responses import POSITION_HEADER

router = APIRouter(prefix="/health", tags=["health"])


class HealthOut(BaseModel):
    status: str
    store: str
    position: int
    views: int


@router.get("")
def health(app: TimelineDep, read_models: ReadModelsDep, response: Response) -> HealthOut:
    """The store's kind, the log position of its newest event, and the views' position."""
    store = "postgresql" if "POSTGRES_DBNAME" in app.env else "sqlite"
    views = read_models.projector.position()
    response.headers[POSITION_HEADER] = str(views)  # as every answer says what it reflects
    return HealthOut(status="ok", store=store, position=app.head_position(), views=views)
