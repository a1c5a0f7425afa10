"""The views read as they stand, when every one is level with the log: no engine built.

A command that only reads (`export`) needs the views caught up first. When they
already are, as after any write on SQLite or with `policy-timeline project`
following PostgreSQL, there is nothing to apply, and building the projector
only to find that out would load the domain's event classes: most of a short
command's start. `views_level` finds it out with SQL alone, each view's
tracked position against the log's last and each view's recorded shape against
the shape this code writes. Only when every view is level and of its shape does
a reader get `LevelViews`; otherwise the caller builds
`projections.read_models.ReadModels`, which catches up (and reshapes) first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from projections.audit.ledger import Ledger
from projections.database import Database
from projections.trust.checkpoints import SignedCheckpoints
from projections.views.view import SHAPES_TABLE, TRACKING_TABLE, tracked_positions

if TYPE_CHECKING:
    from domain import TimelineApp
    from projections.trust.signer import CheckpointSigner

__all__ = ["VIEW_SHAPES", "LevelViews", "views_level"]

VIEW_SHAPES: dict[str, int] = {
    "timeline": 7,
    "entry_history": 3,
    "actors": 2,
    "actor_versions": 1,
    "co_actors": 1,
    "references": 1,
    "ledger": 1,
}
"""Each view's name and `shape`, as `projections.projector.VIEW_CLASSES` has them (a
test holds the two equal): known here without building the views."""
WAIT_POLL_SECONDS = 0.05


def views_level(db: Database) -> bool:
    """Whether every view has reached the log's last position and has its shape."""
    with db.read() as c:
        # A store without them has no views yet, or views older than recorded shapes.
        needed = (db.dialect.log_table, TRACKING_TABLE, SHAPES_TABLE)
        if not all(db.table_exists(table, c) for table in needed):
            return False
        c.execute(f"SELECT MAX({db.dialect.log_position}) FROM {db.log_table}")
        row = c.fetchone()
        head = 0 if row is None or row[0] is None else int(row[0])
        reached = tracked_positions(c, tuple(VIEW_SHAPES))
        c.execute(f"SELECT view, shape FROM {SHAPES_TABLE}")
        shapes = {str(view): int(shape) for view, shape in c.fetchall()}
    # A view made before shapes were kept has shape 1 (`View._stored_shape`).
    return all(
        reached.get(name, 0) >= head and shapes.get(name, 1) == shape
        for name, shape in VIEW_SHAPES.items()
    )


class LevelViews:
    """What an export reads (`open_chronology`), from views level with the log.

    `app` gives the write service, built only when asked for: an export as of
    an earlier position may need an actor as it stood then.
    """

    def __init__(
        self,
        db: Database,
        app: Callable[[], TimelineApp],
        signer: CheckpointSigner | None = None,
        sign_every: float = 0.0,
    ) -> None:
        self.db = db
        self._app = app
        self.checkpoints = (
            None
            if signer is None
            else SignedCheckpoints(db, self.ledger, signer, every=sign_every)
        )
        """The ledger's heads signed by the log's key; None when no key is configured."""

    @property
    def ledger(self) -> Ledger:
        """The audit ledger's tree heads, checkpoints and proofs, read from its tables."""
        return Ledger(self.db)

    @property
    def app(self) -> TimelineApp:
        """The write service, built on first use (by the system, which closes it)."""
        return self._app()

    def wait_for(self, position: int, timeout: float = 5.0, *, ledger: bool = True) -> int:
        """Block until the views (without `ledger`, all but the audit ledger) reflect
        `position`, which another process applies: on PostgreSQL each view has its
        own follower, and one may lead another. Raise TimeoutError."""
        names = tuple(name for name in VIEW_SHAPES if ledger or name != "ledger")
        deadline = time.monotonic() + timeout
        while True:
            with self.db.read() as c:
                reached = tracked_positions(c, names)
            least = min(reached.get(name, 0) for name in names)
            if least >= position:
                return least
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the views reached {least}, not {position}, in {timeout} s")
            time.sleep(WAIT_POLL_SECONDS)
