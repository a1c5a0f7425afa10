"""The second process of a replay: `python -m projections.rebuild_worker`.

It reads its `Order` (`projections.rebuild_beside`) pickled on standard input,
loads the views it names, into the scratch file it names (SQLite) or into the
store (PostgreSQL), and answers on standard output, pickled: the position it
reached, or the error that stopped it, which the replay raises again. Its own
module, so that what it pickles names `projections.rebuild_beside`.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

from projections.bootstrap import SystemConfig, bootstrap
from projections.database import Database, SQLiteDatabase
from projections.projector import VIEW_CLASSES, Projector
from projections.rebuild import bulk_load
from projections.rebuild_beside import Order


def main() -> None:
    """The second process: load the views of the order on standard input and answer
    the position reached, or the error that stopped it, on standard output."""
    order: Order = pickle.load(sys.stdin.buffer)
    try:
        outcome: tuple[str, object] = ("done", _load_views(order))
    except BaseException as error:  # every failure is the first process's to raise
        outcome = ("error", _picklable(error))
    pickle.dump(outcome, sys.stdout.buffer)


def _load_views(order: Order) -> int:
    def still_wanted(_: int) -> None:
        if os.getppid() != order.parent:
            raise SystemExit("the replay that started this process has ended")

    classes = [cls for cls in VIEW_CLASSES if cls.name in order.views]
    with bootstrap(SystemConfig(store=order.store)) as system:
        db: Database = system.db
        if order.scratch is not None:
            db = SQLiteDatabase(order.scratch, scratch=True)
        projector = Projector(system.app, db, views=classes, suffix=order.suffix)
        try:
            if order.scratch is not None:
                projector.create(read_indexes=False)
            return bulk_load(
                system.app,
                db,
                projector.views,
                until=order.until,
                progress=still_wanted,
                fresh=projector.views,
                log=system.db if order.scratch is not None else None,
                # The copy into the store writes the pages full; on PostgreSQL nothing is packed.
                pack=order.scratch is None,
            )
        finally:
            if db is not system.db:
                db.close()


def _picklable(error: BaseException) -> BaseException:
    """`error` if it travels to the other process and back as itself, else a RuntimeError
    that says what it was."""
    try:
        back: Any = pickle.loads(pickle.dumps(error))
    except Exception:  # whatever does not travel is told as text
        return RuntimeError(f"in the replay's second process: {error!r}")
    return back if isinstance(back, BaseException) else RuntimeError(repr(error))


if __name__ == "__main__":
    main()
