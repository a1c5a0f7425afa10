"""`GET /log`: the raw event log for auditors, page by page, with each event's leaf hash."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import AuditorDep
from api.deps import ReadModelsDep, TimelineDep
from api.responses import JSONBytes, answer
from api.schemas import LogPage
from domain import Conflict, TimelineApp, ValidationError
from projections.changes import Change, decode

__all__ = ["log_item", "router"]

router = APIRouter(prefix="/log", tags=["audit"])

MAX_LIMIT = 1000


def log_item(change: Change) -> dict[str, Any]:
    """One stored event as `GET /log` and `GET /stream` show it (without its hash)."""
    return {
        "position": change.position,
        "originator_id": change.originator_id,
        "originator_version": change.version,
        "topic": change.topic,
        "recorded_at": change.recorded_at,
        "state": change.state,
    }


@router.get(
    "",
    response_class=JSONBytes,
    responses={200: {"model": LogPage, "description": "A page of the event log"}},
    summary="The raw event log",
)
def log(
    timeline: TimelineDep,
    read_models: ReadModelsDep,
    _auditor: AuditorDep,
    after: Annotated[
        int, Query(ge=0, description="The events after this log position; 0 starts the log")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many")] = 100,
) -> Response:
    """The stored events after `after`, in log order, each with the ledger's leaf hash.

    `hash` is the leaf hash the audit ledger recorded when it took the event in
    (RFC 6962, over the event as stored then), or null for an event it has not
    yet taken in; `policy-timeline verify` recomputes it from the event as
    stored now. `next_after` is the `after` of the next page, null at the end.
    Raise ValidationError (422) for an `after` beyond the newest event, and
    Conflict (409) naming an event in the page that was changed outside the
    engine past reading (`after` set to it reads on past it).
    """
    head = timeline.head_position()
    if after > head:
        raise ValidationError("query.after", f"{after} is beyond the newest log position, {head}")
    changes, more = _page(timeline, after, limit)
    hashes = read_models.ledger.leaf_hashes([change.position for change in changes])
    items = [{**log_item(change), "hash": hashes.get(change.position)} for change in changes]
    body = {"items": items, "next_after": changes[-1].position if more else None}
    return answer(orjson.dumps(body), head)


# What a row altered by hand can raise on the way out: a bad UUID, state that is
# not UTF-8 or not JSON, JSON without the recorded time.
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError)


def _page(timeline: TimelineApp, after: int, limit: int) -> tuple[list[Change], bool]:
    """Up to `limit` events after `after`, each read whole, and whether more follow.

    Raise Conflict (409) naming the first event changed outside the engine past
    reading, as `GET /audit/proof` does, rather than failing with a 500; an
    unreadable event just past the page only ends it.
    """
    try:
        # One more than asked says whether a next page exists.
        changes = _decoded(timeline, after + 1, limit + 1)
        return changes[:limit], len(changes) > limit
    except _UNREADABLE:
        pass
    # Read one at a time to name the event at fault.
    read: list[Change] = []
    position = after
    while len(read) <= limit:
        try:
            found = _decoded(timeline, position + 1, 1)
        except _UNREADABLE as error:
            if len(read) == limit:
                return read, True
            raise Conflict(
                f"the event at log position {position + 1} was changed outside the engine "
                f"({type(error).__name__}: {error}); `policy-timeline verify` tells more, "
                f"and after={position + 1} reads the log on past it"
            ) from None
        if not found:
            return read, False
        read.extend(found)
        position = found[0].position
    return read[:limit], True


def _decoded(timeline: TimelineApp, start: int, count: int) -> list[Change]:
    changes = decode(timeline.recorder.select_notifications(start, count))
    for change in changes:
        _ = change.recorded_at  # raise here, not while the answer is written
    return changes
