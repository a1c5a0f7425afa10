"""`policy-timeline tokens`: create, list and revoke the API's bearer tokens."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.tokens import SCOPES, TokenError, TokenStore
from projections.bootstrap import SystemConfig, bootstrap

DEFAULT_SCOPES = "read,write"


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "tokens", help="create, list and revoke API tokens"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="make a token and print it, alone, on stdout (it is stored as a hash)"
    )
    create.add_argument("name", metavar="NAME", help="the principal recorded with each write")
    create.add_argument(
        "--scopes",
        default=DEFAULT_SCOPES,
        help=f"comma-separated, of {', '.join(SCOPES)} (default: %(default)s; "
        "audit must be asked for)",
    )
    create.set_defaults(run=run_create)
    listing = actions.add_parser("list", help="show every token, active and revoked")
    listing.set_defaults(run=run_list)
    revoke = actions.add_parser("revoke", help="revoke the active token NAME")
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(run=run_revoke)


@contextmanager
def _token_store(args: argparse.Namespace) -> Iterator[TokenStore]:
    with bootstrap(SystemConfig.from_url(args.db)) as system:
        yield TokenStore(system.db)


def run_create(args: argparse.Namespace) -> int:
    try:
        with _token_store(args) as tokens:
            token = tokens.create(args.name, args.scopes.split(","))
    except TokenError as error:
        print(f"policy-timeline tokens create: {error}", file=sys.stderr)
        return 1
    # The token alone, so that `TOKEN=$(policy-timeline tokens create NAME)` works.
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    with _token_store(args) as tokens:
        found = tokens.list()
    rows = [("NAME", "SCOPES", "CREATED", "REVOKED")]
    rows += [
        (info.name, ",".join(info.scopes), info.created_at, info.revoked_at or "-")
        for info in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        # The last column is not padded, so no line ends in blanks.
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)),
            row[3],
            sep="  ",
        )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    with _token_store(args) as tokens:
        revoked = tokens.revoke(args.name)
    if not revoked:
        print(
            f"policy-timeline tokens revoke: no active token is named {args.name!r}",
            file=sys.stderr,
        )
        return 1
    print(f"revoked {args.name}")
    return 0
