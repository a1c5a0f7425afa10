"""On PostgreSQL a write waits for the views by their NOTIFY, not by sleeping;
a notification missed is covered by the listener's fallback read."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest

from domain import TimelineApp, parse_store_url
from projections import VIEW_CLASSES, Projector, ReadModels, View
from projections.audit.ledger import LedgerView
from projections.database import Cursor, PostgresDatabase, Statement, open_database
from tests.builders import body, seed
from tests.pages import loads
from tests.postgres import PostgresServer

BY = "reporter"


@pytest.fixture
def pg_app(postgres: PostgresServer) -> Iterator[tuple[TimelineApp, str]]:
    with postgres.database() as url:
        app = TimelineApp(parse_store_url(url).env())
        try:
            yield app, url
        finally:
            app.close()


def _models(app: TimelineApp, url: str, poll: float) -> ReadModels:
    models = ReadModels(app, open_database(parse_store_url(url)), in_process=False)
    models.projector.listen_poll = poll
    return models


def _apply_later(
    app: TimelineApp,
    url: str,
    *,
    announce: bool = True,
    views: Sequence[type[View]] = VIEW_CLASSES,
) -> threading.Thread:
    """A follower of its own (another pool, as another process would be) that
    catches `views` up shortly, with or without announcing it."""

    def run() -> None:
        db = open_database(parse_store_url(url))
        assert isinstance(db, PostgresDatabase)
        if not announce:
            # The tracking record is written as ever; only the NOTIFY is left out.
            def recorded_silently(
                c: Cursor, view: str, position: int, *, along: Statement | None = None
            ) -> None:
                if along is not None:
                    c.execute(*along)

            db.announce = recorded_silently  # type: ignore[method-assign]
        try:
            Projector(app, db, views=views).catch_up()
        finally:
            db.close()

    timer = threading.Timer(0.2, run)
    timer.start()
    return timer


@pytest.mark.postgres
def test_a_wait_on_postgresql_is_woken_by_the_followers_notification(
    pg_app: tuple[TimelineApp, str],
) -> None:
    app, url = pg_app
    models = _models(app, url, poll=60.0)  # the fallback would come far past the timeout
    try:
        seed(app)
        result = app.record_entry(body("meeting"), by=BY)
        listener = models.projector.listener()
        with pytest.raises(TimeoutError):  # nobody applies it yet: LISTENing, then level
            models.wait_for(result.position, timeout=0.2)
        assert listener.polls == 1
        applier = _apply_later(app, url, announce=True)

        assert models.wait_for(result.position, timeout=10) >= result.position
        applier.join()
        assert listener.polls == 1  # no fallback read: the notification woke it
        assert listener.notifications >= 1
        assert loads(models.queries.entry(result.id))["version"] == 1
    finally:
        models.close()


@pytest.mark.postgres
def test_a_missed_notification_is_covered_by_the_fallback_read(
    pg_app: tuple[TimelineApp, str],
) -> None:
    app, url = pg_app
    models = _models(app, url, poll=0.3)
    try:
        seed(app)
        result = app.record_entry(body("meeting"), by=BY)
        listener = models.projector.listener()
        applier = _apply_later(app, url, announce=False)  # its NOTIFY never comes

        assert models.wait_for(result.position, timeout=10) >= result.position
        applier.join()
        assert listener.notifications == 0
        assert listener.polls >= 2  # the read after LISTEN, then the fallback's
    finally:
        models.close()


@pytest.mark.postgres
def test_the_listener_ignores_a_payload_it_cannot_read(
    pg_app: tuple[TimelineApp, str],
) -> None:
    """The channel is named after the store's schema; a stray payload changes nothing."""
    app, url = pg_app
    models = _models(app, url, poll=60.0)
    try:
        listener = models.projector.listener()
        listener._heard("not a position")
        assert listener.notifications == 0
        assert isinstance(models.db, PostgresDatabase)
        assert models.db.channel.endswith(f".{models.db.schema}")
    finally:
        models.close()


@pytest.mark.postgres
def test_a_write_waits_for_the_views_it_is_read_from_not_for_the_ledger(
    pg_app: tuple[TimelineApp, str],
) -> None:
    """The ledger's follower commits waiting for the disk: a write's answer, read
    from the other views, need not wait for it; a proof asked for waits for it."""
    app, url = pg_app
    models = _models(app, url, poll=60.0)
    read_views = [view for view in VIEW_CLASSES if view is not LedgerView]
    try:
        seed(app)
        result = app.record_entry(body("meeting"), by=BY)
        _apply_later(app, url, views=read_views).join()

        assert models.wait_for(result.position, timeout=10, ledger=False) >= result.position
        with pytest.raises(TimeoutError):  # the ledger has not witnessed it
            models.wait_for(result.position, timeout=0.3)
        assert models.ledger.position() < result.position

        applier = _apply_later(app, url, views=[LedgerView])
        models.witnessed(result.position, timeout=10)  # as a proof's route does
        assert models.ledger.position() >= result.position
        applier.join()
    finally:
        models.close()
