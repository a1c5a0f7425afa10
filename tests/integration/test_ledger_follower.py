"""The ledger's follower asserts the tip it kept rather than read it, and copes when
another process grew the tree: every checkpoint's root is still the log's."""

from __future__ import annotations

import logging

import pytest

from domain import StoreConfig, TimelineApp
from projections import Projector
from projections.audit.ledger import Ledger, LedgerView
from projections.audit.merkle import root_of
from projections.database import Database, open_database
from tests.builders import body, seed
from tests.integration.test_follower_batches import counting, follower_db  # noqa: F401
from tests.integration.test_ledger import log_leaves

BY = "reporter"


def ledger_follower(app: TimelineApp, db: Database) -> Projector:
    projector = Projector(app, db, views=[LedgerView])
    projector.create()
    ledger = projector.view(LedgerView)
    assert isinstance(ledger, LedgerView)
    ledger.asserts_its_tip = True
    return projector


def assert_checkpoints_are_the_logs(app: TimelineApp, db: Database) -> None:
    leaves = log_leaves(app)
    checkpoints = Ledger(db).checkpoints()
    assert checkpoints[-1].tree_size == len(leaves)
    assert checkpoints[-1].position == app.head_position()
    for checkpoint in checkpoints:
        tree = leaves[: checkpoint.tree_size]
        assert checkpoint.root == root_of([h for _, h, _ in tree]).hex()
        assert checkpoint.position == tree[-1][0]
    assert Ledger(db).head() == checkpoints[-1]


def test_a_ledger_batch_after_the_followers_first_waits_on_the_server_only_to_commit(
    app: TimelineApp,
    follower_db: Database,  # noqa: F811
) -> None:
    seed(app)
    follower = ledger_follower(app, follower_db)
    first: list[str] = []
    with counting(follower_db, first):
        position = follower._follow_from(0, None)
    app.record_entry(body("meeting"), by=BY)
    app.record_entry(body("call"), by=BY)
    asserted: list[str] = []
    with counting(follower_db, asserted):
        reached = follower._follow_from(position, None)
    assert reached == app.head_position()
    assert first  # the first batch reads the position and the tip
    assert not asserted, asserted
    assert_checkpoints_are_the_logs(app, follower_db)


def test_a_ledger_follower_whose_tree_another_process_grew_hashes_each_event_once(
    app: TimelineApp,
    follower_db: Database,  # noqa: F811
    store_config: StoreConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(app)
    follower = ledger_follower(app, follower_db)
    left_at = follower._follow_from(0, None)
    app.record_entry(body("meeting"), by=BY)
    other_db = open_database(store_config)
    try:
        # A second follower grows the tree without this one.
        ledger_follower(app, other_db)._follow_from(left_at, None)
    finally:
        other_db.close()
    app.record_entry(body("call"), by=BY)
    with caplog.at_level(logging.INFO, logger="projections.projector"):
        reached = follower._follow_from(left_at, None)
    assert reached == app.head_position()
    assert f"not at {left_at}, where this follower left them" in caplog.text
    assert_checkpoints_are_the_logs(app, follower_db)
    # And the follower's next batch, from where it is now, is asserted again.
    app.record_entry(body("statement"), by=BY)
    asserted: list[str] = []
    with counting(follower_db, asserted):
        assert follower._follow_from(reached, None) == app.head_position()
    assert not asserted
    assert_checkpoints_are_the_logs(app, follower_db)
