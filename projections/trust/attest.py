"""Bring the ledger up to the log's head after a write, and sign what it attests.

The command line's writes (`import`, `load-sample`) call this on SQLite, where
no follower runs, so a store never holds events its ledger has not witnessed
when the command ends: `verify` would otherwise have nothing to check them by.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import TimelineApp
from projections.audit.ledger import Ledger, LedgerView
from projections.database import Database
from projections.projector import Projector
from projections.trust.checkpoints import SignedCheckpoints
from projections.trust.notes import Note
from projections.trust.signer import CheckpointSigner, SigningRefused

__all__ = ["Attested", "attest"]


@dataclass(frozen=True)
class Attested:
    """How far the ledger reached, and the signed checkpoint or why the signer refused."""

    position: int
    tree_size: int
    note: Note | None
    refusal: str | None


def attest(app: TimelineApp, db: Database, signer: CheckpointSigner | None) -> Attested:
    """Catch the ledger (alone) up with the log and, with a signer, sign its head."""
    projector = Projector(app, db, views=[LedgerView])
    projector.create()
    position = projector.catch_up()
    ledger = Ledger(db)
    size = ledger.latest_checkpoint().tree_size
    if signer is None:
        return Attested(position, size, None, None)
    try:
        note = SignedCheckpoints(db, ledger, signer).latest().note
    except SigningRefused as refused:
        return Attested(position, size, None, str(refused))
    return Attested(position, size, note, None)
