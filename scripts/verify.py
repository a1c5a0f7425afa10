"""`policy-timeline verify`: check the log against its ledger, or a saved proof offline.

    verify                              recompute the ledger from the stored events
    verify --trusted FILE [--key KEY]   ... and prove the log consistent with checkpoints
                                        kept outside the database (repeatable)
    verify --receipt FILE --key KEY     check a receipt offline (no store needed)
    verify --save-proof N [-o FILE]     save the inclusion proof of the event at N
    verify --save-consistency M N       save the proof that tree size M is a prefix of N
    verify --proof FILE                 check a saved inclusion proof (no store needed)
    verify --consistency FILE           check a saved consistency proof (no store needed)

Exit 0 when everything checks, 1 when something does not, 2 for a question
that cannot be asked (an unreadable file, a position the ledger does not hold),
3 when nothing is wrong but the ledger has not witnessed every event yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from projections.audit.ledger import Ledger, LedgerError
from projections.audit.proofs import ConsistencyProof, InclusionProof
from projections.audit.verify import VerifyReport, verify_log
from projections.bootstrap import SystemConfig, bootstrap
from projections.dialect import Dialect
from projections.trust.checkpoints import SignedCheckpoints
from projections.trust.notes import VerifierKey
from projections.trust.receipts import Receipt
from projections.trust.trusted import check_trusted
from scripts.progress import progress_bar
from scripts.trusted import read_key

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
        "--receipt",
        type=Path,
        metavar="FILE",
        help="check a saved receipt (GET /audit/receipt) offline; needs --key",
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
    parser.add_argument(
        "--trusted",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a signed checkpoint kept outside the database (GET /audit/checkpoint); the "
        "log must be consistent with it (repeatable)",
    )
    parser.add_argument(
        "--key",
        metavar="KEY",
        help="the log's verifier key, or a file holding it (GET /audit/key); default: the "
        "key of TIMELINE_SIGNING_KEY",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.proof is not None:
            return _check_inclusion(args.proof, as_json=args.json)
        if args.consistency is not None:
            return _check_consistency(args.consistency, as_json=args.json)
        if args.receipt is not None:
            return _check_receipt(args.receipt, args.key, as_json=args.json)
        if args.save_proof is not None or args.save_consistency is not None:
            return _save(args)
        return _verify_log(args)
    except (OSError, ValueError, LedgerError) as error:
        print(f"policy-timeline verify: {error}", file=sys.stderr)
        return 2


# The whole log -----------------------------------------------------------------


def _verify_log(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    system = bootstrap(SystemConfig.from_url(args.db, os.environ))
    try:
        signer = system.signer
        key = read_key(args.key) if args.key else (signer.verifier if signer else None)
        if args.trusted and key is None:
            raise ValueError(
                "--trusted needs the log's key: give --key KEY (GET /api/v1/audit/key)"
            )
        app, db = system.app, system.db
        with progress_bar(console, "verifying the log", app.head_position()) as tick:
            report = verify_log(db, progress=tick)
        ledger = Ledger(db)
        refusal = None
        if signer is not None and report.ok:
            refusal = SignedCheckpoints(db, ledger, signer).check()
        trusted = [] if key is None else check_trusted(ledger, args.trusted, key, report.ok)
        behind = _follower_note(db.dialect, report)
    finally:
        system.close()
    failed = not report.ok or refusal is not None or any(not t.ok for t in trusted)
    if args.json:
        body = report.to_json()
        body["ok"] = body["ok"] and not failed
        body["signer"] = refusal or ("consistent" if signer else "no key")
        body["trusted"] = [t.to_json() for t in trusted]
        print(json.dumps(body, indent=2))
    else:
        print(_describe(report, behind))
        if refusal is not None:
            print(f"NOT OK: the log's signer refuses its latest checkpoint: {refusal}")
        for check in trusted:
            print(check.describe())
    if failed:
        return 1
    return 0 if report.complete else UNATTESTED


UNATTESTED = 3
"""verify's exit status when nothing is wrong but some events are not witnessed yet."""


def _follower_note(dialect: Dialect, report: VerifyReport) -> str:
    if report.complete:
        return ""
    if dialect.views_follow_in_process:
        return (
            "every command that writes catches the ledger up on SQLite, so these were "
            "written by something else: `policy-timeline project` or any read through the "
            "server attests them"
        )
    return (
        f"the ledger's follower (`policy-timeline project`) is {report.unattested:,} events "
        "behind the log"
    )


def _describe(report: VerifyReport, behind: str = "") -> str:
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
    if report.unattested:
        return (
            f"NOT OK yet: {report.unattested:,} events after position {report.head_position} "
            f"are not attested: the ledger has not witnessed them; {behind}\n"
            f"{report.checked:,} events and {report.checkpoints:,} checkpoints before them "
            f"match the ledger; {head}"
        )
    return "\n".join(
        [
            f"ok: {report.checked:,} events and {report.checkpoints:,} checkpoints match "
            "the ledger",
            head,
        ]
    )


# Saved proofs ------------------------------------------------------------------


def _save(args: argparse.Namespace) -> int:
    system = bootstrap(SystemConfig.from_url(args.db))
    try:
        # The ledger's tables alone: a proof needs no write service.
        ledger = Ledger(system.db)
        proof: InclusionProof | ConsistencyProof
        if args.save_proof is not None:
            proof = ledger.inclusion_proof(args.save_proof, against=args.against)
        else:
            first, second = args.save_consistency
            proof = ledger.consistency_proof(first, second)
    finally:
        system.close()
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


def _check_receipt(path: Path, key_text: str | None, *, as_json: bool) -> int:
    if not key_text:
        raise ValueError("--receipt needs the log's key: --key KEY (GET /api/v1/audit/key)")
    key: VerifierKey = read_key(key_text)
    try:
        receipt = Receipt.parse(path.read_text())
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a receipt: expected UTF-8 text") from None
    problem = receipt.problem(key)
    event = receipt.event
    if as_json:
        print(json.dumps({"ok": problem is None, "position": event.position, "problem": problem}))
    elif problem is None:
        print(
            f"ok: the event at position {event.position} (aggregate {event.originator_id}, "
            f"version {event.originator_version}, {event.topic}) is leaf {receipt.index} of "
            f"the tree signed by {key.name}:\n{receipt.checkpoint.text}",
            end="",
        )
    else:
        print(f"NOT OK: {problem}")
    return 0 if problem is None else 1


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
