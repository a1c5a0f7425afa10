"""Liveness and the log head: is the store reachable, how far is the log, are the
views keeping up with it, and does the log's signer still sign it?"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from api.deps import ReadModelsDep, TimelineDep
from api.responses import POSITION_HEADER

router = APIRouter(prefix="/health", tags=["health"])


class ViewLagOut(BaseModel):
    view: str
    position: int
    """The log position the view reflects."""
    behind: int
    """Events in the log the view has not applied yet."""
    seconds: float
    """How long ago the oldest of those events was recorded; 0 when none is."""


class HealthOut(BaseModel):
    status: str
    """`ok`; `views behind` when a view lags the log by more than
    TIMELINE_HEALTH_MAX_LAG events or TIMELINE_HEALTH_MAX_LAG_SECONDS seconds (its
    follower is down or cannot keep up, or, on SQLite, the server still catches
    them up since it started); `refusing to sign` when the ledger is not
    consistent with what the log's key signed before (the log was rewritten).
    Anything but `ok` is a 503."""
    store: str
    position: int
    views: int
    """The position every view has reached: the least of `lag`'s positions."""
    lag: list[ViewLagOut]
    """Each view's position and how far it is behind the log."""
    signing: str
    """`on` (a key signs the checkpoints), `off` (no key), or `refused`."""
    problem: str | None = None
    """What is wrong, when the status is not `ok`."""


@router.get(
    "",
    responses={
        503: {"model": HealthOut, "description": "A view lags too far, or the signer refuses"}
    },
)
def health(
    request: Request, app: TimelineDep, read_models: ReadModelsDep, response: Response
) -> HealthOut:
    """The store's kind, the log position of its newest event, each view's position
    and lag, and whether the checkpoints are signed."""
    settings = request.app.state.settings
    store = read_models.db.dialect.name
    lag = read_models.lag()
    views = min(view.position for view in lag)
    response.headers[POSITION_HEADER] = str(views)  # as every answer says what it reflects
    status, signing, problem = "ok", "off", None
    if read_models.checkpoints is not None:
        problem = read_models.checkpoints.check()
        signing = "on" if problem is None else "refused"
        if problem is not None:
            status = "refusing to sign"
    lagging = [
        view
        for view in lag
        if view.behind > settings.health_max_lag or view.seconds > settings.health_max_lag_seconds
    ]
    if lagging and problem is None:
        status = "views behind"
        # A server on SQLite answers while its views catch up on start: say so,
        # rather than suggest a follower that this store does not use.
        cause = (
            "the server is catching them up since it started"
            if read_models.catching_up
            else "is its follower (`policy-timeline project`) running?"
        )
        problem = "; ".join(
            f"the {view.view} view is {view.behind} events ({view.seconds:.0f} s) behind "
            f"the log: {cause}"
            for view in lagging
        )
    if status != "ok":
        response.status_code = 503
    return HealthOut(
        status=status,
        store=store,
        position=app.head_position(),
        views=views,
        lag=[ViewLagOut(**vars(view)) for view in lag],
        signing=signing,
        problem=problem,
    )
