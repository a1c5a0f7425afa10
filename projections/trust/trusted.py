"""Hold the log against checkpoints an auditor kept outside the database.

A checkpoint signed by the log's key and kept elsewhere (by an auditor, a
witness, a newsroom that published an export) fixes the root of the first N
events for ever. The log as stored now must hash its first N events to that
root: a rewrite of any of them, or of the ledger with them, cannot, and a log
that lost events cannot have N. Several kept checkpoints narrow down where the
first change lies: after the largest one that still matches, up to the
smallest that does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from projections.audit.ledger import Ledger
from projections.trust.notes import Note, NoteError, TreeHead, VerifierKey

__all__ = ["TrustedCheck", "check_trusted"]


@dataclass
class TrustedCheck:
    """One kept checkpoint and what the log says of it."""

    path: Path
    ok: bool
    detail: str
    size: int | None = None
    root: str | None = None
    first_difference: tuple[int, int] | None = field(default=None)
    """The log positions between which the first changed event lies (both included)."""

    def describe(self) -> str:
        verdict = "ok" if self.ok else "NOT OK"
        return f"{verdict}: trusted checkpoint {self.path}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": str(self.path),
            "ok": self.ok,
            "detail": self.detail,
            "tree_size": self.size,
            "root": self.root,
        }
        if self.first_difference is not None:
            data["first_difference"] = list(self.first_difference)
        return data


def check_trusted(
    ledger: Ledger, paths: list[Path], key: VerifierKey, ledger_ok: bool
) -> list[TrustedCheck]:
    """Check each kept checkpoint against the log's ledger (verified against the log).

    Raise OSError when a file cannot be read."""
    heads: list[tuple[Path, TreeHead]] = []
    checks: list[TrustedCheck] = []
    for path in paths:
        try:
            note = Note.parse(path.read_bytes())
            head = TreeHead.parse(note.text)
        except NoteError as error:
            checks.append(TrustedCheck(path, False, f"not a signed checkpoint: {error}"))
            continue
        if not note.verified_by(key):
            checks.append(TrustedCheck(path, False, f"it carries no valid signature of {key}"))
            continue
        heads.append((path, head))
    if not ledger_ok:
        skipped = "not compared: the ledger disagrees with the log (see above)"
        return checks + [TrustedCheck(p, False, skipped, h.size, h.root.hex()) for p, h in heads]
    size = ledger.head().tree_size
    matched: list[int] = [0]
    for path, head in sorted(heads, key=lambda item: item[1].size):
        checks.append(_check_one(ledger, path, head, size, max(matched)))
        if checks[-1].ok:
            matched.append(head.size)
    return checks


def _check_one(
    ledger: Ledger, path: Path, head: TreeHead, size: int, matched: int
) -> TrustedCheck:
    root = head.root.hex()
    if head.size > size:
        return TrustedCheck(
            path,
            False,
            f"it signed {head.size:,} events, and the ledger now attests only {size:,}: "
            "events were removed (or the ledger's follower is behind)",
            head.size,
            root,
        )
    ours = ledger.head_of_size(head.size)
    if ours.root == root:
        return TrustedCheck(
            path,
            True,
            f"the log's first {head.size:,} events still hash to its root {root} "
            f"(the log has {size:,} now)",
            head.size,
            root,
        )
    positions = ledger.leaf_positions(matched, head.size)
    first, last = positions[0], positions[-1]
    where = (
        f"the changed event is at log position {first}"
        if first == last
        else f"the first changed event lies between log positions {first} and {last}"
    )
    return TrustedCheck(
        path,
        False,
        f"the log's first {head.size:,} events now hash to {ours.root}, not to the signed "
        f"root {root}: the log was rewritten; {where}",
        head.size,
        root,
        (first, last),
    )
