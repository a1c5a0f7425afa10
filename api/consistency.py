"""Read your writes: a read can ask to reflect at least a given log position.

Every write answers with the position it stored (`Log-Position`); passing it
back as `min_position` (or the `Min-Log-Position` header) makes a read wait,
for a bounded time, until the views have applied it. On SQLite the waiting
reader applies the new events itself; on PostgreSQL the `project` followers do.
"""

from __future__ import annotations

import time

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from domain import TimelineApp, ValidationError
from projections import ReadModels

__all__ = ["beyond_log", "reach", "reach_asked"]

POLL_SECONDS = 0.02


def reach(request: Request, read_models: ReadModels, position: int) -> None:
    """Wait until the views reflect `position`; 503 with Retry-After when they lag too long."""
    timeout: float = request.app.state.settings.read_wait_seconds
    try:
        read_models.wait_for(position, timeout)
    except TimeoutError:
        raise _lagging(position, timeout) from None


def _lagging(position: int, timeout: float) -> HTTPException:
    return HTTPException(
        503,
        detail=f"the views have not reached log position {position} within {timeout:g} s; "
        "try again shortly",
        headers={"Retry-After": "1"},
    )


def beyond_log(head: int) -> str:
    """Why a position past the log's head is refused: no wait would reach it, since
    it comes from another store (or was made up), not from this log's future."""
    return f"expected a position the log has reached: it holds {head} events"


async def reach_asked(request: Request, read_models: ReadModels, position: int) -> None:
    """As `reach`, for a position a client sent, without holding a worker thread
    while it waits: it looks in short turns, sleeping in the event loop between.

    422 when the log never got there, rather than a wait that cannot end well.
    """
    app: TimelineApp = request.app.state.timeline
    head = await run_in_threadpool(app.head_position)
    if position > head:
        field = "min_position" if "min_position" in request.query_params else "Min-Log-Position"
        raise ValidationError(field, beyond_log(head))
    timeout: float = request.app.state.settings.read_wait_seconds
    deadline = time.monotonic() + timeout
    while await run_in_threadpool(read_models.reached) < position:
        if time.monotonic() >= deadline:
            raise _lagging(position, timeout)
        await anyio.sleep(POLL_SECONDS)
