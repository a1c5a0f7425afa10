"""Waiting for the views on PostgreSQL: woken by their NOTIFY, not by sleeping.

A follower sends `view position` on the store's channel in the transaction
that records the view's position (`View._track`), so it arrives at commit; a
follower that records several views in one transaction sends their names
together, `view view ... position` (`Projector._apply_together`). One
thread per waiting process (`TrackingListener`) LISTENs on a connection of its
own, keeps the latest position of each view it heard of, and wakes the waiters
through a condition. A notification missed (while the connection was being
made again, say) is covered by reading the positions from the database every
`poll` seconds, whatever else arrives.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["TrackingListener"]

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class TrackingListener:
    """The views' positions as announced, for the threads of one process that wait."""

    def __init__(
        self,
        connect: Callable[[], Any],
        read: Callable[[], Mapping[str, int]],
        names: Iterable[str],
        *,
        poll: float = POLL_SECONDS,
    ) -> None:
        self._connect = connect
        self._read = read
        self.names = tuple(names)
        self.poll = poll
        self._positions: dict[str, int] = {}
        self._changed = threading.Condition()
        self._ready = False  # the first read, after LISTEN, is done
        self._waiting: dict[tuple[str, ...], int] = {}  # the groups of views waited for
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.notifications = 0
        """Notifications heard: each wakes the waiters."""
        self.polls = 0
        """Reads of the positions from the database: one after each LISTEN, then the
        fallback's, every `poll` seconds."""

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="views-listener", daemon=True
                )
                self._thread.start()

    def wait(self, position: int, timeout: float, names: Iterable[str] | None = None) -> int:
        """Block until every view of `names` (default: all this listener hears of)
        has reached `position`; return the least of their positions; raise
        TimeoutError after `timeout` s."""
        self.start()
        group = self.names if names is None else tuple(names)
        deadline = time.monotonic() + timeout
        with self._changed:
            self._waiting[group] = self._waiting.get(group, 0) + 1
            try:
                while True:
                    if self._ready:
                        reached = self._least(group)
                        if reached >= position:
                            return reached
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(
                            f"the views have not reached log position {position} "
                            f"within {timeout:g} s"
                        )
                    self._changed.wait(left)
            finally:
                self._waiting[group] -= 1
                if not self._waiting[group]:
                    del self._waiting[group]

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll + 5)

    # The listening thread -------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            connection = None
            try:
                connection = self._connect()
                # LISTEN first, then read: a commit after the read is announced to us.
                self._refresh()
                self._listen(connection)
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("the views' listener lost its connection; polling meanwhile")
                self._refresh_quietly()
                self._stopping.wait(self.poll)
            finally:
                if connection is not None:
                    try:
                        connection.close()
                    except Exception:
                        logger.debug("closing the views' listener connection failed")

    def _listen(self, connection: Any) -> None:
        next_poll = time.monotonic() + self.poll
        while not self._stopping.is_set():
            left = max(next_poll - time.monotonic(), 0.0)
            for notify in connection.notifies(timeout=min(left, 1.0)):
                self._heard(notify.payload)
                if self._stopping.is_set():
                    return
            if time.monotonic() >= next_poll:
                self._refresh()
                next_poll = time.monotonic() + self.poll

    def _heard(self, payload: str) -> None:
        names, _, position = payload.rpartition(" ")
        try:
            reached = int(position)
        except ValueError:
            return
        with self._changed:
            self.notifications += 1
            moved = [name for name in names.split() if reached > self._positions.get(name, 0)]
            if not moved:
                return
            before = {group: self._least(group) for group in self._waiting}
            for name in moved:
                self._positions[name] = reached
            # The views announce each batch together, the ledger apart: waking the
            # waiters only when the slowest view they wait for moves saves each of
            # them a wake-up per announcement.
            if any(self._least(group) > least for group, least in before.items()):
                self._changed.notify_all()

    def _least(self, names: Iterable[str]) -> int:
        return min(self._positions.get(name, 0) for name in names)

    def _refresh(self) -> None:
        positions = self._read()
        with self._changed:
            self.polls += 1
            for name, reached in positions.items():
                if reached > self._positions.get(name, 0):
                    self._positions[name] = reached
            self._ready = True
            self._changed.notify_all()

    def _refresh_quietly(self) -> None:
        try:
            self._refresh()
        except Exception:
            logger.debug("the views' positions could not be read either")
