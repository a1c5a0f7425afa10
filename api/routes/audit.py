"""`/audit`: rebuild and compare the views, verify the log, prove what it holds.

Every route needs a token with scope `audit`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import AuditorDep
from api.deps import ReadModelsDep
from api.responses import JSONBytes, answer
from api.schemas import ReplayReport

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])


@router.post(
    "/replay",
    response_class=JSONBytes,
    responses={200: {"model": ReplayReport, "description": "Each view, live and rebuilt"}},
    summary="Rebuild every view from the log and compare it with the live one",
)
def replay(read_models: ReadModelsDep, _auditor: AuditorDep) -> Response:
    """Rebuild every view from position 0 beside the live one, compare the two by
    digest at one log position, then swap the rebuilt views in.

    `ok` is true when every rebuilt view equals the live one. The audit ledger
    is not rebuilt: it is what the log is verified against (`GET /audit/verify`).
    A replay already under way (from here or `policy-timeline replay`) is 409.
    """
    report = read_models.projector.rebuild(compare=True)
    # Cached pages were built by the views just swapped out; equal unless a view
    # was wrong, which is what a replay is for.
    read_models.queries.pages.clear()
    views = [
        {
            "name": name,
            "live": report.live[name],
            "rebuilt": report.rebuilt[name],
            "equal": report.live[name] == report.rebuilt[name],
        }
        for name in report.live
    ]
    body = {
        "ok": all(view["equal"] for view in views),
        "position": report.position,
        "events": report.events,
        "views": views,
    }
    return answer(body, report.position)
