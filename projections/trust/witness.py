"""A witness: an independent party that checks the log only ever grows, and says so.

It keeps, in a folder of its own, the log's verifier key (pinned, or taken on
first use) and the last checkpoint it verified. Each round it fetches the
log's latest checkpoint, checks the log's signature, and proves the new tree
consistent with the one it kept, from a consistency proof whose roots it does
not take from the log but from its own file and the signed note. Then it
keeps the new checkpoint and, given a cosigning key, cosigns it (C2SP
tlog-cosignature v1).

A checkpoint signed by another key, a smaller tree after a larger one (a
roll-back), another root for a size it has seen (a fork) or a proof that fails
is refused: the witness writes both checkpoints, the proof and why into
`evidence/` and keeps its state as it was.

A log whose signer refuses to sign (HTTP 503) shows no new checkpoint, but
its consistency proof, open to all, still states the root it now holds for
the tree this witness kept. A root other than the signed one (the log was
rewritten), or no such tree any more (it was rolled back), is refused the
same way, with the log's answer and that proof as evidence. A 503 that states
the same root is not evidence of anything, and stays an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import orjson

from projections.audit import merkle
from projections.trust.notes import (
    Note,
    NoteError,
    SignerKey,
    TreeHead,
    VerifierKey,
    cosign,
)
from projections.trust.signer import write_private

__all__ = ["Answered", "Fetch", "Refused", "Round", "Witness"]

Fetch = Callable[[str], bytes]
"""GET a path of the log's API (`/audit/checkpoint`, ...) and answer its body; raise
Answered when the log answers with an error status, OSError when it cannot be reached."""


class Answered(OSError):
    """The log answered with an error status; `body` is what it said."""

    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class Refused(Exception):
    """The log showed something a witness must not accept; `evidence` holds the proof of it."""

    def __init__(self, why: str, evidence: Path) -> None:
        super().__init__(f"{why} (evidence in {evidence})")
        self.why = why
        self.evidence = evidence


@dataclass(frozen=True)
class Round:
    """What one round verified: the tree it now holds, the one before, and its cosignature."""

    head: TreeHead
    previous: TreeHead | None
    note: Note
    cosigned: Note | None


class Witness:
    """A witness whose files live in `state`; `key` cosigns, when given."""

    def __init__(self, state: Path, key: SignerKey | None = None) -> None:
        self.state = state
        self.key = key
        state.mkdir(parents=True, exist_ok=True)
        self.log_key_path = state / "log.vkey"
        self.checkpoint_path = state / "checkpoint"

    def log_key(self, fetch: Fetch) -> VerifierKey:
        """The log's key as kept; on first use, the one the log serves, kept from then on."""
        if self.log_key_path.exists():
            return VerifierKey.parse(self.log_key_path.read_text())
        key = VerifierKey.parse(fetch("/audit/key").decode())
        write_private(self.log_key_path, f"{key}\n")
        return key

    def pin(self, key: VerifierKey) -> None:
        """Trust `key` as the log's, from now on; refuse a folder that trusts another."""
        if self.log_key_path.exists():
            kept = VerifierKey.parse(self.log_key_path.read_text())
            if kept != key:
                raise ValueError(f"{self.log_key_path} already trusts the log key {kept}")
            return
        write_private(self.log_key_path, f"{key}\n")

    def previous(self) -> Note | None:
        """The last checkpoint this witness verified."""
        try:
            return Note.parse(self.checkpoint_path.read_text())
        except FileNotFoundError:
            return None

    def run_once(self, fetch: Fetch, now: Callable[[], float] = time.time) -> Round:
        """Verify the log's latest checkpoint against the one kept; keep and cosign it.

        Raise Refused (with evidence written) when the log misbehaved, OSError
        when it cannot be reached, NoteError when the log key kept is unreadable.
        """
        log_key = self.log_key(fetch)
        previous = self.previous()
        try:
            raw = fetch("/audit/checkpoint")
        except Answered as answer:
            if answer.status == 503 and previous is not None:
                self._check_unsigned(fetch, previous, answer)
            raise
        try:
            note = Note.parse(raw)
            head = TreeHead.parse(note.text)
        except NoteError as error:
            self._refuse(f"the log served no checkpoint ({error})", previous, raw, None)
        if not note.verified_by(log_key):
            self._refuse(
                f"the checkpoint is not signed by the log's key {log_key}", previous, raw, None
            )
        before = None if previous is None else TreeHead.parse(previous.text)
        if before is not None:
            self._check_growth(fetch, before, head, previous, raw)
        write_private(self.checkpoint_path, raw.decode())
        cosigned = None
        if self.key is not None:
            line = cosign(self.key, note.text, int(now()))
            cosigned = Note(note.text, (*note.signatures, line))
        return Round(head, before, note, cosigned)

    def _check_growth(
        self, fetch: Fetch, before: TreeHead, head: TreeHead, previous: Note | None, raw: bytes
    ) -> None:
        if head.origin != before.origin:
            self._refuse(
                f"the log's origin changed from {before.origin!r} to {head.origin!r}",
                previous,
                raw,
                None,
            )
        if head.size < before.size:
            self._refuse(
                f"rolled back: the log now has {head.size} events after a checkpoint of "
                f"{before.size}",
                previous,
                raw,
                None,
            )
        if head.size == before.size:
            if head.root != before.root:
                self._refuse(
                    f"forked: two different trees of {head.size} events, both signed by the log",
                    previous,
                    raw,
                    None,
                )
            return
        body = fetch(f"/audit/consistency?first={before.size}&second={head.size}")
        try:
            proof = orjson.loads(body)
            path = [bytes.fromhex(h) for h in proof["path"]]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            self._refuse("the log's consistency proof does not parse", previous, raw, body)
        if not merkle.verify_consistency(before.size, head.size, before.root, head.root, path):
            self._refuse(
                f"inconsistent: the signed tree of {head.size} events does not extend the tree "
                f"of {before.size} this witness verified",
                previous,
                raw,
                body,
            )

    def _check_unsigned(self, fetch: Fetch, previous: Note, answer: Answered) -> None:
        """Refuse a log that will not sign when it states that the tree kept is gone."""
        before = TreeHead.parse(previous.text)
        said = f"the log refuses to sign its checkpoint ({answer})"
        try:
            body = fetch(f"/audit/consistency?first={before.size}")
        except Answered as gone:
            if gone.status != 422:
                return
            self._refuse(
                f"rolled back: {said}, and it no longer holds the tree of {before.size} "
                f"events it signed ({gone})",
                previous,
                None,
                gone.body,
                answer.body,
            )
        try:
            stated = bytes.fromhex(orjson.loads(body)["first"]["root"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return
        if stated != before.root:
            self._refuse(
                f"rewritten: {said}, and it now states root {stated.hex()} for the tree of "
                f"{before.size} events it signed with root {before.root.hex()}",
                previous,
                None,
                body,
                answer.body,
            )

    def _refuse(
        self,
        why: str,
        previous: Note | None,
        raw: bytes | None,
        proof: bytes | None,
        answer: bytes | None = None,
    ) -> NoReturn:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        folder = self.state / "evidence" / stamp
        folder.mkdir(parents=True)
        if previous is not None:
            (folder / "previous.checkpoint").write_text(str(previous))
        if raw is not None:
            (folder / "new.checkpoint").write_bytes(raw)
        if answer is not None:
            (folder / "answer.txt").write_bytes(answer)
        if proof is not None:
            (folder / "consistency.json").write_bytes(proof)
        (folder / "why.txt").write_text(why + "\n")
        raise Refused(why, folder)
