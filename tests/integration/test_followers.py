"""The followers' supervisor: a follower that dies is started again, and one that
keeps dying is given up on, naming its group and views. The followers here are
stand-ins (real child processes that sleep or fail), so no store is needed."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence
from threading import Event, Thread

import pytest

from projections import VIEW_CLASSES
from projections.audit.ledger import LedgerView
from projections.bootstrap import SystemConfig
from projections.views.history import EntryHistoryView
from projections.views.timeline import TimelineView
from projections.views.view import View
from scripts.followers import FollowerFailed, FollowerGroup, Supervisor, follower_groups

pytestmark = pytest.mark.alone

CONFIG = SystemConfig.from_url("sqlite:///unused.db")
VIEWS = FollowerGroup("views", (TimelineView, EntryHistoryView))


def sleep_until_stopped(config: SystemConfig, views: Sequence[type[View]]) -> None:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    while True:
        time.sleep(1)


def fail_at_once(config: SystemConfig, views: Sequence[type[View]]) -> None:
    sys.exit(3)


def test_the_rebuildable_views_follow_in_one_group_and_the_ledger_in_another() -> None:
    groups = follower_groups()

    assert [group.name for group in groups] == ["views", "ledger"]
    views, ledger = groups
    assert set(views.views) == {cls for cls in VIEW_CLASSES if cls.rebuildable}
    assert ledger.views == (LedgerView,)
    assert sum(len(group.views) for group in groups) == len(VIEW_CLASSES)


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + 60  # a bound for a stuck test, not a timing assertion
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_killed_follower_is_started_again_at_once_and_a_second_death_waits() -> None:
    """The first restart holds no write back for a pause; the backoff is for a
    follower that keeps dying (here long enough that waiting for it would fail)."""
    said: list[str] = []
    supervisor = Supervisor(
        CONFIG,
        groups=(VIEWS,),
        target=sleep_until_stopped,
        backoff=120.0,
        max_backoff=300.0,
        log=said.append,
    )
    stop = Event()
    runner = Thread(target=supervisor.run, args=(stop,))
    runner.start()
    try:
        _until(lambda: supervisor.pids().get("views"), "the follower never started")
        first = supervisor.pids()["views"]
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _until(
            lambda: supervisor.pids().get("views") not in (None, first),
            "the killed follower was not started again at once",
        )
        second = supervisor.pids()["views"]
        assert second is not None
        os.kill(second, signal.SIGKILL)
        _until(lambda: len(said) == 2, "the second death was not seen")
    finally:
        stop.set()
        runner.join()
    assert "the views follower (timeline, entry_history) stopped (exit status -9)" in said[0]
    assert "starting it again now (1 failures in a row)" in said[0]
    assert "starting it again in 120 s (2 failures in a row)" in said[1]


def test_a_group_that_keeps_failing_is_given_up_on_naming_it_and_its_views() -> None:
    said: list[str] = []
    supervisor = Supervisor(
        CONFIG,
        groups=(VIEWS,),
        target=fail_at_once,
        max_failures=3,
        backoff=0.01,
        log=said.append,
    )

    with pytest.raises(
        FollowerFailed, match=r"the views follower \(timeline, entry_history\) failed 3 times"
    ) as failed:
        supervisor.run(Event())

    assert failed.value.group == "views"
    assert failed.value.views == ("timeline", "entry_history")
    assert len(said) == 2  # two restarts before giving up
    assert supervisor.pids() == {"views": None}
