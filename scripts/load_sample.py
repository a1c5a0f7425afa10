"""`policy-timeline load-sample`: import the curated sample chronology, idempotently."""

from __future__ import annotations

import argparse
from importlib.resources import as_file, files
from typing import Any

from scripts.importing import import_and_report

__all__ = ["SAMPLE", "add_parser", "run"]

SAMPLE = "border-talks-2023-12.ndjson"
PRINCIPAL = "sample"


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "load-sample",
        help="load the sample chronology (US-Mexico border talks, December 2023)",
        description="Import the sample file shipped with the package as principal "
        f"{PRINCIPAL!r}. Running it again adds nothing.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with as_file(files("scripts").joinpath("sample", SAMPLE)) as path:
        return import_and_report(args.db, path, by=PRINCIPAL)
