"""`policy-timeline dates resolve PHRASE --reference DATE`: the EDTF a phrase stands for."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "dates", help="resolve a date phrase ('last week') against a report's date"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    resolve = actions.add_parser(
        "resolve",
        help="the EDTF, strict bounds and basis of a phrase or an EDTF date",
        description="Read PHRASE ('last week', 'Wednesday', 'in November', 'for weeks', "
        "or EDTF) against the reference date, the report's original publication; "
        "prints the EDTF, its bounds and a sentence for the entry's note. "
        "Exit status 1 when the phrase is not understood. Reads no store.",
    )
    resolve.add_argument(
        "phrase", metavar="PHRASE", nargs="+", help="the words of the report (quoted or not)"
    )
    resolve.add_argument(
        "--reference",
        required=True,
        type=_day,
        metavar="DATE",
        help="the report's original publication date, YYYY-MM-DD",
    )
    resolve.add_argument("--json", action="store_true", help="print one JSON object")
    resolve.set_defaults(run=run_resolve)


def run_resolve(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the parser is built for every command.
    import orjson

    from domain.errors import DomainError
    from domain.relative_dates import resolve

    try:
        resolved = resolve(" ".join(args.phrase), args.reference)
    except DomainError as error:
        print(f"policy-timeline dates resolve: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(orjson.dumps(resolved.to_json()).decode())
    else:
        print(f"edtf:   {resolved.edtf}")
        print(f"bounds: between {resolved.start} and {resolved.end}")
        print(f"basis:  {resolved.basis}")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day; expected YYYY-MM-DD, such as 2023-12-28"
        ) from None
