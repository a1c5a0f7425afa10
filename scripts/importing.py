"""`policy-timeline import FILE [--dry-run]`: load records from NDJSON, JSON or CSV,
idempotently, or only check them."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from domain.import_check import DryRun
from domain.import_formats import FORMATS, count_lines, export_origin, format_for, read_records
from domain.importing import import_file
from projections.bootstrap import System, SystemConfig, bootstrap
from projections.presentation.exports import head_hash
from scripts.attesting import attest_after_write
from scripts.progress import progress_bar

__all__ = ["add_parser", "check_and_report", "import_and_report", "run"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "import",
        help="import records (actors, sources, entries, corrections, retractions, links)",
        description="Import a file in the import format (README, 'Import'). Records already "
        "present are skipped; each bad record is reported with its line and skipped; "
        "the exit status is 1 when any record was bad. An export of this tool (ndjson, "
        "json, csv) imports back.",
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--by", default="import", help="principal to record as (%(default)s)")
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="default: from the file's extension"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check every record against the store and write nothing: print what would "
        "be recorded and each problem with its line",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.dry_run:
        return check_and_report(args.db, args.file, by=args.by, fmt=args.format)
    return import_and_report(args.db, args.file, by=args.by, fmt=args.format)


def check_and_report(db: str, path: Path, *, by: str, fmt: str | None = None) -> int:
    """Check `path` against the store at `db` and write nothing; print what it would
    record, each problem, and a summary; the exit status."""
    if not path.is_file():
        print(f"policy-timeline: cannot read {path}: no such file", file=sys.stderr)
        return 2

    def check(system: System, fmt: str) -> int:
        report = DryRun(system.app, by=by).check(read_records(path, fmt))
        for line in report.planned_lines():
            print(line)
        for line in report.problem_lines():
            print(line, file=sys.stderr)
        print(f"{path.name}: {report.summary()}")
        return 1 if report.bad else 0

    return _on_store(db, path, fmt, check)


def import_and_report(db: str, path: Path, *, by: str, fmt: str | None = None) -> int:
    """Import `path` into the store at `db`; print bad records and a summary; exit status."""
    console = Console(stderr=True)
    try:
        total = count_lines(path)
    except OSError as error:
        print(f"policy-timeline: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2

    def load(system: System, fmt: str) -> int:
        with progress_bar(console, f"importing {path.name}", total, every=_every(total)) as tick:
            reached = 0

            def advance(line: int) -> None:
                nonlocal reached
                tick(line - reached)
                reached = line

            report = import_file(system.app, path, by=by, fmt=fmt, on_progress=advance)
        for line in report.problem_lines():
            print(line, file=sys.stderr)
        print(f"{path.name}: {report.summary()}")
        refused = attest_after_write(system)
        return 1 if report.bad or refused else 0

    return _on_store(db, path, fmt, load)


def _on_store(db: str, path: Path, fmt: str | None, work: Callable[[System, str], int]) -> int:
    """`work` on the store at `db` and the file's format; exit status 2, said why,
    when the format is unknown or the file is an export of this very store."""
    system = bootstrap(SystemConfig.from_url(db, os.environ))
    try:
        fmt = fmt or format_for(path)
        if refusal := _exported_here(system, path, fmt):
            print(f"policy-timeline: {refusal}", file=sys.stderr)
            return 2
        return work(system, fmt)
    except ValueError as error:  # an unknown format
        print(f"policy-timeline: {error}", file=sys.stderr)
        return 2
    finally:
        system.close()


def _exported_here(system: System, path: Path, fmt: str) -> str | None:
    """Why `path` must not be imported here: it is an export of this very store, whose
    entries would be recorded a second time under new ids. None when it is not."""
    origin = export_origin(path, fmt)
    if origin is None:
        return None
    position, digest = origin
    if not 0 < position <= system.app.head_position():
        return None
    if head_hash(system.read_models(in_process=True), position) != digest:
        return None
    return (
        f"{path.name} is an export of this store (log position {position}, the same "
        "head hash): its entries are recorded here already, and importing it would "
        "record them again under new ids; import it into another store"
    )


def _every(total: int) -> int:
    """In a pipe, a progress line at each tenth of a large file, none for a small one."""
    return max(total // 10, 10_000)
