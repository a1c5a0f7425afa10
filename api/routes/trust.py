"""`/audit` for everyone outside the database: signed checkpoints, the log's key,
receipts and witnesses' cosignatures (contract v1.1).

The checkpoint and the key are open to all: they are what an auditor keeps.
A receipt needs scope `audit`, as the inclusion proof it carries does, and so
does posting a cosignature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import AuditorDep
from api.deps import ReadModelsDep
from api.responses import POSITION_HEADER, answer
from domain import Conflict, NotFound, ValidationError
from projections import ReadModels, SignedCheckpoints
from projections.audit.ledger import LedgerBehind, NoSuchEvent, UnreadableEvent
from projections.trust.checkpoints import CosignatureRefused, SignedCheckpoint
from projections.trust.notes import NoteError, VerifierKey
from projections.trust.receipts import Receipt
from projections.trust.signer import NoSigningKey

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])

TEXT = "text/plain; charset=utf-8"
_TEXT_CONTENT = {"text/plain": {"schema": {"type": "string"}}}


class CosignatureIn(BaseModel):
    """A witness's cosignature, posted by the witness (`policy-timeline witness`)."""

    checkpoint: str = Field(
        max_length=16_384,
        description="The checkpoint as the log served it, with the witness's cosignature "
        "line (C2SP tlog-cosignature v1) added among its signature lines",
    )
    key: str = Field(
        max_length=512,
        description="The witness's verifier key: NAME+KEYID+BASE64(0x04 || Ed25519 key)",
    )


class CosignatureOut(BaseModel):
    tree_size: int
    root: str
    witness: str
    checkpoint: str


def _signed(read_models: ReadModels) -> SignedCheckpoints:
    if read_models.checkpoints is None:
        raise NoSigningKey()
    return read_models.checkpoints


def _latest(
    read_models: ReadModels, position: int | None = None, wait: float = 0.0
) -> SignedCheckpoint:
    """The latest signed checkpoint, the ledger caught up first in process (and on
    PostgreSQL waited for up to `wait` s to witness `position`); raise NoSigningKey
    without a key, SigningRefused when the signer refuses (both answered 503 by the
    problem handlers)."""
    checkpoints = _signed(read_models)
    read_models.witnessed(position, wait)
    return checkpoints.latest()


@router.get(
    "/checkpoint",
    response_class=Response,
    responses={200: {"content": _TEXT_CONTENT, "description": "The signed checkpoint"}},
    summary="The latest signed checkpoint (C2SP tlog-checkpoint), open to all",
)
def checkpoint(read_models: ReadModelsDep) -> Response:
    """The ledger's latest checkpoint as a signed note: the origin, the tree size and
    the base64 root hash, a blank line, the log's signature line, then the lines of
    the witnesses that cosigned this very checkpoint.

    503 when the server has no signing key, or when its signer refuses because
    the ledger is not consistent with the last tree it signed (the detail says
    why): a rewritten log is never signed.
    """
    signed = _latest(read_models)
    return Response(
        str(signed.note),
        media_type=TEXT,
        headers={POSITION_HEADER: str(signed.checkpoint.position)},
    )


@router.get(
    "/key",
    response_class=Response,
    responses={200: {"content": _TEXT_CONTENT, "description": "The log's verifier key"}},
    summary="The log's verifier key (C2SP signed-note), open to all",
)
def key(read_models: ReadModelsDep) -> Response:
    """`NAME+KEYID+BASE64(0x01 || Ed25519 public key)`: keep it to check checkpoints,
    receipts and exports offline. 503 when the server has no signing key."""
    return Response(f"{_signed(read_models).signer.verifier}\n", media_type=TEXT)


@router.get(
    "/receipt",
    response_class=Response,
    responses={200: {"content": _TEXT_CONTENT, "description": "The receipt (C2SP tlog-proof)"}},
    summary="An event, its inclusion proof and the signed checkpoint, in one file",
)
def receipt(
    request: Request,
    read_models: ReadModelsDep,
    _auditor: AuditorDep,
    position: Annotated[int, Query(ge=1, description="The event's log position")],
) -> Response:
    """A self-contained receipt in the C2SP tlog-proof format: `extra` carries the
    event (base64 JSON), then its leaf index and audit path, a blank line and the
    signed checkpoint it is proved against. `policy-timeline verify --receipt FILE
    --key KEY` checks it offline. 404 when no event is stored at `position`, 409
    for a row altered past reading, 503 without a signing key or while the signer
    refuses.
    """
    # The ledger may be a moment behind a write just answered (PostgreSQL).
    signed = _latest(read_models, position, request.app.state.settings.read_wait_seconds)
    try:
        proof = read_models.ledger.inclusion_proof(position, against=signed.checkpoint.position)
    except NoSuchEvent as error:
        raise NotFound("event at log position", str(position)) from error
    except UnreadableEvent as error:
        raise Conflict(str(error)) from None
    except (LedgerBehind, ValueError):
        head = read_models.projector.app.head_position()
        raise ValidationError(
            "query.position",
            f"{position} is not yet in the signed checkpoint (tree of "
            f"{signed.checkpoint.tree_size} events up to position {signed.checkpoint.position}; "
            f"the log's head is {head})",
        ) from None
    return Response(
        str(Receipt.of(proof, signed.note)),
        media_type=TEXT,
        headers={POSITION_HEADER: str(signed.checkpoint.position)},
    )


@router.post(
    "/cosignatures",
    status_code=201,
    response_class=Response,
    responses={201: {"model": CosignatureOut, "description": "The cosignature was kept"}},
    summary="A witness's cosignature of a checkpoint it verified (C2SP tlog-cosignature)",
)
def cosignatures(body: CosignatureIn, read_models: ReadModelsDep, auditor: AuditorDep) -> Response:
    """Keep a witness's cosignature: the checkpoint must carry this log's valid
    signature and be its tree of that size, and the witness's line must verify
    under `key`. Later checkpoint answers for that tree carry the line. 422 names
    what does not check; 503 without a signing key."""
    checkpoints = _signed(read_models)
    try:
        witness = VerifierKey.parse(body.key)
    except NoteError as error:
        raise ValidationError("body.key", str(error)) from None
    try:
        note = checkpoints.add_cosignature(body.checkpoint, witness, auditor)
    except CosignatureRefused as error:
        field, _, detail = str(error).partition(": ")
        raise ValidationError(f"body.{field}", detail) from None
    lines = note.text.split("\n")
    out = {
        "tree_size": int(lines[1]),
        "root": lines[2],
        "witness": witness.name,
        "checkpoint": str(note),
    }
    return answer(out, read_models.ledger.position(), status=201)
