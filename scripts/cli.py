"""`policy-timeline`: parse the command line and hand over to one command module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from domain import DEFAULT_URL, StoreURLError
from scripts import (
    bench,
    export,
    importing,
    keys,
    load_sample,
    project,
    replay,
    serve,
    tokens,
    verify,
    witness,
)

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-timeline",
        description="An event-sourced engine for public-policy chronologies.",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("TIMELINE_DB", DEFAULT_URL),
        help=DB_HELP + " (default: $TIMELINE_DB or %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_parser(commands)
    bench.add_parser(commands)
    replay.add_parser(commands)
    project.add_parser(commands)
    importing.add_parser(commands)
    export.add_parser(commands)
    load_sample.add_parser(commands)
    tokens.add_parser(commands)
    verify.add_parser(commands)
    keys.add_parser(commands)
    witness.add_parser(commands)
    _accept_db_after(commands)
    return parser


DB_HELP = "store URL: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB"


def _accept_db_after(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Let `--db` follow the command too (`policy-timeline verify --db URL`), at any depth.

    SUPPRESS leaves the value given before the command in place when none follows.
    """
    for sub in set(commands.choices.values()):
        if not any("--db" in action.option_strings for action in sub._actions):
            sub.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_db_after(action)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except StoreURLError as error:
        print(f"policy-timeline: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
