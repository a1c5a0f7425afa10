"""`policy-timeline actors`: rename, alias, record or end a role, merge a duplicate.

Each command takes the body of the matching HTTP route (`POST /actors/{id}/...`)
as options, runs it through the write service as an import record of the same
type would (`domain.actor_records`), and prints the actor as it now stands.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import orjson

from api.routes.actors import actor_body
from domain import DomainError
from domain.actor_records import apply_actor_record
from projections.bootstrap import SystemConfig, bootstrap
from scripts.attesting import attest_after_write

__all__ = ["add_parser"]

# Each command: its record type, help, and options (name, help, required).
_COMMANDS: dict[str, tuple[str, str, tuple[tuple[str, str, bool], ...]]] = {
    "rename": (
        "rename",
        "change the display name from now on; the old one stays as an alias",
        (("name", "the new display name", True), ("reason", "why", False)),
    ),
    "role": (
        "role",
        "record a role the actor assumed (EDTF dates)",
        (
            ("title", "the role's title", True),
            ("organization", "where the role is held", False),
            ("start", "when it began, e.g. 2021-02-02", True),
            ("end", "when it ended, if it has", False),
        ),
    ),
    "role-end": (
        "role_end",
        "end an open role",
        (("title", "the open role's title", True), ("end", "when it ended", True)),
    ),
    "merge": (
        "merge",
        "mark the actor a duplicate of another: its entries read as the other's from now on",
        (("into", "the id of the actor it duplicates", True), ("reason", "why", True)),
    ),
}


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "actors", help="keep actors up to date: rename, alias, role, role-end, merge"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, (record, help_text, options) in _COMMANDS.items():
        sub = actions.add_parser(action, help=help_text)
        sub.add_argument("id", metavar="ID", help="the actor's id")
        for name, option_help, required in options:
            sub.add_argument(f"--{name}", required=required, help=option_help)
        _common(sub)
        sub.set_defaults(run=_run, record=record, fields=[name for name, _, _ in options])
    alias = actions.add_parser("alias", help="add another name the actor is known by")
    alias.add_argument("id", metavar="ID", help="the actor's id")
    alias.add_argument("alias", metavar="ALIAS")
    _common(alias)
    alias.set_defaults(run=_run, record="alias", fields=["alias"])


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", default="cli", help="principal to record as (%(default)s)")
    parser.add_argument(
        "--key", default=None, help="an idempotency key: run again with it, nothing changes"
    )
    parser.add_argument(
        "--expected-version", type=int, default=None, help="refuse unless the actor is at it"
    )


def _run(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"id": args.id}
    body.update({name: getattr(args, name) for name in args.fields if getattr(args, name)})
    if args.expected_version is not None:
        body["expected_version"] = args.expected_version
    with bootstrap(SystemConfig.from_url(args.db, os.environ)) as system:
        app = system.app
        try:
            result = apply_actor_record(
                app, args.record, body, by=args.by, idempotency_key=args.key
            )
        except DomainError as error:
            print(f"policy-timeline actors {args.action}: {error}", file=sys.stderr)
            return 1
        actor = app.get_actor(result.id, version=result.version)
        print(orjson.dumps(actor_body(actor, result.position)).decode())
        refused = attest_after_write(system)
    return 1 if refused else 0
