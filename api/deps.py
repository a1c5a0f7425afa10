"""Dependencies shared by the routers, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from domain import TimelineApp
from projections import ReadModels

__all__ = [
    "IDEMPOTENCY_KEY_LENGTH",
    "IDEMPOTENCY_KEY_PATTERN",
    "AsOfQuery",
    "IdempotencyKey",
    "ReadModelsDep",
    "TimelineDep",
]


# These two only read app.state, so they are `async def`: FastAPI would run a
# plain `def` dependency in its thread pool, a hop that costs more than the read.
async def get_timeline(request: Request) -> TimelineApp:
    timeline: TimelineApp = request.app.state.timeline
    return timeline


TimelineDep = Annotated[TimelineApp, Depends(get_timeline)]


async def get_read_models(request: Request) -> ReadModels:
    read_models: ReadModels = request.app.state.read_models
    return read_models


ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]


# Something besides spaces, and no control character (api.controls refuses
# them first, naming the header; the pattern says so in the document).
IDEMPOTENCY_KEY_PATTERN = (
    r"^[^\x00-\x08\x0a-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0a-\x1f\x7f]*$"
)
IDEMPOTENCY_KEY_LENGTH = 255

IdempotencyKey = Annotated[
    str | None,
    Header(
        pattern=IDEMPOTENCY_KEY_PATTERN,
        max_length=IDEMPOTENCY_KEY_LENGTH,
        description="Any text up to 255 characters, unique per command: a retry with the "
        "same key and body answers as the first time and stores nothing; the same key "
        "with another body is refused with 422",
    ),
]

AsOfQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="A log position (`1234`) or an ISO 8601 time (`2024-01-03T00:00:00Z`): "
        "the answer shows the record as it stood then",
    ),
]
