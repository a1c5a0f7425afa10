"""Read your writes: a read can ask to reflect at least a given log position.

Every write answers with the position it stored (`Log-Position`); passing it
back as `min_position` (or the `Min-Log-Position` header) makes a read wait,
for a bounded time, until the views have applied it. On SQLite the waiting
reader applies the new events itself; on PostgreSQL the `project` followers do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.deps import ReadModelsDep, TimelineDep
from domain import TimelineApp, ValidationError
from projections import ReadModels

__all__ = ["Consistent", "reach"]


def reach(request: Request, read_models: ReadModelsDep, position: int) -> None:
    """Wait until the views reflect `position`; 503 with Retry-After when they lag too long."""
    timeout: float = request.app.state.settings.read_wait_seconds
    try:
        read_models.wait_for(position, timeout)
    except TimeoutError:
        raise HTTPException(
            503,
            detail=f"the views have not reached log position {position} within {timeout:g} s; "
            "try again shortly",
            headers={"Retry-After": "1"},
        ) from None


async def _wait_for_min_position(
    request: Request,
    app: TimelineDep,
    read_models: ReadModelsDep,
    min_position: Annotated[
        int | None,
        Query(ge=0, description="Answer only once the views reflect this log position"),
    ] = None,
    min_log_position: Annotated[
        int | None,
        Header(ge=0, description="As `min_position`, as a header"),
    ] = None,
) -> None:
    wanted = max(min_position or 0, min_log_position or 0)
    # `async def` so that a read asking for no position costs no thread-pool
    # hop; the waiting itself is blocking, and goes to the pool.
    if wanted == 0:
        return
    await run_in_threadpool(_reach_known, request, app, read_models, wanted, min_position)


def _reach_known(
    request: Request,
    app: TimelineApp,
    read_models: ReadModels,
    wanted: int,
    min_position: int | None,
) -> None:
    head = app.head_position()
    if wanted > head:
        field = "min_position" if (min_position or 0) >= wanted else "Min-Log-Position"
        raise ValidationError(
            field, f"expected a position the log has reached: it holds {head} events"
        )
    reach(request, read_models, wanted)


Consistent = Depends(_wait_for_min_position)
