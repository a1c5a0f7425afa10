"""`policy-timeline entries cite ENTRY --source S`: one more source for an entry."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from typing import Any
from uuid import UUID

import orjson

from domain import DomainError, EntryNotFound
from projections.bootstrap import SystemConfig, bootstrap
from scripts.attesting import attest_after_write

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "entries", help="change entries from the command line (cite)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    cite = actions.add_parser(
        "cite",
        help="cite one more source for an entry",
        description="Add a registered source to an entry, as POST /entries/{id}/citations "
        "does; prints {id, version, position} as JSON. Exit status 1 when it is refused.",
    )
    cite.add_argument("entry", metavar="ENTRY", help="the entry's id (a UUID)")
    cite.add_argument("--source", required=True, help="the id of a registered source")
    cite.add_argument("--quote", help="the exact words of the source")
    cite.add_argument("--locator", help="where in the source: page, paragraph, timestamp")
    cite.add_argument(
        "--expected-version", type=int, default=None, help="refuse unless the entry is at it"
    )
    cite.add_argument("--by", default="cli", help="principal to record as (%(default)s)")
    cite.add_argument("--key", default=None, help="an idempotency key: a retry changes nothing")
    cite.set_defaults(run=run_cite)


def run_cite(args: argparse.Namespace) -> int:
    citation = {"source": args.source, "quote": args.quote, "locator": args.locator}
    with bootstrap(SystemConfig.from_url(args.db, os.environ)) as system:
        try:
            result = system.app.cite_source(
                _entry_id(args.entry),
                {name: value for name, value in citation.items() if value is not None},
                by=args.by,
                expected_version=args.expected_version,
                idempotency_key=args.key,
            )
        except DomainError as error:
            print(f"policy-timeline entries cite: {error}", file=sys.stderr)
            return 1
        print(orjson.dumps(asdict(result)).decode())
        refused = attest_after_write(system)
    return 1 if refused else 0


def _entry_id(text: str) -> str:
    """The id as the store spells it; any spelling of a UUID finds the same entry."""
    try:
        return str(UUID(text))
    except ValueError:
        raise EntryNotFound(text) from None
