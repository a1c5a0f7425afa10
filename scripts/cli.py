"""`policy-timeline`: parse the command line and hand over to one command module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit

from domain import DEFAULT_URL, StoreURLError
from scripts import (
    actors,
    bench,
    entries,
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_parser(commands)
    bench.add_parser(commands)
    replay.add_parser(commands)
    project.add_parser(commands)
    importing.add_parser(commands)
    entries.add_parser(commands)
    export.add_parser(commands)
    load_sample.add_parser(commands)
    tokens.add_parser(commands)
    verify.add_parser(commands)
    keys.add_parser(commands)
    witness.add_parser(commands)
    actors.add_parser(commands)
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


def _version() -> str:
    try:
        return version("policy-timeline")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


# Commands that only read a store, with the options that make them need none
# (`verify --proof FILE` checks a file offline). Opening a SQLite store creates
# it, so a mistyped path would be read as an empty record, and a file left behind.
READS: dict[str, tuple[str, ...]] = {
    "export": (),
    "verify": ("proof", "consistency", "receipt"),
    "replay": (),
}


def missing_store(args: argparse.Namespace) -> str | None:
    """Why a read command cannot run on `args.db`: a SQLite file that does not exist."""
    offline = READS.get(args.command)
    if offline is None or any(getattr(args, name, None) is not None for name in offline):
        return None
    # Read from the URL here: parsing it as a store makes the file's folder.
    parts = urlsplit(args.db)
    name = parts.path[1:]  # as `domain.store` reads it
    if parts.scheme != "sqlite" or name in ("", ":memory:") or Path(name).exists():
        return None  # not a SQLite file, or one that exists; a bad URL is the command's
    return (
        f"no store at {name} ({args.db}); give the store with --db or TIMELINE_DB, "
        "or create one with `policy-timeline import` or `serve`"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if (missing := missing_store(args)) is not None:
            print(f"policy-timeline {args.command}: {missing}", file=sys.stderr)
            return 2
        code: int = args.run(args)
    except StoreURLError as error:
        print(f"policy-timeline: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
