"""A write that was stored but whose views did not catch up in time: 202 Accepted.

A write answers with the record as the views show it at the write's own
position. When the views have not reached that position within
TIMELINE_READ_WAIT_SECONDS (a follower down or behind), the write is not lost,
only not yet readable: the answer says so with the record's id, version and
position, and a `Location` that reads it once the views get there.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from pydantic import BaseModel

from api.responses import JSONBytes, answer
from domain import CommandResult
from projections import ReadModels

__all__ = ["ACCEPTED", "Accepted", "answer_when_reached"]


class Accepted(BaseModel):
    """The write is stored at `position`; the views have not shown it yet."""

    status: str = "stored"
    id: str
    version: int
    position: int
    """The write's log position: pass it as `min_position` to read the record."""
    detail: str


ACCEPTED = {
    "model": Accepted,
    "description": "Stored, but the views have not reached it within the read wait: "
    "read it at `Location` (which asks for its position) shortly",
    "headers": {
        "Location": {"description": "Where to read the record", "schema": {"type": "string"}},
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}},
    },
}


def answer_when_reached(
    request: Request,
    read_models: ReadModels,
    result: CommandResult,
    location: Callable[[], str],
    body: Callable[[], bytes],
    status: int,
) -> JSONBytes:
    """`body()` with `status` once the views reflect the write; 202 when they do not
    within the read wait. `location()` is the record's path, without a query: made
    only for a 202 (routing it back from its name took a tenth of a write's thread)."""
    timeout: float = request.app.state.settings.read_wait_seconds
    try:
        read_models.wait_for(result.position, timeout, ledger=False)
    except TimeoutError:
        accepted = Accepted(
            id=result.id,
            version=result.version,
            position=result.position,
            detail=f"stored at log position {result.position}; the views have not "
            f"reached it within {timeout:g} s",
        )
        response = answer(accepted.model_dump(), result.position, 202)
        response.headers["Location"] = f"{location()}?min_position={result.position}"
        response.headers["Retry-After"] = "1"
        return response
    return answer(body(), result.position, status)
