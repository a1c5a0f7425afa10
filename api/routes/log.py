"""`GET /log`: the raw event log for auditors, page by page, with each event's leaf hash."""

from __future__ import annotations

import hashlib
from contextlib import suppress
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import AuditorDep
from api.deps import ReadModelsDep, TimelineDep
from api.responses import JSONBytes, answer
from api.schemas import LogPage
from domain import TimelineApp, ValidationError
from projections.views.changes import Change, UnreadableEvent, read_changes

__all__ = ["log_item", "plain", "router"]

router = APIRouter(prefix="/log", tags=["audit"])

MAX_LIMIT = 1000


def log_item(change: Change) -> dict[str, Any]:
    """One stored event as `GET /log` and `GET /stream` show it (without its hash):
    its state as plain JSON (`plain`), not with the store's type tags."""
    return {
        "position": change.position,
        "originator_id": change.originator_id,
        "originator_version": change.version,
        "topic": change.topic,
        "recorded_at": change.recorded_at,
        "state": plain(change.state),
    }


def plain(value: Any) -> Any:
    """`value` with each of the transcoder's tagged values (`{"_type_", "_data_"}`,
    `domain.transcoder`) replaced by the plain JSON it holds: times and dates as
    ISO 8601 text, a UUID as its canonical text, an EDTF date as `{text, start,
    end}`. A reader of the public payloads need not know the store's encoding."""
    if type(value) is list:
        return [plain(item) for item in value]
    if type(value) is not dict:
        return value
    if len(value) == 2 and "_type_" in value and "_data_" in value:
        data = value["_data_"]
        if value["_type_"] == "uuid_hex" and isinstance(data, str):
            with suppress(ValueError):
                return str(UUID(data))
        return plain(data)
    return {key: plain(item) for key, item in value.items()}


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

    `state` is plain JSON (`plain`); the log stores it with type tags, and those
    stored bytes are what the ledger hashes. `state_sha256` is their SHA-256, and
    `hash` the leaf hash the audit ledger recorded when it took the event in
    (RFC 6962 over position, id, version, topic and `state_sha256`; leaf format 2,
    `projections.audit.proofs`), or null for an event it has not yet taken in;
    `policy-timeline verify` recomputes it from the event as stored now.
    `next_after` is the `after` of the next page, null at the end.
    Raise ValidationError (422) for an `after` beyond the newest event, and
    UnreadableEvent (409) naming an event in the page that was changed outside
    the engine past reading (`after` set to it reads on past it).
    """
    head = timeline.head_position()
    if after > head:
        raise ValidationError("query.after", f"{after} is beyond the newest log position, {head}")
    changes, more = _page(timeline, after, limit)
    hashes = read_models.ledger.leaf_hashes([change.position for change in changes])
    items = [
        {
            **log_item(change),
            "hash": hashes.get(change.position),
            "state_sha256": hashlib.sha256(change.stored).hexdigest(),
        }
        for change in changes
    ]
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
