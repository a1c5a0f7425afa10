"""`/audit`: rebuild and compare the views, verify the log, prove what it holds.

Every route needs a token with scope `audit`, but the consistency proof, which
witnesses without a token need and which holds hashes only.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import AuditorDep
from api.deps import ReadModelsDep
from api.responses import JSONBytes, answer
from api.schemas import ConsistencyProofOut, InclusionProofOut, ReplayReport, VerifyOut
from domain import Conflict, NotFound, ValidationError
from projections import ReadModels, ViewsBehind
from projections.audit.ledger import LedgerBehind, NoSuchEvent, TreeSizesOutOfRange
from projections.audit.ledger import UnreadableEvent as UnreadableLeaf
from projections.audit.verify import verify_log
from projections.views.changes import UnreadableEvent

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
    A replay already under way (from here or `policy-timeline replay`) is 409,
    and so is a log holding an event altered past reading.
    """
    try:
        report = read_models.projector.rebuild(compare=True)
    except UnreadableEvent as error:
        # An event altered by hand past decoding (a bad UUID, state that is not
        # JSON) stops the rebuild; the live views are swapped out only at the end,
        # so they stand as they were. Any other error is a bug in a view, and
        # surfaces as one rather than as tampering.
        raise Conflict(
            "the views cannot be rebuilt: an event in the log was changed outside the "
            f"engine past reading ({error}); the live views are "
            "kept, and `GET /audit/verify` names the event"
        ) from None
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


@router.get(
    "/verify",
    response_class=JSONBytes,
    responses={200: {"model": VerifyOut, "description": "What the recomputation found"}},
    summary="Verify the whole log against the audit ledger",
)
def verify(request: Request, read_models: ReadModelsDep, _auditor: AuditorDep) -> Response:
    """Recompute every stored event's leaf hash and the Merkle tree from the log as
    stored now, and compare them with what the ledger witnessed: every leaf, every
    stored subtree and every checkpoint.

    `ok` is false at the first disagreement, and `first_bad` says where and what:
    an event `changed`, `missing`, `inserted` or `reordered`, or the ledger's own
    rows or checkpoints altered. Events the ledger has not yet witnessed are
    counted in `unattested`, not failures. A tampered log is a 200 with `ok: false`:
    the check itself succeeded.
    """
    _witness(request, read_models)
    report = verify_log(read_models.db)
    return answer(report.to_json(), report.head_position)


@router.get(
    "/proof",
    response_class=JSONBytes,
    responses={200: {"model": InclusionProofOut, "description": "The inclusion proof"}},
    summary="Prove that one event is in the ledger's latest checkpoint",
)
def proof(
    request: Request,
    read_models: ReadModelsDep,
    _auditor: AuditorDep,
    position: Annotated[int, Query(ge=1, description="The event's log position")],
    against: Annotated[
        int | None,
        Query(
            ge=1,
            description="Prove it against the tree head at this log position instead of the "
            "latest checkpoint, e.g. the `Log-Position` of an export you kept",
        ),
    ] = None,
) -> Response:
    """The event at `position`, its leaf hash and audit path, and the tree head they
    lead to. The proof carries the event itself, so it can be checked offline
    (`policy-timeline verify --proof FILE`). 404 when no event is stored there;
    409 when its row was altered past reading; 422 when `against` is before
    `position` or beyond the log.
    """
    _witness(request, read_models, against or position)
    ledger = read_models.ledger
    try:
        found = ledger.inclusion_proof(position, against=against)
    except NoSuchEvent as error:
        raise NotFound("event at log position", str(position)) from error
    except UnreadableLeaf as error:
        raise Conflict(str(error)) from None
    except LedgerBehind as error:
        _refuse_beyond(read_models, "query.against" if against else "query.position", error)
    except ValueError as error:
        if against is None:
            raise ValidationError("query.position", str(error)) from None
        raise ValidationError(
            "query.against",
            f"the tree head at {against} is before position {position}; "
            f"expected {position} or later",
        ) from None
    return answer(found.to_json(), found.head.position)


@router.get(
    "/consistency",
    response_class=JSONBytes,
    responses={200: {"model": ConsistencyProofOut, "description": "The consistency proof"}},
    summary="Prove that the log only grew between two tree heads",
)
def consistency(
    request: Request,
    read_models: ReadModelsDep,
    first: Annotated[
        int, Query(ge=0, description="The earlier tree's size (a tree head's `tree_size`)")
    ],
    second: Annotated[
        int | None,
        Query(ge=0, description="The later tree's size; the latest checkpoint's by default"),
    ] = None,
) -> Response:
    """The hashes that show the tree of `first` events is a prefix of the tree of
    `second`: nothing witnessed before was changed, removed or reordered since.
    Open to all, as the signed checkpoint is: a witness without a token must be
    able to check that the log only grew, and the proof holds hashes only.
    Check it offline with `policy-timeline verify --consistency FILE`. 422 unless
    `first` <= `second` <= the ledger's tree size.
    """
    _witness(request, read_models)
    ledger = read_models.ledger
    size = ledger.latest_checkpoint().tree_size if second is None else second
    try:
        found = ledger.consistency_proof(first, size)
    except TreeSizesOutOfRange as error:
        _refuse_sizes(first, second, error.size)
    return answer(found.to_json(), found.second.position)


def _refuse_sizes(first: int, second: int | None, size: int) -> NoReturn:
    """Name the parameter at fault, in the words of the query, not the ledger's."""
    if second is not None and first > second:
        raise ValidationError(
            "query.first", f"{first} is after second, {second}; expected first <= second"
        )
    if second is not None and second > size:
        raise ValidationError("query.second", f"{second} is beyond the ledger's tree size, {size}")
    raise ValidationError("query.first", f"{first} is beyond the ledger's tree size, {size}")


def _witness(request: Request, read_models: ReadModels, position: int | None = None) -> None:
    # On SQLite this process keeps the views, the ledger among them: bring it up
    # to the log's head first, so the answer covers every write made until now.
    # On PostgreSQL wait (a little) for the ledger to witness `position`.
    read_models.witnessed(position, request.app.state.settings.read_wait_seconds)


def _refuse_beyond(read_models: ReadModels, field: str, error: LedgerBehind) -> NoReturn:
    """A position the log has not reached is bad input; one it has, but the ledger
    (a follower on PostgreSQL) has not witnessed yet, is worth a retry."""
    head = read_models.projector.app.head_position()
    if error.position > head:
        raise ValidationError(field, f"{error.position} is beyond the newest log position, {head}")
    raise ViewsBehind(error.position, error.reached)
