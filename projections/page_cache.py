"""Pages of the timeline kept by the moment they reflect, within a budget of bytes.

A page asked as of log position P never changes: later events only add
versions valid from later positions. So a page is cached under its query,
its position, where it starts and its length, and new events invalidate
nothing; "now" moves on by asking under a new position. Only pages at or
below the views' own position are kept (a cursor from further on is refused,
see `ViewsBehind`), so no page is cached before its events are applied.

The cache is bounded by the bytes it holds, not by a count of pages: a page
of 100 long entries weighs a hundred times a page of one, so a count bounds
nothing. Each value is weighed once, when put (`deep_size`: its objects as
Python holds them, keys included), and the least recently used go until the
total fits; a value larger than the whole budget is not kept.

A replay is the one thing that can change a page: it exists to rebuild views
that were wrong. A process that swaps in rebuilt views calls `clear()`; the
cache of another process (a server beside `policy-timeline replay`) keeps its
pages until it restarts, which a fix to the views' code needs anyway.

The key does not name the store, and need not: a cache belongs to one
`Queries`, which reads one store's database, so two stores served by one
process hold two caches. A store replaced under a running process (its file
moved over, its schema restored) is not one the process can serve anyway:
its pooled SQLite connections keep reading the file they opened. The HTTP
cache is another matter, since a browser outlives the process: its ETag does
name the store (`api.caching`).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["DEFAULT_MAX_BYTES", "PageCache", "deep_size"]

V = TypeVar("V")
DEFAULT_MAX_BYTES = 32 * 2**20
_ATOMS = (bytes, bytearray, str, int, float, bool, complex, type(None))


class PageCache(Generic[V]):
    """A thread-safe LRU holding at most `max_bytes` (as `weigh` counts); 0 keeps nothing."""

    def __init__(self, max_bytes: int, weigh: Callable[[object], int] | None = None) -> None:
        self.max_bytes = max_bytes
        self._weigh = weigh or deep_size
        self._values: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """What the values kept now weigh, with their keys."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            held = self._values.get(key)
            if held is None:
                return None
            self._values.move_to_end(key)
            return held[0]

    def put(self, key: Hashable, value: V) -> None:
        if self.max_bytes <= 0:
            return
        weight = self._weigh(key) + self._weigh(value)
        with self._lock:
            if (old := self._values.pop(key, None)) is not None:
                self._bytes -= old[1]
            if weight > self.max_bytes:
                return
            self._values[key] = (value, weight)
            self._bytes += weight
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        """Forget every page: after a rebuild, when pages may differ."""
        with self._lock:
            self._values.clear()
            self._bytes = 0


def deep_size(value: object) -> int:
    """The bytes `value` and everything it holds take as Python objects, each counted once.

    Follows tuples, lists, sets, dicts, dataclasses and objects' `__dict__` or
    `__slots__`; an estimate (allocator overhead aside) that grows with the data.
    """
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, _ATOMS):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.append(vars(obj))
    return total
