"""The timeline's clock: each position's time is the latest recorded up to it, across
batches, though events are stamped before they wait for the write lock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import StoreConfig, TimelineApp
from projections import VIEW_CLASSES, Projector
from projections.database import Database, open_database
from projections.views.changes import Change
from projections.views.timeline import TimelineView
from projections.views.view import create_tracking_table
from tests.builders import body, seed
from tests.integration.test_follower_batches import counting, follower_db  # noqa: F401
from tests.integration.test_read_models import assert_same_rows, rebuilt_from_scratch

BY = "reporter"


@pytest.fixture
def db(store_config: StoreConfig) -> Iterator[Database]:
    database = open_database(store_config)
    try:
        yield database
    finally:
        database.close()


def stamped(position: int, at: str) -> Change:
    return Change(position, "", 1, "", {"timestamp": {"_data_": at}})


@pytest.mark.parametrize("loading", [False, True], ids=["applied", "bulk-loaded"])
def test_a_batch_stamped_before_the_last_one_keeps_the_clock_from_stepping_back(
    db: Database, loading: bool
) -> None:
    create_tracking_table(db)
    view = TimelineView(db)
    view.create_table()
    view.loading = loading  # a bulk load reads the clock's last row itself
    clock = view.t("timeline_clock")
    batches = [
        [stamped(1, "2026-12-07T05:00:02+00:00"), stamped(2, "2026-12-07T05:00:01+00:00")],
        # Stamped before the last batch's latest, then one after it, then one before.
        [stamped(4, "2026-12-07T05:00:00+00:00"), stamped(5, "2026-12-07T05:00:03+00:00")],
        [stamped(6, "2026-12-07T05:00:01+00:00")],
    ]
    for batch in batches:
        with db.write() as c:
            view._clock(c, clock, batch)
    with db.read() as c:
        c.execute(f"SELECT position, reached_at FROM {clock} ORDER BY position")
        rows = [(int(p), str(at)) for p, at in c.fetchall()]
    assert rows == [
        (1, "2026-12-07T05:00:02+00:00"),
        (2, "2026-12-07T05:00:02+00:00"),
        (4, "2026-12-07T05:00:02+00:00"),
        (5, "2026-12-07T05:00:03+00:00"),
        (6, "2026-12-07T05:00:03+00:00"),
    ]


def test_a_following_views_batch_of_new_entries_waits_on_the_server_only_to_commit(
    app: TimelineApp,
    follower_db: Database,  # noqa: F811
) -> None:
    seed(app)
    # As the views' follower keeps them: every view but the ledger.
    projector = Projector(app, follower_db, views=[v for v in VIEW_CLASSES if v.rebuildable])
    projector.create()
    position = projector._follow_from(0, None)
    app.record_entry(body("meeting"), by=BY)
    app.record_entry(body("call"), by=BY)
    fetches: list[str] = []
    with counting(follower_db, fetches):
        assert projector._follow_from(position, None) == app.head_position()
    assert not fetches, fetches
    rebuilt = rebuilt_from_scratch(follower_db, app).views
    assert_same_rows(projector.views, [view for view in rebuilt if view.rebuildable])
