"""`policy-timeline project`: run the view followers as their own processes.

For PostgreSQL, where API processes do not apply events themselves: two
processes follow the log through the library's LISTEN/NOTIFY subscription
until interrupted, one for the views that can be rebuilt and one for the
ledger (`scripts.followers.follower_groups`), supervised: a follower that dies
is started again, and one that keeps dying ends the command with status 1
naming its group and views. On SQLite it catches up once and exits, since
there the views catch up in the process that writes or reads.
"""

from __future__ import annotations

import argparse
import signal
import sys
from threading import Event
from typing import Any

from projections.bootstrap import SystemConfig, bootstrap
from projections.dialect import dialect_of
from scripts.followers import FollowerFailed, Supervisor


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "project",
        help="keep the views up with the log (PostgreSQL: a views process and a ledger one)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = SystemConfig.from_url(args.db)
    if dialect_of(config.store).views_follow_in_process:
        position = _catch_up_once(config)
        print(f"SQLite views caught up to position {position}; on SQLite they follow in process")
        return 0
    _create(config)  # once, here: concurrent CREATE TABLEs in the followers would race
    stop = Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    supervisor = Supervisor(config, log=_say)
    groups = "; ".join(str(group) for group in supervisor.groups)
    print(
        f"following the log with {len(supervisor.groups)} processes: {groups}; Ctrl-C stops",
        flush=True,
    )
    try:
        supervisor.run(stop)
    except FollowerFailed as failed:
        print(f"policy-timeline project: {failed}", file=sys.stderr, flush=True)
        return 1
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _create(config: SystemConfig) -> None:
    with bootstrap(config) as system:
        system.projector().create()


def _catch_up_once(config: SystemConfig) -> int:
    with bootstrap(config) as system:
        projector = system.projector()
        projector.create()
        return projector.catch_up()
