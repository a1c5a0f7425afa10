"""The log's signer: signs tree heads with a key kept outside the database.

Whoever can write the database can rewrite the events and the ledger
together, so the ledger alone proves nothing to them. The signer keeps, beside
its key file, the largest tree head it ever signed (`KEY.checkpoint`), and
signs a new head only when the ledger proves it consistent with that one: a
larger tree that extends it, the same tree, or a prefix of it. A rewritten
log cannot give that proof, so the signer refuses and says why, and nobody
outside receives a signature on the rewritten history.

Processes sharing one key (API workers, the command line) take a file lock
around the check and the state's update, and the state reaches the disk
(fsync) before the signature leaves the signer.

Errors::

    Exception
    └── CheckpointUnavailable   no signed checkpoint can be given now
        ├── SigningRefused      the tree is not consistent with what the key signed before
        └── NoSigningKey        no key is configured
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from projections.audit import merkle
from projections.trust.notes import ED25519, Note, NoteError, SignerKey, TreeHead, VerifierKey

__all__ = [
    "CheckpointSigner",
    "CheckpointUnavailable",
    "NoSigningKey",
    "Prover",
    "SigningRefused",
    "write_private",
]

KEY_VARIABLE = "TIMELINE_SIGNING_KEY"
ORIGIN_VARIABLE = "TIMELINE_LOG_ORIGIN"

Prover = Callable[[int, int], Sequence[bytes]]
"""The ledger's consistency proof between two tree sizes; raises ValueError when it cannot."""


class CheckpointUnavailable(Exception):
    """No signed checkpoint can be given now; the message says why."""


class SigningRefused(CheckpointUnavailable):
    """The signer will not sign this tree head; the message says why."""


class NoSigningKey(CheckpointUnavailable):
    """The log has no signing key configured."""

    def __init__(self) -> None:
        super().__init__(
            "this server has no signing key: start it with TIMELINE_SIGNING_KEY=FILE "
            "(made with `policy-timeline keys create --out FILE`)"
        )


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only, atomically and durably."""
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class CheckpointSigner:
    """Sign tree heads of one log with the key in `key_path`.

    `origin` is the checkpoint's first line, the key's name by default. Raise
    OSError when the key cannot be read, NoteError when it is not a signer key.
    """

    def __init__(self, key_path: Path, origin: str | None = None) -> None:
        self.key = SignerKey.parse(key_path.read_text())
        if self.key.kind != ED25519:
            raise NoteError(
                f"{key_path}: a witness's cosigning key cannot sign the log's checkpoints"
            )
        self.origin = origin or self.key.name
        self.state_path = key_path.with_name(key_path.name + ".checkpoint")
        self._lock_path = key_path.with_name(key_path.name + ".lock")
        # Heads already proved consistent with the signed state. The state only
        # grows by consistent steps, so a head once proved stays proved.
        self._proved: dict[tuple[int, bytes], Note] = {}
        self.refusal: str | None = None
        """Why the last attempt was refused, or None after a signature."""

    @property
    def verifier(self) -> VerifierKey:
        return self.key.verifier

    def last_signed(self) -> TreeHead | None:
        """The largest tree head this key has signed, from the file beside it.

        Raise SigningRefused when that file is there but cannot be read: without
        it nothing holds the log to what it signed, and a signature could not be
        refused any more.
        """
        try:
            return TreeHead.parse(Note.parse(self.state_path.read_text()).text)
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, NoteError) as error:
            raise SigningRefused(
                f"{self.state_path}, the largest tree this key signed, cannot be read "
                f"({error}); refusing to sign until it is restored"
            ) from None

    def sign(self, size: int, root: bytes, prove: Prover) -> Note:
        """The signed checkpoint of the tree of `size` leaves with `root`.

        Raise SigningRefused when `prove` cannot show the tree consistent with
        the largest one signed before (and remember why in `refusal`).
        """
        head = TreeHead(self.origin, size, root)
        known = self._proved.get((size, root))
        if known is not None:
            return known
        with self._locked():
            try:
                last = self.last_signed()
                self._check(head, last, prove)
            except SigningRefused as refused:
                self.refusal = str(refused)
                raise
            note = head.sign(self.key)
            if last is None or size > last.size:
                write_private(self.state_path, str(note))
        self.refusal = None
        if len(self._proved) > 64:
            self._proved.clear()
        self._proved[(size, root)] = note
        return note

    def check(self, size: int, root: bytes, prove: Prover) -> None:
        """Raise SigningRefused unless the tree would be signed; sign nothing, keep nothing."""
        if (size, root) in self._proved:
            return
        with self._locked():
            self._check(TreeHead(self.origin, size, root), self.last_signed(), prove)

    def _check(self, head: TreeHead, last: TreeHead | None, prove: Prover) -> None:
        if last is None:
            return
        if last.origin != head.origin:
            raise SigningRefused(
                f"this key last signed for the log {last.origin!r}, not {head.origin!r}; "
                "a key signs one log"
            )
        if head.size == last.size:
            if head.root != last.root:
                raise SigningRefused(
                    f"the log's tree of {head.size} events has root {head.root.hex()}, but "
                    f"this key signed root {last.root.hex()} for that size: the log was "
                    "rewritten since; refusing to sign it"
                )
            return
        small, large = (head, last) if head.size < last.size else (last, head)
        try:
            path = prove(small.size, large.size)
        except ValueError as error:
            raise SigningRefused(
                f"this key signed a tree of {last.size} events, and the ledger cannot prove "
                f"its tree of {head.size} consistent with it ({error}): events were "
                "removed or the ledger replaced; refusing to sign"
            ) from None
        if not merkle.verify_consistency(small.size, large.size, small.root, large.root, path):
            raise SigningRefused(
                f"the log's tree of {head.size} events is not consistent with the tree of "
                f"{last.size} this key signed (root {last.root.hex()}): the log was rewritten; "
                "refusing to sign it"
            )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
