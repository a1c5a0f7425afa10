"""After a command writes: the ledger attests what it wrote, and the key signs it.

On SQLite no follower runs beside the command line, so `import` and
`load-sample` catch the ledger up themselves before they end (and, with
TIMELINE_SIGNING_KEY, sign its head): a store is never left holding events
nothing has witnessed. On PostgreSQL the ledger's follower does this. The
step itself is the composition root's (`System.attest`); this says how it went.
"""

from __future__ import annotations

import sys

from projections.bootstrap import System

__all__ = ["attest_after_write"]


def attest_after_write(system: System) -> bool:
    """Catch the ledger up (SQLite) and sign its head; True when the signer refused.

    Says on stderr how far the ledger reached and what was signed, or why not.
    """
    try:
        done = system.attest()
    except (OSError, ValueError) as error:
        print(f"policy-timeline: TIMELINE_SIGNING_KEY: {error}", file=sys.stderr)
        return True
    if done is None:
        return False
    if done.refusal is not None:
        print(f"policy-timeline: the log's signer refuses: {done.refusal}", file=sys.stderr)
        return True
    signed = "; checkpoint signed" if done.note is not None else ""
    print(
        f"the ledger attests {done.tree_size:,} events (position {done.position}){signed}",
        file=sys.stderr,
    )
    return False
