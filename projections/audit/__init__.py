"""The audit ledger: a Merkle tree over every stored event, and its checks.

- `merkle`: Merkle trees as RFC 6962 / RFC 9162 define them; SHA-256, no I/O.
- `proofs`: the leaf encoding, tree heads, and the inclusion and consistency
  proofs, checked offline with `merkle` alone.
- `ledger`: the view that witnesses the log (a leaf per event, a checkpoint
  per batch) and `Ledger`, its read side.
- `verify`: the recomputation of the log's leaves and tree against the
  ledger's rows (`verify_log`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.lazy import lazy_names

if TYPE_CHECKING:
    from projections.audit.ledger import Ledger, LedgerBehind, LedgerError, LedgerView
    from projections.audit.proofs import Checkpoint, ConsistencyProof, InclusionProof, LoggedEvent
    from projections.audit.verify import BadEvent, VerifyReport, verify_log

__all__ = [
    "BadEvent",
    "Checkpoint",
    "ConsistencyProof",
    "InclusionProof",
    "Ledger",
    "LedgerBehind",
    "LedgerError",
    "LedgerView",
    "LoggedEvent",
    "VerifyReport",
    "verify_log",
]

# Imported on first use: `merkle` serves the signer and a witness
# without the ledger's view, which reads the log's events.
_HOMES: dict[str, str] = {
    "BadEvent": "projections.audit.verify",
    "Checkpoint": "projections.audit.proofs",
    "ConsistencyProof": "projections.audit.proofs",
    "InclusionProof": "projections.audit.proofs",
    "Ledger": "projections.audit.ledger",
    "LedgerBehind": "projections.audit.ledger",
    "LedgerError": "projections.audit.ledger",
    "LedgerView": "projections.audit.ledger",
    "LoggedEvent": "projections.audit.proofs",
    "VerifyReport": "projections.audit.verify",
    "verify_log": "projections.audit.verify",
}

__getattr__ = lazy_names(__name__, _HOMES)
