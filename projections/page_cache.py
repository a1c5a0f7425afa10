"""Pages of the timeline kept by the moment they reflect.

A page asked as of log position P never changes: later events only add
versions valid from later positions. So a page is cached under its query,
its position, where it starts and its length, and new events invalidate
nothing; "now" moves on by asking under a new position. Only pages at or
below the views' own position are kept (a cursor from further on is refused,
see `ViewsBehind`), so no page is cached before its events are applied.

A replay is the one thing that can change a page: it exists to rebuild views
that were wrong. A process that swaps in rebuilt views calls `clear()`; the
cache of another process (a server beside `policy-timeline replay`) keeps its
pages until it restarts, which a fix to the views' code needs anyway.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["PageCache"]

V = TypeVar("V")


class PageCache(Generic[V]):
    """A thread-safe LRU of at most `size` values; size 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        """Forget every page: after a rebuild, when pages may differ."""
        with self._lock:
            self._values.clear()
