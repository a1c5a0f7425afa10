"""A lane runs each call on its own thread and hands back its result or its error."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from api.lanes import Lane

T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`asyncio.run` on a thread of its own: in the whole suite the browser tests'
    Playwright keeps an event loop running on the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def test_a_lane_answers_each_call_from_its_thread_in_turn() -> None:
    lane = Lane("test-lane")

    async def ask() -> list[tuple[int, str]]:
        calls = [lambda n=n: (n, threading.current_thread().name) for n in range(5)]
        return await asyncio.gather(*(lane.run(call) for call in calls))

    answers = _run(ask)

    assert [n for n, _ in answers] == [0, 1, 2, 3, 4]
    assert {name for _, name in answers} == {"test-lane"}


def test_an_error_in_a_call_is_raised_where_it_was_awaited_and_the_lane_goes_on() -> None:
    lane = Lane("test-lane-errors")

    def fails() -> int:
        raise ValueError("no page")

    async def ask() -> int:
        with pytest.raises(ValueError, match="no page"):
            await lane.run(fails)
        return await lane.run(lambda: 7)

    assert _run(ask) == 7


def test_a_lane_serves_two_event_loops_one_after_the_other() -> None:
    lane = Lane("test-lane-loops")

    assert _run(lambda: lane.run(lambda: 1)) == 1
    assert _run(lambda: lane.run(lambda: 2)) == 2
