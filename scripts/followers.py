"""The view followers as supervised child processes, for `project` and `serve`.

On PostgreSQL the views are kept up by two follower processes on the library's
LISTEN/NOTIFY subscription (`projections.Projector.follow`), one per group
(`follower_groups`): every view that can be rebuilt from the log in one, which
reads and decodes each batch of events once and applies it to all of them in
one transaction, committed without waiting for the disk; and the ledger apart,
whose commits wait for the disk, as a witness's must. A follower that dies
(killed, out of memory, a lost connection it could not survive) is started
again at once, and after a pause that doubles with each further failure in a
row; one that fails `max_failures` times in a row, none of its runs lasting
`steady_seconds`, is
given up on: the supervisor stops the others and reports which group and
views, since a view that cannot apply an event must stop rather than skip it.

The followers are forked from a fork server that has loaded the engine once
(multiprocessing's "forkserver" start method): a follower started afresh
with "spawn" imports the whole command line again, seconds on a busy machine,
during which every write waits for the view it keeps. A fork is ready at once,
and the server is a fresh single-threaded process, so it forks safely however
many threads the supervising process runs (`serve`).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from threading import Event

from domain import PostgresConfig
from projections import VIEW_CLASSES, View
from projections.audit.ledger import LedgerView
from projections.bootstrap import SystemConfig, bootstrap

__all__ = ["FollowerFailed", "FollowerGroup", "Supervisor", "follow", "follower_groups"]

logger = logging.getLogger(__name__)

Target = Callable[[SystemConfig, Sequence[type[View]]], None]


@dataclass(frozen=True)
class FollowerGroup:
    """Views one follower process keeps up together, a batch to a transaction."""

    name: str
    views: tuple[type[View], ...]

    def __str__(self) -> str:
        return f"{self.name} follower ({', '.join(view.name for view in self.views)})"


def follower_groups(views: Sequence[type[View]] = VIEW_CLASSES) -> tuple[FollowerGroup, ...]:
    """The rebuildable views as one group, `views`; each other view (the ledger) alone.

    Together, the views cost one read and one decode of each batch, and one
    commit, where a process each cost as many of all three as there are views.
    The rebuildable views commit without waiting for the disk (a crash loses
    nothing the log cannot give again); a view that is not rebuildable must
    wait for it, and in a group of its own it does not hold the others back.
    """
    rebuildable = tuple(view for view in views if view.rebuildable)
    groups = [FollowerGroup("views", rebuildable)] if rebuildable else []
    groups.extend(FollowerGroup(view.name, (view,)) for view in views if not view.rebuildable)
    return tuple(groups)


class FollowerFailed(RuntimeError):
    """A follower failed too many times in a row; the message names its group and views."""

    def __init__(self, group: FollowerGroup, failures: int, exitcode: int | None) -> None:
        super().__init__(
            f"the {group} failed {failures} times in a row "
            f"(last exit status {exitcode}); giving up"
        )
        self.group = group.name
        self.views = tuple(view.name for view in group.views)


def follow(config: SystemConfig, views: Sequence[type[View]]) -> None:
    """One group's follower: apply new events to `views` as they are stored, until SIGTERM.

    Ctrl-C reaches the whole process group; the supervisor alone answers it, and
    stops its followers, so a follower never looks to it as if it had died.
    """
    stop = Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with bootstrap(_one_thread(config)) as system:
        projector = system.projector(views)
        for view in projector.views:
            if isinstance(view, LedgerView):
                # Its follower alone grows the tree; `follow` redoes a batch it
                # finds moved, so the tip it kept is asserted, not read again.
                view.asserts_its_tip = True
        projector.create()
        projector.follow(stop)
    sys.exit(0)


FOLLOWER_CONNECTIONS = 1
"""Per pool of a follower process: the log's and the views'."""
ENGINE_PACKAGES = ("domain", "projections", "api", "scripts")


def _engine_modules() -> list[str]:
    """The engine's modules this process has loaded, for the fork server to load once."""
    return sorted(
        name
        for name, module in sys.modules.items()
        if name.split(".")[0] in ENGINE_PACKAGES and getattr(module, "__spec__", None)
    )


