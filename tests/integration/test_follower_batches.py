"""A follower asserts where it left its views rather than read it, and copes when they moved."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from domain import PostgresConfig, StoreConfig, TimelineApp
from projections import Projector
from projections.database import Database, Row, open_database
from projections.views.changes import decode
from scripts.followers import FOLLOWER_CONNECTIONS
from tests.builders import body, seed
from tests.integration.test_read_models import assert_same_rows, rebuilt_from_scratch

BY = "reporter"


class CountingCursor:
    """A real cursor that counts the answers waited for: each is a round trip."""

    def __init__(self, cursor: Any, fetches: list[str]) -> None:
        self._cursor = cursor
        self._fetches = fetches
        self.held: set[str] = getattr(cursor, "held", set())  # the views' locks taken as it began

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        return self._cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Any, /) -> Any:
        return self._cursor.executemany(sql, rows)

    def fetchone(self) -> Row | None:
        self._fetches.append("one")
        row: Row | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        self._fetches.append("all")
        rows: list[Row] = self._cursor.fetchall()
        return rows


@contextmanager
def counting(db: Database, fetches: list[str]) -> Iterator[None]:
    write = db.write

    @contextmanager
    def counted(**options: Any) -> Iterator[CountingCursor]:
        with write(**options) as c:
            yield CountingCursor(c, fetches)

    db.write = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        del db.write


@pytest.fixture
def follower_db(store_config: StoreConfig) -> Iterator[Database]:
    """The views' database as a follower opens it: one connection to it."""
    if isinstance(store_config, PostgresConfig):
        store_config = replace(store_config, connections=FOLLOWER_CONNECTIONS)
    db = open_database(store_config)
    try:
        if db.dialect.name != "postgresql":
            pytest.skip("followers run on PostgreSQL; SQLite catches up in process")
        yield db
    finally:
        db.close()


def test_a_following_batch_waits_on_the_server_once_less_than_one_that_reads_positions(
    app: TimelineApp, follower_db: Database
) -> None:
    seed(app)
    projector = Projector(app, follower_db)
    projector.create()
    position = projector._follow_from(0, None)
    app.record_entry(body("meeting"), by=BY)
    app.record_entry(body("call"), by=BY)
    read_first: list[str] = []
    with counting(follower_db, read_first), follower_db.write() as c:
        changes = decode(app.recorder.select_notifications(start=position + 1, limit=1))
        projector._apply_together(c, changes)
    asserted: list[str] = []
    with counting(follower_db, asserted):
        reached = projector._follow_from(changes[-1].position, None)
    assert reached == app.head_position()
    assert len(asserted) == len(read_first) - 1, (asserted, read_first)
    assert_same_rows(projector.views, rebuilt_from_scratch(follower_db, app).views)


def test_a_follower_whose_views_another_process_moved_applies_each_event_once(
    app: TimelineApp,
    follower_db: Database,
    store_config: StoreConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(app)
    projector = Projector(app, follower_db)
    projector.create()
    left_at = projector._follow_from(0, None)
    meeting = app.record_entry(body("meeting"), by=BY)
    other_db = open_database(store_config)
    try:
        Projector(app, other_db).catch_up()  # the views move on without this follower
    finally:
        other_db.close()
    app.record_entry(body("call"), by=BY)
    # A correction: the views read the entry's current version before the clock.
    app.correct_entry(
        meeting.id, expected_version=1, changes={"title": "Talks"}, reason="r", by=BY
    )
    with caplog.at_level(logging.INFO, logger="projections.projector"):
        assert projector._follow_from(left_at, None) == app.head_position()
    assert f"not at {left_at}, where this follower left them" in caplog.text
    assert set(projector.positions().values()) == {app.head_position()}
    assert_same_rows(projector.views, rebuilt_from_scratch(follower_db, app).views)
