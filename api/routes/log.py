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
from domain import TimelineApp, ValidationError
from projections.views.changes import Change, UnreadableEvent, read_changes

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
    UnreadableEvent (409) naming an event in the page that was changed outside
    the engine past reading (`after` set to it reads on past it).
    """
    head = timeline.head_position()
    if after > head:
        raise ValidationError("query.after", f"{after} is beyond the newest log position, {head}")
    changes, more = _page(timeline, after, limit)
    hashes = read_models.ledger.leaf_hashes([change.position for change in changes])
    items = [{**log_item(change), "hash": hashes.get(change.position)} for change in changes]
    body = {"items": items, "next_after": changes[-1].position if more else None}
    return answer(orjson.dumps(body), head)


def _page(timeline: TimelineApp, after: int, limit: int) -> tuple[list[Change], bool]:
    """Up to `limit` events after `after`, each read whole, and whether more follow.

    Raise UnreadableEvent (409) naming the first event changed outside the engine
    past reading, as `GET /audit/proof` does; an unreadable event just past the
    page only ends it.
    """
    try:
        # One more than asked says whether a next page exists.
        changes = read_changes(timeline.recorder, after, limit + 1)
        return changes[:limit], len(changes) > limit
    except UnreadableEvent as error:
        bad = error.position
        # Every event before the first unreadable one reads.
        read = read_changes(timeline.recorder, after, limit, stop=bad - 1)
        if len(read) == limit:
            return read, True
        raise UnreadableEvent(
            bad,
            error.reason,
            f"`policy-timeline verify` tells more, and after={bad} reads the log on past it",
        ) from None
