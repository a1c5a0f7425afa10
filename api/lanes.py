"""A thread of its own for one kind of blocking call, awaited from event loops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from queue import SimpleQueue
from typing import Any, TypeVar

__all__ = ["Lane"]

T = TypeVar("T")


class Lane:
    """One thread answering calls from event loops, in turn.

    As `loop.run_in_executor` on a pool of one, without its two futures and
    their chaining per call, which under load cost the event loop more than a
    page's query."""

    def __init__(self, name: str) -> None:
        self._calls: SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]]] = SimpleQueue()
        self._name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def run(self, call: Callable[[], T]) -> T:
        """`call()`, on the lane's thread; its result, or its exception raised here."""
        if self._thread is None:
            self._start()
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._calls.put((call, done))
        return await done

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            call, done = self._calls.get()
            try:
                result, error = call(), None
            except BaseException as exc:  # handed to the awaiting request, as an executor does
                result, error = None, exc
            # RuntimeError: its loop is closed, and nobody waits for the answer.
            with suppress(RuntimeError):
                done.get_loop().call_soon_threadsafe(_settle, done, result, error)


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)
