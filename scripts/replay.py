"""`policy-timeline replay`: rebuild every view from the log beside the live one, then swap."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console

from projections import RebuildRunning
from projections.bootstrap import SystemConfig, bootstrap
from projections.views.changes import UnreadableEvent
from scripts.progress import progress_bar


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "replay", help="rebuild every view from the log and swap it in"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also compare each rebuilt view with the live one by digest before the swap; "
        "exit 1 when one differs",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    system = bootstrap(SystemConfig.from_url(args.db))
    read_models = system.read_models(in_process=False, signed=False)
    try:
        total = system.app.head_position()
        with progress_bar(console, "replaying the log", total) as tick:
            report = read_models.projector.rebuild(progress=tick, compare=args.compare)
    except RebuildRunning as error:
        print(f"policy-timeline replay: {error}", file=sys.stderr)
        return 1
    except UnreadableEvent as error:
        # An event altered by hand past decoding stops the rebuild before any swap.
        print(f"policy-timeline replay: {error}; the live views are kept", file=sys.stderr)
        return 1
    finally:
        system.close()
    print(
        f"replayed {report.events:,} events into {len(report.views)} views in "
        f"{report.seconds:.2f} s ({report.events_per_second:,.0f} events/s); "
        f"now at position {report.position}"
    )
    if report.beside:
        print(f"  loaded in a second process, beside the timeline: {', '.join(report.beside)}")
    print("  the audit ledger is not rebuilt: `policy-timeline verify` checks the log against it")
    differ = [name for name in report.live if report.live[name] != report.rebuilt[name]]
    for name in report.live:
        same = "DIFFERS from" if name in differ else "same as"
        print(f"  {name}: rebuilt view {same} the live one (sha256 {report.rebuilt[name][:16]})")
    # A script or a cron job auditing the views learns of a difference by the exit code.
    return 1 if differ else 0
