"""Trust that does not depend on the database: signed checkpoints, witnesses, receipts.

- `notes`: C2SP signed notes, keys, checkpoints and cosignatures (Ed25519 by
  the `cryptography` package).
- `signer`: the log's signer, which keeps the largest tree it signed beside its
  key and refuses any tree not consistent with it.
- `checkpoints`: the ledger's heads, signed, with the witnesses' cosignatures.
- `receipts`: an event, its inclusion proof and the signed checkpoint in one
  file (C2SP tlog-proof), checked offline.
- `witness`: an independent party's check that the log only grows.
"""
