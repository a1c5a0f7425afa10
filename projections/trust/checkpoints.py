"""Signed checkpoints of the ledger, with the witnesses' cosignatures.

`SignedCheckpoints` asks the ledger for a tree head, has the signer sign it
(which refuses a head inconsistent with what it signed before), and adds the
cosignature lines witnesses posted for that very checkpoint. Cosignatures are
kept in the database's `ledger_cosignatures` table: each is checked against
its witness's key when posted and again by anyone who reads it, so the table
needs no more trust than the log does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from projections.audit.ledger import Ledger, LedgerError
from projections.audit.proofs import Checkpoint
from projections.database import Database, create_table
from projections.trust.notes import (
    COSIGNATURE_V1,
    Note,
    NoteError,
    Signature,
    TreeHead,
    VerifierKey,
    cosignature_time,
)
from projections.trust.signer import CheckpointSigner, SigningRefused

__all__ = ["CosignatureRefused", "SignedCheckpoint", "SignedCheckpoints", "SigningRefused"]

TABLE = "ledger_cosignatures"


class CosignatureRefused(ValueError):
    """A posted cosignature that is not a witness's valid signature of our checkpoint."""


@dataclass(frozen=True)
class SignedCheckpoint:
    """A ledger checkpoint and its signed note."""

    checkpoint: Checkpoint
    note: Note


class SignedCheckpoints:
    """The signed checkpoints of one store's ledger."""

    def __init__(
        self, db: Database, ledger: Ledger, signer: CheckpointSigner, every: float = 0.0
    ) -> None:
        """`every`: the least time in seconds between two new signed checkpoints that
        `latest` makes; a newer tree meanwhile waits for the next (0: sign each)."""
        self.db = db
        self.ledger = ledger
        self.signer = signer
        self.every = every
        self._newest: tuple[float, SignedCheckpoint] | None = None
        self._create_table()

    def _create_table(self) -> None:
        create_table(
            self.db,
            TABLE,
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "tree_size BIGINT NOT NULL, root TEXT NOT NULL, witness_key TEXT NOT NULL, "
            "line TEXT NOT NULL, cosigned_at BIGINT NOT NULL, posted_by TEXT NOT NULL, "
            "PRIMARY KEY (tree_size, root, witness_key))",
        )

    def latest(self) -> SignedCheckpoint:
        """The ledger's latest checkpoint, signed, with its witnesses' lines.

        Transparency logs sign at an interval, not per write: within `every`
        seconds of the last new signature this answers that checkpoint again,
        so signing costs the write path nothing however often readers ask.
        Raise SigningRefused when the signer will not sign it.
        """
        now = time.monotonic()
        if self._newest is not None and now - self._newest[0] < self.every:
            return self._newest[1]
        signed = self._signed(self.ledger.latest_checkpoint(), cosigned=True)
        if self._newest is None or signed.checkpoint != self._newest[1].checkpoint:
            self._newest = (now, signed)
        else:
            self._newest = (self._newest[0], signed)
        return signed

    def at_position(self, position: int) -> SignedCheckpoint:
        """The tree head over every event up to log `position`, signed, without
        cosignatures, so the same position always gives the same bytes (Ed25519
        signatures are deterministic). Raise LedgerBehind, SigningRefused."""
        return self._signed(self.ledger.head(position), cosigned=False)

    def check(self) -> str | None:
        """Why the signer would refuse the ledger's latest checkpoint, or None; signs nothing."""
        latest = self.ledger.latest_checkpoint()
        try:
            self.signer.check(latest.tree_size, bytes.fromhex(latest.root), self._prove)
        except SigningRefused as refused:
            return str(refused)
        return None

    def _signed(self, checkpoint: Checkpoint, *, cosigned: bool) -> SignedCheckpoint:
        root = bytes.fromhex(checkpoint.root)
        note = self.signer.sign(checkpoint.tree_size, root, self._prove)
        if cosigned:
            note = note.with_signatures(*self._cosignatures(checkpoint.tree_size, checkpoint.root))
        return SignedCheckpoint(checkpoint, note)

    def _prove(self, first: int, second: int) -> list[bytes]:
        try:
            proof = self.ledger.consistency_proof(first, second)
        except LedgerError as error:
            raise ValueError(str(error)) from None
        return [bytes.fromhex(h) for h in proof.path]

    def _cosignatures(self, size: int, root: str) -> list[Signature]:
        with self.db.read() as c:
            c.execute(
                f"SELECT line FROM {TABLE} WHERE tree_size = ? AND root = ? ORDER BY witness_key",
                (size, root),
            )
            rows = c.fetchall()
        return [Signature.parse(str(row[0]).rstrip("\n")) for row in rows]

    def add_cosignature(self, checkpoint: str, witness: VerifierKey, by: str) -> Note:
        """Keep a witness's cosignature of one of our checkpoints; answer the note with it.

        `checkpoint` is the cosigned note: our checkpoint with the witness's line
        among its signatures. Raise CosignatureRefused when the note is not one this
        log signed for its current tree, or the witness's line does not verify.
        """
        if witness.kind != COSIGNATURE_V1:
            raise CosignatureRefused(
                "key: a witness's key has signature type 0x04 (a tlog-cosignature v1 key)"
            )
        try:
            note = Note.parse(checkpoint)
            head = TreeHead.parse(note.text)
        except NoteError as error:
            raise CosignatureRefused(f"checkpoint: {error}") from None
        if not note.verified_by(self.signer.verifier):
            raise CosignatureRefused(
                f"checkpoint: it carries no valid signature of this log's key "
                f"({self.signer.verifier})"
            )
        try:
            ours = self.ledger.head_of_size(head.size)
        except LedgerError as error:
            raise CosignatureRefused(f"checkpoint: {error}") from None
        if head.origin != self.signer.origin or bytes.fromhex(ours.root) != head.root:
            raise CosignatureRefused("checkpoint: it is not this log's tree of that size")
        lines = [s for s in note.signatures if s.by(witness)]
        times = [cosignature_time(witness, note.text, s) for s in lines]
        if not lines or None in times:
            raise CosignatureRefused(
                f"checkpoint: no valid cosignature line of the witness {witness.name!r}"
            )
        line, at = lines[-1], max(t for t in times if t is not None)
        with self.db.write() as c:
            c.execute(
                f"DELETE FROM {TABLE} WHERE tree_size = ? AND root = ? AND witness_key = ?",
                (head.size, ours.root, str(witness)),
            )
            c.execute(
                f"INSERT INTO {TABLE} (tree_size, root, witness_key, line, cosigned_at, "
                "posted_by) VALUES (?, ?, ?, ?, ?, ?)",
                (head.size, ours.root, str(witness), line.line, at, by),
            )
        self._newest = None  # the next answer carries the new line
        return self._signed(ours, cosigned=True).note