def _one_thread(config: SystemConfig) -> SystemConfig:
    """`config` for a follower: one thread, so one connection to each pool is enough
    (with the one it listens on, three a group) where a server's defaults keep many."""
    if isinstance(config.store, PostgresConfig):
        return replace(config, store=replace(config.store, connections=FOLLOWER_CONNECTIONS))
    return config


@dataclass
class _Child:
    group: FollowerGroup
    process: BaseProcess | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float = 0.0


@dataclass
class Supervisor:
    """Runs one follower process per group of views and starts again any that dies."""

    config: SystemConfig
    groups: Sequence[FollowerGroup] = field(default_factory=follower_groups)
    target: Target = follow
    max_failures: int = 5
    """Failures in a row, each within `steady_seconds` of its start, before giving up."""
    backoff: float = 0.5
    """The pause before the second restart in a row (the first is at once: a killed
    follower holds every write back); it doubles with each failure, up to `max_backoff`."""
    max_backoff: float = 30.0
    steady_seconds: float = 60.0
    poll_seconds: float = 0.2
    """How often `stop` is looked at; a follower's death wakes the supervisor at once."""
    log: Callable[[str], None] = field(default=logger.warning)
    _children: list[_Child] = field(default_factory=list, init=False)

    def run(self, stop: Event) -> None:
        """Start the followers and keep them running until `stop`; then stop them.

        Raise FollowerFailed when one fails `max_failures` times in a row.
        """
        context = multiprocessing.get_context("forkserver")
        # Each child still runs the parent's main module again (the command line),
        # which is cheap once the server has loaded what that module imports.
        context.set_forkserver_preload(_engine_modules())
        self._children = [_Child(group) for group in self.groups]
        try:
            for child in self._children:
                self._start(context, child)
            while not stop.is_set():
                # Woken by a child's exit (its sentinel), or by the poll, for `stop`
                # and the restarts that are due.
                wait(self._sentinels(), timeout=self.poll_seconds)
                for child in self._children:
                    self._check(context, child)
        finally:
            self._stop_all()

    def pids(self) -> dict[str, int | None]:
        """Each group's follower process id now, by the group's name (None while it
        waits to be restarted)."""
        return {
            child.group.name: None if child.process is None else child.process.pid
            for child in self._children
        }

    def _sentinels(self) -> list[int]:
        return [c.process.sentinel for c in self._children if c.process is not None]

    def _start(self, context: ForkServerContext, child: _Child) -> None:
        child.process = context.Process(
            target=self.target,
            args=(self.config, child.group.views),
            name=f"project-{child.group.name}",
            daemon=False,
        )
        child.process.start()
        child.started = time.monotonic()

    def _check(self, context: ForkServerContext, child: _Child) -> None:
        now = time.monotonic()
        process = child.process
        if process is None:
            if now >= child.restart_at:
                self._start(context, child)
            return
        if process.is_alive():
            return
        process.join()
        exitcode = process.exitcode
        child.process = None
        if now - child.started >= self.steady_seconds:
            child.failures = 0
        child.failures += 1
        if child.failures >= self.max_failures:
            raise FollowerFailed(child.group, child.failures, exitcode)
        pause = (
            0.0
            if child.failures == 1
            else min(self.backoff * 2 ** (child.failures - 2), self.max_backoff)
        )
        when = f"in {pause:g} s" if pause else "now"
        self.log(
            f"the {child.group} stopped (exit status {exitcode}); "
            f"starting it again {when} ({child.failures} failures in a row)"
        )
        child.restart_at = now + pause
        if not pause:
            self._start(context, child)

    def _stop_all(self) -> None:
        running = [c.process for c in self._children if c.process is not None]
        for process in running:
            if process.is_alive():
                process.terminate()
        for process in running:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
