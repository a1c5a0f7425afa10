"""Liveness and the log head: is the store reachable, how far is the log, and
does the log's signer still sign it?"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import ReadModelsDep, TimelineDep
from api.responses import POSITION_HEADER

router = APIRouter(prefix="/health", tags=["health"])


class HealthOut(BaseModel):
    status: str
    """`ok`, or `refusing to sign` when the ledger is not consistent with what the
    log's key signed before (the log was rewritten): then the answer is a 503."""
    store: str
    position: int
    views: int
    signing: str
    """`on` (a key signs the checkpoints), `off` (no key), or `refused`."""
    problem: str | None = None
    """Why the signer refuses, when it does."""


@router.get("", responses={503: {"model": HealthOut, "description": "The signer refuses"}})
def health(app: TimelineDep, read_models: ReadModelsDep, response: Response) -> HealthOut:
    """The store's kind, the log position of its newest event, the views' position,
    and whether the checkpoints are signed."""
    store = read_models.db.dialect.name
    views = read_models.projector.position()
    response.headers[POSITION_HEADER] = str(views)  # as every answer says what it reflects
    status, signing, refusal = "ok", "off", None
    if read_models.checkpoints is not None:
        if read_models.in_process:
            views = read_models.reached()
        refusal = read_models.checkpoints.refusal()
        signing = "on" if refusal is None else "refused"
    if refusal is not None:
        status = "refusing to sign"
        response.status_code = 503
    return HealthOut(
        status=status,
        store=store,
        position=app.head_position(),
        views=views,
        signing=signing,
        problem=refusal,
    )
