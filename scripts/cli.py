"""`policy-timeline`: parse the command line and hand over to one command module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from domain import DEFAULT_URL, StoreURLError
from scripts import bench, export, importing, load_sample, project, replay, serve, tokens, verify

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-timeline",
        description="An event-sourced engine for public-policy chronologies.",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("TIMELINE_DB", DEFAULT_URL),
        help="store URL: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB "
        "(default: $TIMELINE_DB or %(default)s)",
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
    return parser


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
