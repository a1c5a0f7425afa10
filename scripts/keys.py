"""`policy-timeline keys create --out FILE`: make an Ed25519 key for signed notes.

The log's key signs its checkpoints (give its file to the server as
TIMELINE_SIGNING_KEY); a witness's key (`--witness`) cosigns them. The file
holds the private key and is readable by its owner only; the verifier key,
which is public, is printed on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from projections.trust.notes import COSIGNATURE_V1, ED25519, NoteError, SignerKey
from projections.trust.signer import write_private

__all__ = ["DEFAULT_NAME", "add_parser", "run"]

DEFAULT_NAME = "localhost/policy-timeline"


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "keys",
        help="make a signing key for checkpoints (the log's) or cosignatures (a witness's)",
        description="Make an Ed25519 key in the C2SP signed-note format.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create",
        help="write a new private key to FILE and print its verifier key",
        description="Write a new private key to FILE (mode 0600) and print its verifier "
        "key on stdout. The log's key name is its checkpoints' origin unless "
        "TIMELINE_LOG_ORIGIN says otherwise.",
    )
    create.add_argument("--out", type=Path, required=True, metavar="FILE", help="the key file")
    create.add_argument(
        "--name",
        default=DEFAULT_NAME,
        help="the key's name, a schema-less URL such as example.com/log (default: %(default)s)",
    )
    create.add_argument(
        "--witness",
        action="store_true",
        help="a witness's cosigning key (signature type 0x04) instead of a log's",
    )
    create.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() or out.is_symlink():
        print(f"policy-timeline keys: {out} exists; a key is never overwritten", file=sys.stderr)
        return 2
    try:
        key = SignerKey.generate(args.name, COSIGNATURE_V1 if args.witness else ED25519)
        out.parent.mkdir(parents=True, exist_ok=True)
        # Claim the name first: of two runs at once, one makes the key, the other fails.
        os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        write_private(out, f"{key}\n")
    except FileExistsError:
        print(f"policy-timeline keys: {out} exists; a key is never overwritten", file=sys.stderr)
        return 2
    except (NoteError, OSError) as error:
        print(f"policy-timeline keys: {error}", file=sys.stderr)
        return 2
    print(key.verifier)
    return 0
