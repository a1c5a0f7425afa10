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
from domain import ValidationError
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
    Raise ValidationError (422) for an `after` beyond the newest event.
    """
    head = timeline.head_position()
    if after > head:
        raise ValidationError("query.after", f"{after} is beyond the newest log position, {head}")
    # One more than asked says whether a next page exists.
    changes = decode(timeline.recorder.select_notifications(after + 1, limit + 1))
    more = len(changes) > limit
    changes = changes[:limit]
    hashes = read_models.ledger.leaf_hashes([change.position for change in changes])
    items = [{**log_item(change), "hash": hashes.get(change.position)} for change in changes]
    body = {"items": items, "next_after": changes[-1].position if more else None}
    return answer(orjson.dumps(body), head)
