"""`policy-timeline verify`: check the log against its ledger, or a saved proof offline.

    verify                              recompute the ledger from the stored events
    verify --save-proof N [-o FILE]     save the inclusion proof of the event at N
    verify --save-consistency M N       save the proof that tree size M is a prefix of N
    verify --proof FILE                 check a saved inclusion proof (no store needed)
    verify --consistency FILE           check a saved consistency proof (no store needed)

Exit 0 when everything checks, 1 when something does not, 2 for a question
that cannot be asked (an unreadable file, a position the ledger does not hold).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from domain import TimelineApp, store_env
from projections import open_database
from projections.audit import VerifyReport, verify_log
from projections.ledger import (
    ConsistencyProof,
    InclusionProof,
    Ledger,
    LedgerError,
    log_table,
)
from scripts.progress import progress_bar

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "verify",
        help="check the stored log against its Merkle ledger, or a saved proof offline",
        description="Recompute the audit ledger from the stored events and compare; or "
        "save and check inclusion and consistency proofs.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--proof", type=Path, metavar="FILE", help="check a saved inclusion proof offline"
    )
    mode.add_argument(
        "--consistency",
        type=Path,
        metavar="FILE",
        help="check a saved consistency proof offline",
    )
    mode.add_argument(
        "--save-proof",
        type=int,
        metavar="POSITION",
        help="save the inclusion proof of the event at POSITION against the latest checkpoint",
    )
    mode.add_argument(
        "--save-consistency",
        type=int,
        nargs=2,
        metavar=("FIRST_SIZE", "SECOND_SIZE"),
        help="save the proof that the tree of FIRST_SIZE events is a prefix of SECOND_SIZE's",
    )
    parser.add_argument(
        "--against",
        type=int,
        metavar="POSITION",
        help="with --save-proof: prove against the tree head at this log position instead",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="where to save a proof (default: stdout)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.proof is not None:
            return _check_inclusion(args.proof, as_json=args.json)
        if args.consistency is not None:
            return _check_consistency(args.consistency, as_json=args.json)
        if args.save_proof is not None or args.save_consistency is not None:
            return _save(args)
        return _verify_log(args)
    except (OSError, ValueError, LedgerError) as error:
        print(f"policy-timeline verify: {error}", file=sys.stderr)
        return 2


# The whole log -----------------------------------------------------------------


def _verify_log(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    env = store_env(args.db)
    app = TimelineApp(env)
    db = open_database(env)
    try:
        with progress_bar(console, "verifying the log", app.head_position()) as tick:
            report = verify_log(db, log_table(app), progress=tick)
    finally:
        db.close()
        app.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(_describe(report))
    return 0 if report.ok else 1


def _describe(report: VerifyReport) -> str:
    head = (
        f"head: position {report.head_position}, {report.tree_size:,} events, "
        f"root {report.head_hash}"
    )
    if report.first_bad is not None:
        bad = report.first_bad
        return (
            f"NOT OK: the log and its ledger disagree at position {bad.position} "
            f"({bad.problem})\n  {bad.detail}\n"
            f"{report.checked:,} events matched before it; the ledger's {head}"
        )
    lines = [
        f"ok: {report.checked:,} events and {report.checkpoints:,} checkpoints match the ledger",
        head,
    ]
    if report.unattested:
        lines.append(
            f"{report.unattested:,} events after position {report.head_position} are not "
            "attested yet: the ledger has not seen them (`policy-timeline project` catches "
            "it up, as does any write or read through the engine)"
        )
    return "\n".join(lines)


# Saved proofs ------------------------------------------------------------------


def _save(args: argparse.Namespace) -> int:
    env = store_env(args.db)
    app = TimelineApp(env)
    db = open_database(env)
    try:
        ledger = Ledger(db, log_table(app))
        proof: InclusionProof | ConsistencyProof
        if args.save_proof is not None:
            proof = ledger.inclusion_proof(args.save_proof, against=args.against)
        else:
            first, second = args.save_consistency
            proof = ledger.consistency_proof(first, second)
    finally:
        db.close()
        app.close()
    text = json.dumps(proof.to_json(), indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
        print(f"saved the {proof.to_json()['kind']} proof to {args.output}", file=sys.stderr)
    return 0


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not JSON: expected UTF-8 text") from None


def _check_inclusion(path: Path, *, as_json: bool) -> int:
    proof = InclusionProof.from_json(_load(path))
    ok = proof.verify()
    event, head = proof.event, proof.head
    if as_json:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "kind": "inclusion",
                    "position": event.position,
                    "leaf_hash": proof.leaf_hash,
                    "head": head.to_json(),
                },
                indent=2,
            )
        )
    elif ok:
        print(
            f"ok: the event at position {event.position} (aggregate {event.originator_id}, "
            f"version {event.originator_version}, {event.topic}) is leaf {proof.leaf_index} of "
            f"the tree of {head.tree_size:,} events with root {head.root} "
            f"(position {head.position}, recorded {head.recorded_at})"
        )
    else:
        print(
            f"NOT OK: the event at position {event.position} and this path do not lead to "
            f"the root {head.root} of {head.tree_size:,} events: the event, the path or the "
            "head was changed, or they were never one proof"
        )
    return 0 if ok else 1


def _check_consistency(path: Path, *, as_json: bool) -> int:
    proof = ConsistencyProof.from_json(_load(path))
    ok = proof.verify()
    first, second = proof.first, proof.second
    if as_json:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "kind": "consistency",
                    "first": first.to_json(),
                    "second": second.to_json(),
                },
                indent=2,
            )
        )
    elif ok:
        print(
            f"ok: the tree of {first.tree_size:,} events (root {first.root}) is a prefix of "
            f"the tree of {second.tree_size:,} (root {second.root}): the log only grew"
        )
    else:
        print(
            f"NOT OK: this proof does not show the tree of {first.tree_size:,} events "
            f"(root {first.root}) inside the tree of {second.tree_size:,} (root {second.root})"
        )
    return 0 if ok else 1
