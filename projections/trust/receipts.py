"""Receipts: one event, its inclusion proof and the signed checkpoint, in one file.

The format is C2SP tlog-proof@v1: the header line, an `extra` line carrying
the event (base64 of its JSON: position, ids, version, topic and state), the
leaf `index`, the audit path one base64 hash a line, a blank line, then the
signed checkpoint verbatim. Checking one needs this module, the log's
verifier key and nothing else: no store, no network.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import orjson

from projections.audit import merkle
from projections.audit.proofs import InclusionProof, LoggedEvent
from projections.trust.notes import Note, NoteError, TreeHead, VerifierKey

__all__ = ["HEADER", "Receipt", "ReceiptError"]

HEADER = "c2sp.org/tlog-proof@v1"


class ReceiptError(ValueError):
    """A receipt that does not parse; the message says where."""


@dataclass(frozen=True)
class Receipt:
    """That `event` is leaf `index` of the tree the signed `checkpoint` states."""

    event: LoggedEvent
    index: int
    path: tuple[bytes, ...]
    checkpoint: Note

    @classmethod
    def of(cls, proof: InclusionProof, checkpoint: Note) -> Receipt:
        """A receipt from an inclusion proof against the tree `checkpoint` signs."""
        return cls(
            proof.event, proof.leaf_index, tuple(bytes.fromhex(h) for h in proof.path), checkpoint
        )

    def __str__(self) -> str:
        extra = base64.b64encode(orjson.dumps(self.event.to_json())).decode()
        path = "".join(base64.b64encode(h).decode() + "\n" for h in self.path)
        return f"{HEADER}\nextra {extra}\nindex {self.index}\n{path}\n{self.checkpoint}"

    @classmethod
    def parse(cls, text: str) -> Receipt:
        """Read a receipt; raise ReceiptError naming the part that is wrong."""
        proof, sep, checkpoint = text.partition("\n\n")
        lines = proof.split("\n")
        if not sep or lines[0] != HEADER:
            raise ReceiptError(
                f"a receipt starts with {HEADER!r}, then the proof and a blank line"
            )
        if (
            len(lines) < 3
            or not lines[1].startswith("extra ")
            or not lines[2].startswith("index ")
        ):
            raise ReceiptError("a receipt's second and third lines are 'extra' and 'index'")
        try:
            event = LoggedEvent.from_json(
                orjson.loads(base64.b64decode(lines[1][6:], validate=True))
            )
        except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError) as error:
            raise ReceiptError(f"extra: expected the event as base64 JSON ({error})") from None
        if not re.fullmatch(r"0|[1-9][0-9]*", lines[2][6:]):
            raise ReceiptError("index: expected a decimal")
        try:
            path = tuple(base64.b64decode(line, validate=True) for line in lines[3:])
            note = Note.parse(checkpoint)
        except (binascii.Error, NoteError) as error:
            raise ReceiptError(f"the proof or checkpoint: {error}") from None
        return cls(event, int(lines[2][6:]), path, note)

    def problem(self, key: VerifierKey) -> str | None:
        """Why this receipt does not prove its event under `key`, or None when it does."""
        if not self.checkpoint.verified_by(key):
            return f"the checkpoint carries no valid signature of the key {key.name!r}"
        try:
            head = TreeHead.parse(self.checkpoint.text)
        except NoteError as error:
            return str(error)
        if not merkle.verify_inclusion(
            self.index, head.size, self.event.leaf_hash(), list(self.path), head.root
        ):
            return (
                f"the event at position {self.event.position} is not leaf {self.index} of the "
                f"signed tree of {head.size} events: the event or the proof was altered"
            )
        return None
