"""A bound on guessing tokens at the sign-in form: a few failures a minute per client.

After `failures` refused tokens within `window` seconds from one client address,
`POST /sign-in` answers 429 with `Retry-After` until the oldest of them is a
window old. Memory is bounded: at most `clients` addresses are remembered, the
least recently failing forgotten first, each with at most `failures` times.
The count lives in each server process, so N workers allow N times as many
guesses; a token holds 256 random bits, so this only keeps the log quiet and the
tokens table unhammered, it is not what makes guessing hopeless.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque

__all__ = ["SignInLimit"]


class SignInLimit:
    """Failed sign-ins per client address over a sliding window."""

    def __init__(self, failures: int = 5, window: float = 60.0, clients: int = 10_000) -> None:
        self.failures, self.window, self.clients = failures, window, clients
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> int | None:
        """Seconds `client` must wait before trying again, or None when it may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                return None
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times:
                del self._seen[client]
                return None
            if len(times) < self.failures:
                return None
            return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, client: str, now: float | None = None) -> None:
        """Count one refused token from `client`."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.pop(client, None) or deque(maxlen=self.failures)
            times.append(now)
            self._seen[client] = times  # the most recent failure last
            while len(self._seen) > self.clients:
                self._seen.popitem(last=False)

    def succeeded(self, client: str) -> None:
        """Forget `client`'s failures: it holds a valid token."""
        with self._lock:
            self._seen.pop(client, None)

    def __len__(self) -> int:
        return len(self._seen)
