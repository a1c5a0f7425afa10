"""`policy-timeline project`: run the view followers as their own processes.

For PostgreSQL, where API processes do not apply events themselves: one
process per view follows the log through the library's LISTEN/NOTIFY
subscription until interrupted. On SQLite it catches up once and exits,
since there the views catch up in the process that writes or reads.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
from threading import Event
from types import FrameType
from typing import Any

from projections import VIEW_CLASSES, View
from projections.bootstrap import SystemConfig, bootstrap
from projections.dialect import dialect_of


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "project", help="keep the views up with the log (PostgreSQL: one process per view)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = SystemConfig.from_url(args.db)
    if dialect_of(config.store).views_follow_in_process:
        position = _catch_up_once(config)
        print(f"SQLite views caught up to position {position}; on SQLite they follow in process")
        return 0
    _create(config)  # once, here: concurrent CREATE TABLEs in the followers would race
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=follow, args=(config, cls), name=f"project-{cls.name}", daemon=False
        )
        for cls in VIEW_CLASSES
    ]
    for process in processes:
        process.start()
    print(f"following the log with {len(processes)} view processes; Ctrl-C stops", flush=True)

    def forward(signum: int, frame: FrameType | None) -> None:
        for process in processes:
            if process.pid is not None and process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for process in processes:
        process.join()
    return max((process.exitcode or 0) for process in processes) if processes else 0


def follow(config: SystemConfig, cls: type[View]) -> None:
    """One view's follower: apply new events as they are stored, until SIGTERM or SIGINT."""
    stop = Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    with bootstrap(config) as system:
        projector = system.projector([cls])
        projector.create()
        projector.follow(stop)
    sys.exit(0)


def _create(config: SystemConfig) -> None:
    with bootstrap(config) as system:
        system.projector().create()


def _catch_up_once(config: SystemConfig) -> int:
    with bootstrap(config) as system:
        projector = system.projector()
        projector.create()
        return projector.catch_up()
