"""The followers' supervisor: a follower that dies is started again, and one that
keeps dying is given up on, naming its view. The followers here are stand-ins
(real child processes that sleep or fail), so no store is needed."""

from __future__ import annotations

import os
import signal
import sys
import time
from threading import Event, Thread

import pytest

from projections.bootstrap import SystemConfig
from projections.views.timeline import TimelineView
from projections.views.view import View
from scripts.followers import FollowerFailed, Supervisor

CONFIG = SystemConfig.from_url("sqlite:///unused.db")


def sleep_until_stopped(config: SystemConfig, cls: type[View]) -> None:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    while True:
        time.sleep(1)


def fail_at_once(config: SystemConfig, cls: type[View]) -> None:
    sys.exit(3)


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + 60  # a bound for a stuck test, not a timing assertion
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_killed_follower_is_started_again() -> None:
    said: list[str] = []
    supervisor = Supervisor(
        CONFIG, views=(TimelineView,), target=sleep_until_stopped, backoff=0.01, log=said.append
    )
    stop = Event()
    runner = Thread(target=supervisor.run, args=(stop,))
    runner.start()
    try:
        _until(lambda: supervisor.pids().get("timeline"), "the follower never started")
        first = supervisor.pids()["timeline"]
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _until(
            lambda: supervisor.pids().get("timeline") not in (None, first),
            "the killed follower was not started again",
        )
    finally:
        stop.set()
        runner.join()
    assert said
    assert "the follower of the timeline view stopped (exit status -9)" in said[0]


def test_a_follower_that_keeps_failing_is_given_up_on_naming_its_view() -> None:
    said: list[str] = []
    supervisor = Supervisor(
        CONFIG,
        views=(TimelineView,),
        target=fail_at_once,
        max_failures=3,
        backoff=0.01,
        log=said.append,
    )

    with pytest.raises(FollowerFailed, match="the timeline view failed 3 times") as failed:
        supervisor.run(Event())

    assert failed.value.view == "timeline"
    assert len(said) == 2  # two restarts before giving up
    assert supervisor.pids() == {"timeline": None}
