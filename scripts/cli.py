"""`policy-timeline`: parse the command line and hand over to one command module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from domain.store import DEFAULT_URL, StoreURLError

__all__ = ["COMMANDS", "Commands", "build_parser", "main"]

# Every command: the module whose `add_parser(commands)` declares it and whose
# `run` runs it, and the line `policy-timeline --help` shows for it (the module's
# own, which tests/unit/test_cli_imports.py keeps equal). A module is imported only
# when its command is chosen: importing all of them, and with them the engine,
# FastAPI and rich, took a second before anything ran.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("scripts.serve", "serve the HTTP API"),
    "bench": ("scripts.bench", "measure the engine beside plain baselines"),
    "replay": ("scripts.replay", "rebuild every view from the log and swap it in"),
    "project": (
        "scripts.project",
        "keep the views up with the log (PostgreSQL: a views process and a ledger one)",
    ),
    "import": (
        "scripts.importing",
        "import records (actors, sources, entries, corrections, retractions, links)",
    ),
    "entries": ("scripts.entries", "change entries from the command line (cite)"),
    "dates": ("scripts.dates", "resolve a date phrase ('last week') against a report's date"),
    "export": (
        "scripts.export",
        "write the timeline as md, html, csv, json, ndjson, ics or timelinejs",
    ),
    "load-sample": (
        "scripts.load_sample",
        "load the sample chronology (US-Mexico border talks, December 2023)",
    ),
    "tokens": ("scripts.tokens", "create, list and revoke API tokens"),
    "verify": (
        "scripts.verify",
        "check the stored log against its Merkle ledger, or a saved proof offline",
    ),
    "keys": (
        "scripts.keys",
        "make a signing key for checkpoints (the log's) or cosignatures (a witness's)",
    ),
    "witness": (
        "scripts.witness",
        "check that a log only grows, keep its checkpoints, and cosign them",
    ),
    "actors": (
        "scripts.actors",
        "keep actors up to date: rename, alias, role, role-end, merge",
    ),
}


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
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", action=Commands
    )
    for name, (_module, help_line) in COMMANDS.items():
        commands.add_parser(name, help=help_line, add_help=False)
    return parser


DB_HELP = "store URL: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB"


if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # generic only in typeshed
    _SubParsers = argparse._SubParsersAction


class Commands(_SubParsers):
    """The commands, each a placeholder until chosen: then its module is imported
    and declares its real parser in the placeholder's place."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        self.load(values[0])
        super().__call__(parser, namespace, values, option_string)

    def load(self, name: str) -> argparse.ArgumentParser:
        """The parser of command `name`, its module imported and asked to declare it
        (once); `--db` accepted after it."""
        if name not in self._loaded and name in COMMANDS:
            order = list(self._name_parser_map)
            del self._name_parser_map[name]
            self._choices_actions = [a for a in self._choices_actions if a.dest != name]
            import_module(COMMANDS[name][0]).add_parser(self)
            # Back in the table's order, for the list an unknown command is answered with.
            self._name_parser_map = {key: self._name_parser_map[key] for key in order}
            self.choices = self._name_parser_map
            _accept_db_after(self._name_parser_map[name])
            self._loaded.add(name)
        return self._name_parser_map[name]


def _accept_db_after(sub: argparse.ArgumentParser) -> None:
    """Let `--db` follow the command too (`policy-timeline verify --db URL`), at any depth.

    SUPPRESS leaves the value given before the command in place when none follows.
    """
    if not any("--db" in action.option_strings for action in sub._actions):
        sub.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    for action in sub._actions:
        if isinstance(action, argparse._SubParsersAction):
            for nested in set(action.choices.values()):
                _accept_db_after(nested)


class _Version(argparse.Action):
    """`--version`: the installed version, read only when asked for (reading the
    package metadata costs a tenth of a second at every start)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

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
