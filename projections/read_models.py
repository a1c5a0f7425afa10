"""The read side of one store: its views, kept up with the log, and the questions asked of them.

`ReadModels` holds the views' database (the store's own SQLite file or
PostgreSQL database), the projector that keeps them up with the log, and the
queries the API asks. `projections.bootstrap` builds it, with the write
service, for the API and every command.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from domain import TimelineApp
from projections.audit.ledger import Ledger
from projections.database import Database
from projections.projector import Projector
from projections.queries import Queries
from projections.trust.checkpoints import SignedCheckpoints
from projections.trust.signer import CheckpointSigner
from projections.views.changes import read_changes

logger = logging.getLogger(__name__)

__all__ = ["ReadModels", "ViewLag"]


@dataclass(frozen=True)
class ViewLag:
    """How far one view is behind the log: its position, the events it has not
    applied, and the age in seconds of the oldest of them (0 when it is level)."""

    view: str
    position: int
    behind: int
    seconds: float


class ReadModels:
    """The views of one store, kept up with its log, and the questions asked of them.

    `in_process` (the default on SQLite) makes this process apply new events
    itself, after writes and before reads that wait; without it (the default
    on PostgreSQL) `policy-timeline project` does, and readers wait for it.
    `page_cache` keeps that many timeline pages (see `projections.page_cache`).
    In process, the views catch up in the constructor, unless `catch_up_now` is
    False (a server): then `follow_in_background()`'s thread catches them up first,
    and until it has, reads and `lag()` answer as of the views' position without
    catching up in their own thread (writes still do: they wait for their own).
    The read models own `db` from here on: `close()` closes it.
    """

    def __init__(
        self,
        app: TimelineApp,
        db: Database,
        *,
        in_process: bool | None = None,
        page_cache: int = 0,
        signer: CheckpointSigner | None = None,
        sign_every: float = 0.0,
        catch_up_now: bool = True,
    ) -> None:
        self.db = db
        self.projector = Projector(app, self.db)
        self.queries = Queries(self.db, page_cache=page_cache)
        if in_process is None:
            in_process = db.dialect.views_follow_in_process
        self.in_process = in_process
        self._follower: threading.Thread | None = None
        self._stopping = threading.Event()
        self._head_lock = threading.Lock()
        self._head: int | None = None
        self.projector.create()
        # Set once the start's catch-up is done (or was not this process's to do).
        self._started = threading.Event()
        if self.in_process and catch_up_now:
            self._saw(self.projector.catch_up())
        if not self.in_process or catch_up_now:
            self._started.set()
        self.checkpoints = (
            None
            if signer is None
            else SignedCheckpoints(self.db, self.ledger, signer, every=sign_every)
        )
        """The ledger's heads signed by the log's key; None when no key is configured."""

    @property
    def app(self) -> TimelineApp:
        """The write service the views follow."""
        return self.projector.app

    @property
    def ledger(self) -> Ledger:
        """The audit ledger's tree heads, checkpoints and proofs (`projections.audit.ledger`)."""
        return Ledger(self.db)

    @property
    def head(self) -> int | None:
        """The views' position as this process last saw it, when it applies the
        events itself (SQLite), so a read can know "now" without a query; None
        when other processes apply them (PostgreSQL)."""
        return self._head

    def _saw(self, position: int) -> None:
        # Catch-ups run in several threads; the head only moves forward.
        with self._head_lock:
            self._head = max(self._head or 0, position)

    def follow_in_background(self, interval: float = 0.5) -> None:
        """On SQLite, keep the views up with writes made by other processes
        (`policy-timeline import`, a second server) by checking every `interval` s.

        This process's own writes still catch up at once, through `written()`.
        """
        if not self.in_process or self._follower is not None:
            return
        self._follower = threading.Thread(
            target=self._follow, args=(interval,), name="views-follower", daemon=True
        )
        self._follower.start()

    def _follow(self, interval: float) -> None:
        if not self._started.is_set():
            try:
                self._saw(self.projector.catch_up(progress=self._unless_stopping))
            except _Stopped:
                return
            except Exception:
                logger.exception("the views could not catch up with the log")
                return
            finally:
                self._started.set()
        while not self._stopping.wait(interval):
            try:
                self._saw(self.projector.catch_up())
            except Exception:
                # A view that cannot apply an event must stop, not skip it; the
                # error surfaces again, with its cause, on the next write or read.
                logger.exception("the views could not catch up with the log")
                return

    def _unless_stopping(self, applied: int) -> None:
        # Between two batches of the start's catch-up: `close()` need not wait for the rest.
        if self._stopping.is_set():
            raise _Stopped

    @property
    def catching_up(self) -> bool:
        """Whether the start's catch-up (`catch_up_now=False`) is still running."""
        return not self._started.is_set()

    def written(self) -> None:
        """Call after a write: on SQLite the views catch up now."""
        if self.in_process:
            self._saw(self.projector.catch_up())

    def reached(self) -> int:
        """The views' position now; in process, after applying what is new first
        (unless the start's catch-up runs: then as it has reached)."""
        if self.in_process and self._started.is_set():
            self._saw(self.projector.catch_up())
        return self.projector.position()

    def wait_for(self, position: int, timeout: float = 5.0, *, ledger: bool = True) -> int:
        """Block until the views reflect `position` (without `ledger`, the views a
        read answers from, the audit ledger apart); raise TimeoutError."""
        reached = self.projector.wait_for(
            position, timeout, in_process=self.in_process, ledger=ledger
        )
        if self.in_process:
            self._saw(reached)
        return reached

    def witnessed(self, position: int | None = None, timeout: float = 0.0) -> None:
        """Bring the audit ledger up to `position` before it is asked about it.

        In process (SQLite) every view catches up, whatever `position`. Otherwise
        the ledger's follower is waited for, up to `timeout` s, when `position` is
        one the log holds: a write's answer does not wait for the ledger, so a
        proof asked for just after it may find the ledger a moment behind. On a
        timeout, or without `position`, the ledger answers as far as it has got.
        """
        if self.in_process:
            self.reached()
            return
        if position is None or position > self.projector.app.head_position():
            return
        with suppress(TimeoutError):
            self.wait_for(position, timeout)

    def lag(self) -> list[ViewLag]:
        """Each view's position and how far, in events and seconds, it is behind the log.

        In process the views catch up first, so only a view that cannot apply an
        event lags. The seconds are the age of the oldest event a view has not
        applied, by the time the event was recorded. While the start's catch-up
        runs, the views are as it has left them.
        """
        if self.in_process and self._started.is_set():
            try:
                self._saw(self.projector.catch_up())
            except Exception:
                # Health must answer when a view cannot apply an event: the lag says so.
                logger.exception("the views could not catch up with the log")
        app = self.projector.app
        with self.db.read() as c:
            positions = {view.name: view._position(c) for view in self.projector.views}
        head = max([app.head_position(), *positions.values()])
        recorded = {p: self._recorded_after(p) for p in set(positions.values()) if p < head}
        now = datetime.now(UTC)
        return [
            ViewLag(
                view=name,
                position=position,
                behind=head - position,
                seconds=(
                    max((now - recorded[position]).total_seconds(), 0.0)
                    if position in recorded
                    else 0.0
                ),
            )
            for name, position in positions.items()
        ]

    def _recorded_after(self, position: int) -> datetime:
        """When the event after `position` was recorded (now, if it cannot be read)."""
        changes = read_changes(self.projector.app.recorder, position, 1, position + 1)
        stamp = changes[0].state.get("timestamp") if changes else None
        if isinstance(stamp, dict) and isinstance(stamp.get("_data_"), str):
            return datetime.fromisoformat(stamp["_data_"])
        return datetime.now(UTC)

    def close(self) -> None:
        self._stopping.set()
        if self._follower is not None:
            self._follower.join()
        self.projector.close()
        self.db.close()


class _Stopped(Exception):
    """The start's catch-up ends early: the read models are closing."""
