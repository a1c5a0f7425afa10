"""`policy-timeline export`: the timeline as a file, in one of the export formats.

The file goes to stdout, or with `-o FILE` to a file written beside it and
renamed into place when complete, so a failed export never leaves half a
file under the asked name. A symlink is followed, as the shell's `>` does:
the file it names is replaced and the link stays. A character device or FIFO
(`/dev/null`, `/dev/stdout`, a named pipe) is written into directly, since
renaming onto it would replace the device with a file. A terminal shows a progress bar on stderr.
Without `--format` the format is read from the name given to `-o`, as
`import` does. Errors (a bad filter, a bad `--as-of`, a store that cannot be
opened or does not exist, a name of no known format) are one line on stderr
and exit status 2; a bad filter in the words the API and web page use.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from domain import DomainError, ValidationError, parse_edtf_date
from domain.values import require_slug
from projections import TimelineFilters
from projections.audit.ledger import LedgerError
from projections.bootstrap import SystemConfig, bootstrap
from projections.presentation.exports import FORMATS, export, open_chronology
from projections.trust.signer import SigningRefused
from scripts.progress import progress_bar, stderr_console

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "export", help="write the timeline as md, html, csv, json, ndjson, ics or timelinejs"
    )
    parser.add_argument(
        "--format",
        choices=list(FORMATS),
        help="the file format (default: from the name given to -o, as import does)",
    )
    parser.add_argument("--topic", help="entries with this topic")
    parser.add_argument("--actor", help="entries naming this actor")
    parser.add_argument("--kind", help="entries of this kind")
    parser.add_argument(
        "--from", dest="start", metavar="EDTF", help="entries whose date ends on or after this"
    )
    parser.add_argument(
        "--to", dest="end", metavar="EDTF", help="entries whose date starts on or before this"
    )
    parser.add_argument("--q", help="words of the title, summary or quotes, all of them")
    parser.add_argument(
        "--include-retracted", action="store_true", help="keep retracted entries in"
    )
    parser.add_argument("--order", choices=("asc", "desc"), default="asc")
    parser.add_argument(
        "--as-of",
        metavar="POSITION|ISO-TIME",
        help="the record as it stood at this log position or time (default: now)",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: stdout")
    parser.set_defaults(run=run)


def format_for(path: Path | None) -> str:
    """The export format a file name asks for (`.ics`, `.timeline.json`); raise
    ValueError naming the accepted endings when it asks for none."""
    if path is not None:
        name = path.name.lower()
        # Longest ending first: `x.timeline.json` is TimelineJS, not JSON.
        for form in sorted(FORMATS.values(), key=lambda f: -len(f.extension)):
            if name.endswith("." + form.extension):
                return form.name
    endings = ", ".join(f".{f.extension}" for f in FORMATS.values())
    names = ", ".join(FORMATS)
    if path is None:
        raise ValueError(f"--format: give one of {names} (or -o FILE named {endings})")
    raise ValueError(
        f"-o: cannot tell the format from the name {path.name!r}; "
        f"name it {endings}, or give --format: {names}"
    )


def check_filters(args: argparse.Namespace) -> None:
    """Refuse a bad topic, actor or date as the API and the web page do, in the
    domain's words, before the store is opened."""
    for option in ("topic", "actor"):
        if (value := getattr(args, option)) is not None:
            require_slug(value, option)
    for option, value in (("from", args.start), ("to", args.end)):
        if value is not None:
            parse_edtf_date(value, option)


def run(args: argparse.Namespace) -> int:
    console = stderr_console()
    try:
        fmt = args.format or format_for(args.output)
        check_filters(args)
    except ValidationError as error:
        print(f"policy-timeline export: --{error.field}: {error.message}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"policy-timeline export: {error}", file=sys.stderr)
        return 2
    filters = TimelineFilters(
        topic=args.topic,
        actor=args.actor,
        kind=args.kind,
        start=args.start,
        end=args.end,
        q=args.q,
        include_retracted=args.include_retracted,
        order=args.order,
    )
    system = bootstrap(SystemConfig.from_url(args.db, os.environ))
    try:
        system.signer  # noqa: B018 (read now: a bad key is its own error)
    except (OSError, ValueError) as error:
        system.close()
        print(f"policy-timeline export: TIMELINE_SIGNING_KEY: {error}", file=sys.stderr)
        return 2
    try:
        # Caught up here on either store, so "now" is the log's head even where no
        # `policy-timeline project` runs; beside one, each event still applies once.
        # Views already level are read as they stand, without building the engine.
        read_side = system.level_views() or system.read_models(in_process=True)
        chronology = open_chronology(read_side, filters, as_of=args.as_of)
        try:
            with progress_bar(console, f"exporting {fmt}", chronology.estimate()) as tick:
                chronology.progress = tick
                with _destination(args.output) as out:
                    for chunk in export(chronology, fmt):
                        out.write(chunk)
        finally:
            chronology.close()
    except ValidationError as error:
        # Named as the option the user typed: `--from`, `--as-of`.
        option = "--" + error.field.replace("_", "-")
        print(f"policy-timeline export: {option}: {error.message}", file=sys.stderr)
        return 2
    except (DomainError, LedgerError, OSError) as error:
        print(f"policy-timeline export: {error}", file=sys.stderr)
        return 2
    except SigningRefused as refused:
        print(f"policy-timeline export: the log's signer refuses: {refused}", file=sys.stderr)
        return 1
    finally:
        system.close()
    return 0


@contextmanager
def _destination(path: Path | None) -> Iterator[IO[bytes]]:
    """stdout; a device or FIFO written directly; else a file beside `path` (beside
    the file a symlink names) renamed onto it once complete."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if path.is_dir():
        # Refused before the export runs, not at the rename after the last entry.
        raise IsADirectoryError(f"-o: {path} is a directory; expected a file to write")
    if path.exists() and not path.is_file():
        # A device or FIFO (/dev/null, /dev/stdout, a named pipe) is a stream to
        # write into: renaming a file onto it would replace the device itself.
        with path.open("wb") as out:
            yield out
        return
    # Followed like the shell's `>`: the link stays and the file it names gets the export.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as out:
            yield out
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
