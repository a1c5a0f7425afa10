"""`policy-timeline witness URL --state DIR`: check, keep and cosign a log's checkpoints.

An independent party runs this against a server it does not control. Each
round fetches the signed checkpoint, checks the log's signature and a
consistency proof against the checkpoint kept in DIR, keeps the new one and,
with `--key`, cosigns it; with `--token` (scope audit) it posts the
cosignature back. Without `--every` it runs one round.

Exit 0 when every round verified, 1 when the log was refused (a wrong
signature, a roll-back, a fork or a failed proof, or a log that refuses to
sign and states another root for the tree kept; the evidence is in
DIR/evidence/), 2 when the question cannot be asked (no server, a bad key).
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from projections.trust.notes import COSIGNATURE_V1, NoteError, SignerKey, VerifierKey
from projections.trust.witness import Answered, Fetch, Refused, Round, Witness

__all__ = ["add_parser", "run"]

API = "/api/v1"
TIMEOUT_SECONDS = 30.0


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "witness",
        help="check that a log only grows, keep its checkpoints, and cosign them",
        description="Fetch the log's signed checkpoint, check its signature and a "
        "consistency proof from the checkpoint kept in --state, keep it and, with --key, "
        "cosign it (C2SP tlog-cosignature v1).",
    )
    parser.add_argument("url", metavar="URL", help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--state", type=Path, required=True, metavar="DIR", help="the witness's own folder"
    )
    parser.add_argument(
        "--key",
        type=Path,
        metavar="FILE",
        help="the witness's cosigning key (policy-timeline keys create --witness)",
    )
    parser.add_argument(
        "--token", help="a token of scope audit, to post the cosignature to the log"
    )
    parser.add_argument(
        "--log-key",
        metavar="KEY",
        help="the log's verifier key to trust (default: the one the log serves on first use)",
    )
    parser.add_argument(
        "--every", type=float, metavar="SECONDS", help="run a round every SECONDS, for ever"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        key = None if args.key is None else SignerKey.parse(args.key.read_text())
        if key is not None and key.kind != COSIGNATURE_V1:
            raise NoteError(f"{args.key} is a log's key; a witness cosigns with --witness keys")
        witness = Witness(args.state, key)
        if args.log_key:
            witness.pin(VerifierKey.parse(args.log_key))
    except (OSError, ValueError) as error:
        print(f"policy-timeline witness: {error}", file=sys.stderr)
        return 2
    base = args.url.rstrip("/")
    if not base.endswith(API):
        base += API
    while True:
        code = _round(witness, base, args.token)
        if args.every is None or code == 1:
            return code
        time.sleep(args.every)


def _round(witness: Witness, base: str, token: str | None) -> int:
    try:
        done = witness.run_once(_fetcher(base))
        if done.cosigned is not None and witness.key is not None and token is not None:
            _post(base, token, str(done.cosigned), str(witness.key.verifier))
    except Refused as refused:
        print(f"policy-timeline witness: REFUSED: {refused}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"policy-timeline witness: {error}", file=sys.stderr)
        return 2
    print(_describe(done))
    return 0


def _describe(done: Round) -> str:
    grew = (
        "first checkpoint kept"
        if done.previous is None
        else f"consistent with the tree of {done.previous.size:,} kept before"
    )
    cosigned = "; cosigned" if done.cosigned is not None else ""
    return (
        f"ok: {done.head.origin} at {done.head.size:,} events, root "
        f"{done.head.root.hex()}: {grew}{cosigned}"
    )


def _fetcher(base: str) -> Fetch:
    def fetch(path: str) -> bytes:
        try:
            with urllib.request.urlopen(base + path, timeout=TIMEOUT_SECONDS) as response:
                body: bytes = response.read()
        except urllib.error.HTTPError as error:
            said = _read(error)
            raise Answered(
                f"GET {base}{path} answered {error.code}: {_detail(error, said)}", error.code, said
            ) from None
        except urllib.error.URLError as error:
            raise OSError(f"GET {base}{path} failed: {error.reason}") from None
        return body

    return fetch


def _post(base: str, token: str, checkpoint: str, key: str) -> None:
    body = orjson.dumps({"checkpoint": checkpoint, "key": key})
    request = urllib.request.Request(
        base + "/audit/cosignatures",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):
            pass
    except urllib.error.HTTPError as error:
        raise OSError(
            f"posting the cosignature answered {error.code}: {_detail(error, _read(error))}"
        ) from None
    except urllib.error.URLError as error:
        raise OSError(f"posting the cosignature failed: {error.reason}") from None


def _read(error: urllib.error.HTTPError) -> bytes:
    try:
        body: bytes = error.read()
    except OSError:
        return b""
    return body


def _detail(error: urllib.error.HTTPError, body: bytes) -> str:
    try:
        return str(orjson.loads(body).get("detail", error.reason))
    except (orjson.JSONDecodeError, AttributeError):
        return str(error.reason)
