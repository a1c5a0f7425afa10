"""`GET /stream`: the event log as server-sent events, each entry as it is stored.

Every stored event is one message:

    id: 42
    event: Meeting.Recorded
    data: {"position":42,"originator_id":"…","originator_version":1,"topic":"domain.entries:…",
    "recorded_at":"2024-01-03T10:00:00.123456+00:00","state":{…}}     (on one line)

- `id` is the event's log position, so a browser's `EventSource` resumes from
  it on its own by sending `Last-Event-ID` when it reconnects.
- `event` is the event's class path, the topic after its module
  (`Meeting.Recorded`, `Actor.Registered`, `Entry.Corrected`). `EventSource`
  hands named events only to `addEventListener(name, …)`, not to `onmessage`.
- `data` is one line of JSON with the fields of a `GET /log` item but `hash`
  and `state_sha256`; `state` is the event's state as plain JSON (times as
  ISO 8601 text), without the type tags the log stores it with.
- A comment line, `: keep-alive`, goes out after 15 idle seconds so proxies
  keep the connection open and a vanished client is noticed.
- While reads are protected, the stream asks every few seconds whether its
  token still reads, and ends once it is revoked (or loses the scope): a
  reconnecting client then meets the 401 like any other read.

The stream finds new events by reading the log, so it also carries writes
made by other processes (`policy-timeline import`, other API servers).

The route is left out of the schemathesis run: the stream never ends by itself.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from api.auth import ReaderDep, may_still_read
from api.deps import TimelineDep
from api.routes.log import log_item
from api.schemas import LogEvent
from domain import TimelineApp, ValidationError
from projections.views.changes import Change, read_changes

__all__ = ["EventStreamResponse", "router"]

router = APIRouter(prefix="/stream", tags=["stream"])

PAGE = 500
# One message of the stream; `data` is JSON text holding one log item.
MESSAGE: dict[str, Any] = {
    "type": "object",
    # The first message is an id alone: where the stream starts.
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The log position"},
        "event": {"type": "string", "description": "The event's class path"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": LogEvent.model_json_schema(),
        },
    },
}
"""The most events read from the log at a time."""
POLL_SECONDS = 0.25
"""How long an idle stream waits before it reads the log again."""
KEEP_ALIVE_SECONDS = 15.0
"""How long a stream stays silent before it sends a keep-alive comment."""
KEEP_ALIVE = b": keep-alive\n\n"
TOKEN_CHECK_SECONDS = 5.0
"""How often an open stream asks whether its token still reads (reads protected)."""
REVOKED = b": the token no longer reads: the stream ends\n\n"

EXAMPLE = (
    "id: 7\n"
    "event: Actor.Registered\n"
    'data: {"position":7,"originator_id":"5b1c…","originator_version":1,'
    '"topic":"domain.actors:Actor.Registered","recorded_at":"2024-01-03T10:00:00.123456+00:00",'
    '"state":{"timestamp":"2024-01-03T10:00:00.123456+00:00",'
    '"slug":"joe-biden","name":"Joe Biden","kind":"person","by":"reporter"}}\n'
    "\n"
    ": keep-alive\n"
    "\n"
)


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` response that no proxy or cache holds back."""

    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterator[bytes],
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        # nginx buffers proxied responses unless told otherwise; a buffered
        # stream would deliver events minutes late, or never.
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})}
        super().__init__(content, status_code, headers, media_type, background)


