"""Keeping the views up with the log: catch up, follow, wait, rebuild and swap.

On SQLite the library's recorder has no subscription, so the views catch up
in the process that asks (after each write, on start, or when a reader waits
for a position). On PostgreSQL `policy-timeline project` runs follower
processes on the library's LISTEN/NOTIFY subscription, each keeping a group
of views (`scripts.followers`). Either way a
batch of events and the tracking record commit together, so running both, or
two of either, is harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from threading import Event

from eventsourcing.persistence import Tracking

from domain import TimelineApp
from projections.audit.ledger import LedgerView
from projections.database import Cursor, Database
from projections.dialect import POSTGRESQL
from projections.listening import POLL_SECONDS, TrackingListener
from projections.rebuild import bulk_load
from projections.rebuild_beside import LoadBeside
from projections.views.actor_versions import ActorVersionsView
from projections.views.actors import ActorDirectoryView
from projections.views.changes import Change, read_changes
from projections.views.coactors import CoActorView
from projections.views.history import EntryHistoryView
from projections.views.references import ReferencesView
from projections.views.timeline import TimelineView
from projections.views.view import TRACKING_TABLE, View, create_tracking_table, track

__all__ = ["VIEW_CLASSES", "Projector", "RebuildReport"]

logger = logging.getLogger(__name__)

VIEW_CLASSES: tuple[type[View], ...] = (
    TimelineView,
    EntryHistoryView,
    ActorDirectoryView,
    ActorVersionsView,
    CoActorView,
    ReferencesView,
    LedgerView,
)
REBUILD_SUFFIX = "__rebuild"
Progress = Callable[[int], None]


STALL_CHECK_SECONDS = 1.0
_ELSEWHERE = "22012"
"""The SQLSTATE (division by zero) of a batch whose views were not where its follower
left them (`Projector._apply_together`'s `left_at`)."""


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did: events read, seconds, and each view's digest before and after.

    `views` names the views rebuilt, which leaves out the ledger (never rebuilt).
    """

    events: int
    seconds: float
    position: int
    live: dict[str, str]
    rebuilt: dict[str, str]
    views: tuple[str, ...] = ()
    beside: tuple[str, ...] = ()
    """The views loaded in a second process (`projections.rebuild_beside`), if any."""

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Projector:
    """Feeds the log's events to a set of views, in batches, exactly once."""

    def __init__(
        self,
        app: TimelineApp,
        db: Database,
        *,
        views: Sequence[type[View]] = VIEW_CLASSES,
        suffix: str = "",
        page: int = 1000,
    ) -> None:
        self.app = app
        self.db = db
        self.page = page
        self.suffix = suffix
        self.views = [cls(db, suffix=suffix) for cls in views]
        self.load_beside: bool | None = None
        """Whether a rebuild loads views in a second process (`projections.rebuild_beside`):
        None where that is worth it (`LoadBeside.worthwhile`), True wherever it can."""
        self.listen_poll = POLL_SECONDS
        """Where the followers announce their positions (PostgreSQL), how often a
        waiter's listener also reads them, in case a notification was missed."""
        self._listener: TrackingListener | None = None
        self._listener_lock = threading.Lock()

    def create(self, *, read_indexes: bool = True) -> None:
        create_tracking_table(self.db)
        for view in self.views:
            view.create_table(read_indexes=read_indexes)

    def view(self, cls: type[View]) -> View:
        for view in self.views:
            if isinstance(view, cls):
                return view
        raise LookupError(f"this projector does not run {cls.__name__}")

    def position(self) -> int:
        """The log position every view has reached."""
        with self.db.read() as c:
            return min(view._position(c) for view in self.views)

    def positions(self) -> dict[str, int]:
        """Each view's position, by its tracking name."""
        with self.db.read() as c:
            return {view.tracking_name: view._position(c) for view in self.views}

    def catch_up(self, until: int | None = None, progress: Progress | None = None) -> int:
        """Apply every event after the views' position (up to `until`); return the position."""
        position = self.position()
        while until is None or position < until:
            changes = self._read(position, until)
            if not changes:
                break
            with self.db.write() as c:
                self._apply(c, changes)
            position = changes[-1].position
            if progress is not None:
                progress(len(changes))
        return position

    def follow(self, stop: Event, progress: Progress | None = None) -> None:
        """Catch up, then again each time the store announces new events, until `stop`.

        Woken by the log's own NOTIFY (PostgreSQL), each wake applies every event
        stored since, a page to a transaction, so under load one commit (and one
        announcement to the waiting writes) carries many events rather than one.
        A wake-up missed, or a store that announces nothing, is covered by catching
        up at least every `STALL_CHECK_SECONDS` whatever arrives.
        """
        channel = getattr(self.app.recorder, "channel_name", None)
        if not self.db.announces or channel is None:
            while not stop.is_set():
                self.catch_up(progress=progress)
                stop.wait(STALL_CHECK_SECONDS)
            return
        connection = self.db.listen(channel)
        try:
            # LISTEN is in place before the first read: whatever commits after it wakes us.
            position = self.position()
            due = True
            while not stop.is_set():
                if due:
                    position = self._follow_from(position, progress)
                woken = due = False
                for notify in connection.notifies(timeout=STALL_CHECK_SECONDS, stop_after=1):
                    woken = True
                    due = due or _beyond(notify.payload, position)
                if not woken:
                    # Idle: read where the views are, should another process have moved them.
                    position = self.position()
                    due = True
        finally:
            connection.close()

    def _follow_from(self, position: int, progress: Progress | None) -> int:
        """Apply the events after `position`, a page to a transaction; return the last.

        `position` is where this follower left its views: no other process moves
        them back (a rebuild swaps in views at least as far on), and a view skips
        what it already holds, so the follower need not read it again each time.
        A page not full is the end of the log as it was read; an event committed
        since is announced, and wakes the follower again.
        """
        # Views that can be rebuilt from the log commit without waiting for the
        # disk: a server crash may lose their last commits, tracking record and
        # all, and the follower applies those events again. Other readers see a
        # commit at once all the same. A witness (the ledger) keeps what it wrote.
        lazy = self.db.dialect is POSTGRESQL and all(view.rebuildable for view in self.views)
        # Only PostgreSQL fails a division by zero (SQLite answers NULL).
        asserted = self.db.dialect is POSTGRESQL
        # Every view's lock, taken as the transaction begins, in the views' order.
        locks = [view.tracking_name for view in self.views]
        while True:
            changes = self._read(position, None)
            if not changes:
                return position
            try:
                with self.db.write(serialize=locks, durable=not lazy) as c:
                    self._apply_together(c, changes, left_at=position if asserted else 0)
            except Exception as error:
                if getattr(error, "sqlstate", None) != _ELSEWHERE:
                    raise
                # Another process moved the views (a rebuild swapped them in, a second
                # follower ran): read where they are, and skip what they hold.
                logger.info("the views are not at %d, where this follower left them", position)
                with self.db.write(serialize=locks, durable=not lazy) as c:
                    self._apply_together(c, changes)
            position = changes[-1].position
            if progress is not None:
                progress(len(changes))
            if len(changes) < self.page:
                return position

    def wait_for(
        self, position: int, timeout: float = 5.0, *, in_process: bool = True, ledger: bool = True
    ) -> int:
        """Block until the views reach `position`; raise TimeoutError after `timeout` s.

        With `in_process` the caller catches up itself, as on SQLite; otherwise
        it waits for the follower processes: where they announce their positions
        (PostgreSQL), woken by the announcement (`projections.listening`), else by
        polling. Without `ledger`, only the views a read answers from are waited
        for, not the audit ledger (on PostgreSQL a follower of its own, whose
        commits wait for the disk): a write's answer needs no more.
        """
        views = [view for view in self.views if ledger or view.rebuildable]
        if not in_process and self.db.announces:
            # The listener knows the views' positions without asking the database:
            # a write's wait costs no round trip when the followers are ahead of it.
            return self.listener().wait(position, timeout, [view.tracking_name for view in views])
        deadline = time.monotonic() + timeout
        reached = self.position()
        if reached >= position:
            return reached
        if in_process:
            reached = self.catch_up()
        for view in views:
            view.wait(view.application, position, max(deadline - time.monotonic(), 0.0))
        return max(reached, self.position())

    def listener(self) -> TrackingListener:
        """This projector's one listener for its views' announcements, started on first use."""
        with self._listener_lock:
            if self._listener is None:
                self._listener = TrackingListener(
                    self.db.listen,
                    self.positions,
                    [view.tracking_name for view in self.views],
                    poll=self.listen_poll,
                )
            return self._listener

    def close(self) -> None:
        """Stop the listener, if a wait started one; the database stays open."""
        with self._listener_lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def rebuild(self, progress: Progress | None = None, *, compare: bool = False) -> RebuildReport:
        """Rebuild every view from position 0 beside the live one, then swap it in.

        Views that are not `rebuildable` (the audit ledger) are not rebuilt:
        the live one catches up in the same pass. With `compare`,
        each rebuilt view's digest is taken live and rebuilt before the swap.
        Raise RebuildRunning while another rebuild of the store's views is under way.
        """
        with self.db.exclusive_rebuild():
            return self._rebuild(progress, compare)

    def _rebuild(self, progress: Progress | None, compare: bool) -> RebuildReport:
        # The ledger is a witness: rebuilt from the log as it is now, it would
        # hash any tampering as if it had always been there and drop the
        # checkpoints that say otherwise. So it is only ever caught up: the
        # live one reads along with the rebuild (one pass, one decode), and a
        # view skips what it has already applied.
        kept = [view for view in self.views if not view.rebuildable]
        rebuilding = [view for view in self.views if view.rebuildable]
        rebuilt = Projector(
            self.app,
            self.db,
            views=[type(view) for view in rebuilding],
            suffix=REBUILD_SUFFIX,
            page=max(self.page, 10_000),
        )
        fresh_views = list(rebuilt.views)
        with self.db.write() as c:
            for view in fresh_views:
                view.drop_tables(c)
        # Indexes only queries read are made after the bulk load, in one pass each.
        rebuilt.create(read_indexes=False)
        rebuilt.views.extend(kept)
        started = time.perf_counter()
        read = 0

        def counted(n: int) -> None:
            nonlocal read
            read += n
            if progress is not None:
                progress(n)

        reached, beside = self._load(rebuilt, fresh_views, counted)
        with self.db.schema_change() as c:
            for view in fresh_views:
                view.create_read_indexes(c)
        with self.db.write() as c:
            self.db.analyze(c, [view.t(table) for view in fresh_views for table in view.tables])
        seconds = time.perf_counter() - started
        if compare:
            # Digests agree only at one position: the live views may lag the log
            # (a follower behind, a write from another process) or lead the rebuild.
            reached = max([reached, *(view.position() for view in rebuilding)])
            self.catch_up(until=reached)
            rebuilt.catch_up(until=reached)
        live = {view.name: view.digest() for view in rebuilding} if compare else {}
        fresh = {view.name: view.digest() for view in fresh_views} if compare else {}
        with self.db.schema_change() as c:
            # Events stored meanwhile; the write lock (SQLite) keeps the head still.
            while changes := rebuilt._read(reached, None):
                rebuilt._apply(c, changes)
                reached = changes[-1].position
                read += len(changes)
            for old, new in zip(rebuilding, fresh_views, strict=True):
                old.drop_tables(c)
                for table in new.tables:
                    c.execute(f"ALTER TABLE {new.t(table)} RENAME TO {old.t(table)}")
                c.execute(
                    f"UPDATE {TRACKING_TABLE} SET view = ? WHERE view = ? AND application = ?",
                    (old.tracking_name, new.tracking_name, new.application),
                )
                old.record_shape(c)
        return RebuildReport(
            read, seconds, reached, live, fresh, tuple(v.name for v in rebuilding), beside
        )

    def _load(
        self, rebuilt: Projector, fresh: list[View], progress: Progress
    ) -> tuple[int, tuple[str, ...]]:
        """Bulk-load `rebuilt`'s views (`fresh` are made empty for it), the timeline
        here and the others in a second process when that is worth it
        (`projections.rebuild_beside`); return the position reached and the names
        of the views loaded beside."""
        app, db = self.app, self.db
        # The timeline takes as long as the others together, and its full-text
        # table (SQLite's, contentless) could not be copied in row by row.
        beside = [view for view in fresh if not isinstance(view, TimelineView)]
        until = app.head_position()
        wanted = self.load_beside
        if wanted is None:
            wanted = LoadBeside.worthwhile(db, beside, until - rebuilt.position())
        if not wanted or not LoadBeside.possible(db, beside):
            return bulk_load(app, db, rebuilt.views, progress=progress, fresh=fresh), ()
        here = [view for view in rebuilt.views if view not in beside]
        with LoadBeside(db, beside, rebuilt.suffix, until) as other:
            other.start()
            reached = bulk_load(
                app,
                db,
                here,
                until=until,
                progress=progress,
                fresh=[view for view in fresh if view in here],
            )
            # Both stop at `until`, or at the last event before it.
            return min(reached, other.finish()), tuple(view.name for view in beside)

    # Machinery ------------------------------------------------------------

    def _read(self, after: int, until: int | None) -> list[Change]:
        # Through the library's recorder, on its own connection; raise UnreadableEvent.
        return read_changes(self.app.recorder, after, self.page, until)

    def _apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        tracking = Tracking(self.app.name, changes[-1].position)
        for view in self.views:
            view.process(c, changes, tracking)

    def _apply_together(self, c: Cursor, changes: Sequence[Change], *, left_at: int = 0) -> None:
        """As `_apply`, with the bookkeeping of the views that keep `View.process`
        done once for all of them: their locks in one statement, their positions
        in one read, their tracking records in one write and one announcement.

        With `left_at` (PostgreSQL), the position this follower left every one of
        those views at, their positions are not read but asserted: should any
        view be elsewhere, the statement fails (`_ELSEWHERE`) and the transaction
        with it, and the caller applies the batch again without `left_at`.

        A follower keeps six views in one transaction a batch: one at a time,
        those four statements each were most of what it sent the server.
        """
        plain = [view for view in self.views if type(view).process is View.process]
        if len(plain) < 2:
            self._apply(c, changes)
            return
        reached = changes[-1].position
        self.db.serialize(c, *(view.tracking_name for view in plain))
        names = [view.tracking_name for view in plain]
        marks = ", ".join("?" for _ in names)
        if left_at:
            # Asserted, not fetched: nothing waits for its answer but the batch's
            # first statement that reads (a correction's), or else its COMMIT. Any
            # view elsewhere ends the transaction there, with a division by zero.
            keys = " OR ".join("(view = ? AND application = ?)" for _ in plain)
            c.execute(
                "SELECT 1 / (CASE WHEN COUNT(*) = ? THEN 1 ELSE 0 END) "
                f"FROM {TRACKING_TABLE} WHERE position = ? AND ({keys})",
                [
                    len(plain),
                    left_at,
                    *(arg for view in plain for arg in (view.tracking_name, view.application)),
                ],
            )
            positions = {(view.tracking_name, view.application): left_at for view in plain}
        else:
            c.execute(
                f"SELECT view, application, position FROM {TRACKING_TABLE} "
                f"WHERE view IN ({marks})",
                names,
            )
            positions = {(str(v), str(a)): int(p) for v, a, p in c.fetchall()}
        moved: list[View] = []
        for view in plain:
            position = positions.get((view.tracking_name, view.application), 0)
            fresh = [change for change in changes if change.position > position]
            if fresh:
                view.apply(c, fresh)
            if reached > position:
                moved.append(view)
        if moved:
            # One announcement for them all: each listener wakes once, not once a view.
            track(moved, c, reached)
        tracking = Tracking(self.app.name, reached)
        for view in self.views:
            if view not in plain:
                view.process(c, changes, tracking)


def _beyond(payload: str, position: int) -> bool:
    """Whether an announcement on the log's channel may be of events after `position`.

    The log's insert announces the position of its last event; a commit made
    while the follower read and applied is announced after the read saw it,
    and needs no read of its own. An announcement without a position (another
    writer's) may be of anything.
    """
    try:
        return int(payload) > position
    except ValueError:
        return True