@router.get(
    "",
    response_class=EventStreamResponse,
    # A read (a token when reads are protected), but no `min_position`: the
    # stream starts where `after` or `Last-Event-ID` says.
    openapi_extra={"x-read": True},
    summary="Follow the log as server-sent events",
    responses={
        200: {
            "description": (
                "An endless `text/event-stream`. Each stored event is one message: "
                "`id:` its log position, `event:` its class path (`Meeting.Recorded`), "
                "`data:` one line of JSON `{position, originator_id, originator_version, "
                "topic, recorded_at, state}`. A `: keep-alive` comment follows 15 idle "
                "seconds. The stream ends only after `limit` events, when the client "
                "leaves, or (reads protected) once its token is revoked."
            ),
            "content": {"text/event-stream": {"schema": MESSAGE, "example": EXAMPLE}},
        }
    },
)
def stream(
    request: Request,
    timeline: TimelineDep,
    _reader: ReaderDep,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            description="Send the events after this log position; 0 replays the whole log. "
            "Without it (and without Last-Event-ID) only events stored from now on are sent.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Query(ge=1, description="End the stream after this many events; endless without it."),
    ] = None,
    last_event_id: Annotated[
        int | None,
        Header(
            alias="Last-Event-ID",
            ge=0,
            description="The position of the last event received: the stream resumes just "
            "after it. Sent by EventSource when it reconnects; it wins over `after`.",
        ),
    ] = None,
) -> EventStreamResponse:
    """Stream the log's events from a start position, as server-sent events.

    Raise ValidationError (422) when the start lies beyond the newest event:
    such a position comes from another store, and waiting for the log to reach
    it would silently skip every event until then. Ill-formed or negative
    positions and limits are refused as 422 by the request schema.
    """
    head = timeline.head_position()
    # A reconnecting EventSource sends the original URL again, `after` included:
    # the header is where it got to, so it wins.
    field, start = ("header.Last-Event-ID", last_event_id)
    if start is None:
        field, start = ("query.after", after)
    if start is None:
        start = head
    elif start > head:
        raise ValidationError(field, f"{start} is beyond the newest log position, {head}")
    return EventStreamResponse(_messages(request, timeline, start, limit))


async def _messages(
    request: Request, timeline: TimelineApp, after: int, limit: int | None
) -> AsyncIterator[bytes]:
    """The SSE messages of the events after position `after`, as they are stored."""
    # An id alone dispatches no event but sets the client's last event id, so
    # an EventSource that drops before its first event still resumes from here
    # rather than from whatever the head is when it reconnects.
    yield f"id: {after}\n\n".encode()
    remaining = limit
    silent_since = checked_at = time.monotonic()
    while remaining is None or remaining > 0:
        if await request.is_disconnected():
            return
        # Checked by time, not by events, so a busy replay is checked as often as
        # an idle stream; the look-up goes to a worker thread, as the log's reads do.
        if time.monotonic() - checked_at >= TOKEN_CHECK_SECONDS:
            if not await anyio.to_thread.run_sync(may_still_read, request):
                yield REVOKED
                return
            checked_at = time.monotonic()
        size = PAGE if remaining is None else min(PAGE, remaining)
        # The recorder is synchronous, and another process may be writing:
        # read the log itself, in a worker thread, rather than wait for a signal.
        page = await anyio.to_thread.run_sync(_read, timeline, after, size)
        if page:
            yield b"".join(_message(change) for change in page)
            after = page[-1].position
            silent_since = time.monotonic()
            if remaining is not None:
                remaining -= len(page)
            if len(page) == size:
                continue  # more may be waiting: read on without a pause
        elif time.monotonic() - silent_since >= KEEP_ALIVE_SECONDS:
            yield KEEP_ALIVE
            silent_since = time.monotonic()
        await anyio.sleep(POLL_SECONDS)


def _read(timeline: TimelineApp, after: int, size: int) -> Sequence[Change]:
    # An event changed outside the engine past reading raises UnreadableEvent,
    # which ends the stream: its status was sent with the first message.
    return read_changes(timeline.recorder, after, size)


def _message(change: Change) -> bytes:
    item = log_item(change)
    # orjson never writes a raw line break, so the JSON stays on one `data:` line.
    name = change.topic.partition(":")[2]
    head = f"id: {change.position}\nevent: {name}\ndata: ".encode()
    return head + orjson.dumps(item) + b"\n\n"
