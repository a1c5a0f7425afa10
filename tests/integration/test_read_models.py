"""The read models on each backend: built once or event by event alike, as of any moment,
exactly once across re-deliveries and crashes, and waited for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import Notification, Tracking

from domain import (
    CommandResult,
    EntryNotFound,
    StoreConfig,
    TimelineApp,
    parse_store_url,
    store_env,
)
from projections import (
    Database,
    Projector,
    ReadModels,
    RebuildRunning,
    TimelineFilters,
    View,
)
from projections.database import create_table, open_database
from projections.views.changes import decode
from projections.views.timeline import TimelineView
from tests.builders import ACTORS, BODIES, SOURCE, body, seed
from tests.pages import ids, items, loads

BY = "reporter"
AMLO = "andres-manuel-lopez-obrador"
EVERYTHING = TimelineFilters(include_retracted=True)


def every_event(app: TimelineApp, written: Callable[[], None]) -> dict[str, str]:
    """Every kind of entry and every event an entry or an actor can have; `written` after each.

    Returns the entries' ids by kind.
    """

    def done(result: CommandResult) -> CommandResult:
        written()
        return result

    for actor in ACTORS:
        done(app.register_actor(actor, by=BY))
    done(app.register_source(SOURCE, by=BY))
    entries = {kind: done(app.record_entry(body(kind), by=BY)).id for kind in BODIES}
    meeting = entries["meeting"]
    done(
        app.correct_entry(
            meeting,
            expected_version=1,
            changes={
                "occurred": "2023-12-26",
                "actors": [{"actor": "antony-blinken", "role": "participant"}],
                "details": {
                    **BODIES["meeting"]["details"],
                    "participants": ["antony-blinken", "alejandro-mayorkas"],
                },
            },
            reason="the date and the participants were misread",
            source={"source": SOURCE["id"], "quote": "on Wednesday"},
            by="editor",
        )
    )
    done(app.cite_source(entries["call"], {"source": SOURCE["id"], "quote": "productive"}, by=BY))
    done(app.link_entries(entries["statement"], "responds_to", meeting, by=BY))
    done(app.link_entries(entries["policy_action"], "follows", meeting, by=BY))
    done(
        app.correct_entry(
            meeting,
            expected_version=2,
            changes={"title": "Talks in Mexico City"},
            reason="r",
            by=BY,
        )
    )
    done(
        app.retract_entry(
            entries["congressional_negotiation"],
            expected_version=1,
            reason="the source does not say so",
            by="editor",
        )
    )
    done(app.rename_actor("joe-biden", "Joseph R. Biden Jr.", by=BY))
    done(app.add_alias("alejandro-mayorkas", "Secretary Mayorkas", by=BY))
    role = {"title": "Secretary of Homeland Security", "start": "2021-02-02"}
    done(app.assume_role("alejandro-mayorkas", role, by=BY))
    done(app.end_role("antony-blinken", "Secretary of State", "2025-01-20", by=BY))
    duplicate = {"id": "lopez-obrador", "name": "López Obrador", "kind": "person"}
    done(app.register_actor(duplicate, by=BY))
    done(app.merge_actor("lopez-obrador", into=AMLO, by=BY))
    later = body("call", title="A second call", occurred="2023-12-28")
    entries["later_call"] = done(app.record_entry(later, by=BY)).id
    return entries


def rebuilt_from_scratch(db: Database, app: TimelineApp, *, page: int = 1000) -> Projector:
    fresh = Projector(app, db, suffix=f"__x{page}", page=page)
    fresh.create()
    fresh.catch_up()
    return fresh


def assert_same_rows(live: list[View], rebuilt: list[View]) -> None:
    for one, other in zip(live, rebuilt, strict=True):
        assert one.rows() == other.rows(), one.name


def answers(models: ReadModels, entries: dict[str, str]) -> list[object]:
    """What the queries say about everything in `every_event`."""
    q = models.queries
    return [
        q.timeline(EVERYTHING),
        q.timeline(TimelineFilters(topic="migration", q="lopez obrador")),
        [q.entry(entry) for entry in entries.values()],
        [q.entry_history(entry) for entry in entries.values()],
        [q.actor(slug) for slug in (AMLO, "antony-blinken", "alejandro-mayorkas", "joe-biden")],
        q.actor_history(AMLO),
        q.actors("lopez"),
    ]


def test_views_built_event_by_event_equal_views_rebuilt_from_the_log(
    app: TimelineApp, read_models: ReadModels
) -> None:
    entries = every_event(app, read_models.written)
    live = read_models.projector
    assert live.position() == app.head_position()
    assert len(read_models.queries.timeline(EVERYTHING).items) == len(entries)
    # One batch for the whole log, and batches that cut between an entry's events.
    for page in (1000, 3):
        assert_same_rows(live.views, rebuilt_from_scratch(read_models.db, app, page=page).views)


def test_a_rebuild_swaps_in_equal_views_that_answer_the_same_and_keep_following(
    app: TimelineApp, read_models: ReadModels
) -> None:
    entries = every_event(app, read_models.written)
    before = answers(read_models, entries)
    for _ in range(2):  # the second swap meets the index and key names the first one left
        report = read_models.projector.rebuild(compare=True)
        assert set(report.live) == {
            "timeline",
            "entry_history",
            "actors",
            "actor_versions",
            "co_actors",
            "references",
        }
        assert report.rebuilt == report.live
        assert report.position == app.head_position()
        assert not read_models.db.table_exists("timeline_entries__rebuild")
        assert answers(read_models, entries) == before

    new = app.record_entry(body("statement", title="Recorded after the rebuild"), by=BY)
    read_models.written()
    assert loads(read_models.queries.entry(new.id))["title"] == "Recorded after the rebuild"
    assert new.id in ids(read_models.queries.timeline(TimelineFilters(actor=AMLO)))
    assert_same_rows(read_models.projector.views, rebuilt_from_scratch(read_models.db, app).views)


def index_names(db: Database) -> set[str]:
    with db.read() as c:
        if db.dialect.name == "sqlite":
            c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        else:
            c.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        return {str(row[0]) for row in c.fetchall()}


def test_a_rebuild_makes_the_indexes_only_queries_read_once_its_rows_are_in(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, read_models.written)
    read_models.projector.rebuild()

    # Index names keep the table name they were made on: the rebuild's.
    names = index_names(read_models.db)
    # SQLite's clustered tables are in their order already: a narrower index, or none.
    clustered = read_models.db.dialect.name == "sqlite"
    for made in (
        "timeline_index__rebuild_position_" if clustered else "timeline_index__rebuild_order_",
        "timeline_entries__rebuild_first_",
        "timeline_clock__rebuild_time_",
        *([] if clustered else ["source_citations__rebuild_count_"]),
        "entry_links__rebuild_from_",
        "entry_links__rebuild_to_",
        "actor_merges__rebuild_survivor_",
    ):
        assert any(name.startswith(f"ix_{made}") for name in names), made


def test_a_rebuild_compares_live_views_that_lag_the_log_at_the_position_it_reached(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, read_models.written)
    late = app.record_entry(body("statement", title="Not yet projected"), by=BY)
    assert read_models.projector.position() < late.position  # as when a follower lags

    report = read_models.projector.rebuild(compare=True)
    assert report.position == late.position
    assert report.rebuilt == report.live
    assert loads(read_models.queries.entry(late.id))["title"] == "Not yet projected"


def test_a_correction_leaves_the_earlier_version_readable_as_of_a_position_or_a_time(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    meeting = app.record_entry(body("meeting"), by=BY)
    call = app.record_entry(body("call"), by=BY)
    corrected = app.correct_entry(
        meeting.id,
        expected_version=1,
        changes={"title": "Talks in Mexico City", "occurred": "2023-12-26"},
        reason="the date was misread",
        by="editor",
    )
    statement = app.record_entry(body("statement"), by=BY)
    read_models.written()
    q = read_models.queries
    old_title = BODIES["meeting"]["title"]

    then = loads(q.entry(meeting.id, as_of=call.position))
    now = loads(q.entry(meeting.id))
    assert (then["title"], then["occurred"], then["version"]) == (old_title, "2023-12-27", 1)
    assert (now["title"], now["occurred"], now["version"]) == (
        "Talks in Mexico City",
        "2023-12-26",
        2,
    )
    assert loads(q.entry(meeting.id, as_of=str(call.position)))["version"] == 1
    with pytest.raises(EntryNotFound):
        q.entry(meeting.id, as_of=meeting.position - 1)

    past = q.timeline(TimelineFilters(), as_of=call.position)
    assert past.as_of.position == call.position
    assert [(i["id"], i["title"]) for i in items(past)] == [
        (call.id, BODIES["call"]["title"]),
        (meeting.id, old_title),
    ]
    assert ids(q.timeline(TimelineFilters())) == [call.id, statement.id, meeting.id]

    history = [loads(raw) for raw in q.entry_history(meeting.id)]
    assert [h["event"] for h in history] == ["recorded", "corrected"]
    assert loads(q.entry(meeting.id, as_of=history[0]["recorded_at"]))["title"] == old_title
    at_correction = q.timeline(TimelineFilters(), as_of=history[1]["recorded_at"])
    assert at_correction.as_of.position == corrected.position
    assert at_correction.as_of.recorded_at == history[1]["recorded_at"]
    assert ids(at_correction) == [call.id, meeting.id]
    zulu = history[0]["recorded_at"].replace("+00:00", "Z")
    assert [i["title"] for i in items(q.timeline(TimelineFilters(), as_of=zulu))] == [old_title]


def test_as_of_a_time_leaves_out_what_was_recorded_after_it_though_stored_first(
    app: TimelineApp, read_models: ReadModels
) -> None:
    """A command is stamped before it waits for the write lock, so a later-stamped
    event can take the earlier position; "as of T" must not show it."""
    seed(app)
    early = app.record_entry(body("statement"), by=BY)
    waiting = app._draft_entry(body("call"), BY)  # stamped now, stored last
    stamped = waiting.pending_events[0].timestamp
    time.sleep(0.01)
    overtaking = app.record_entry(body("meeting"), by=BY)
    app.save(waiting)
    read_models.written()
    between = (stamped + (overtaking_time(read_models, overtaking.id) - stamped) / 2).isoformat()
    assert ids(read_models.queries.timeline(EVERYTHING, as_of=between)) == [early.id]
    with pytest.raises(EntryNotFound):
        read_models.queries.entry(overtaking.id, as_of=between)
    everything = read_models.queries.timeline(EVERYTHING)
    assert sorted(ids(everything)) == sorted([early.id, overtaking.id, str(waiting.id)])


def overtaking_time(models: ReadModels, entry_id: str) -> datetime:
    return datetime.fromisoformat(loads(models.queries.entry(entry_id))["recorded_at"])


def test_a_retracted_entry_leaves_the_timeline_but_stays_in_its_history_and_the_past(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    meeting = app.record_entry(body("meeting"), by=BY)
    statement = app.record_entry(body("statement"), by=BY)
    app.correct_entry(
        statement.id, expected_version=1, changes={"summary": "Aid."}, reason="r", by="editor"
    )
    retracted = app.retract_entry(
        statement.id, expected_version=2, reason="the quote is not his", by="editor"
    )
    read_models.written()
    q = read_models.queries

    assert ids(q.timeline(TimelineFilters())) == [meeting.id]
    assert ids(q.actor_history(AMLO)) == [meeting.id]
    shown = items(q.timeline(TimelineFilters(include_retracted=True)))
    assert [(i["id"], i["status"]) for i in shown] == [
        (statement.id, "retracted"),
        (meeting.id, "active"),
    ]
    now = loads(q.entry(statement.id))
    assert (now["status"], now["retraction_reason"], now["version"]) == (
        "retracted",
        "the quote is not his",
        3,
    )

    history = [loads(raw) for raw in q.entry_history(statement.id)]
    assert [h["event"] for h in history] == ["recorded", "corrected", "retracted"]
    assert (history[-1]["reason"], history[-1]["by"]) == ("the quote is not his", "editor")

    before = retracted.position - 1
    assert loads(q.entry(statement.id, as_of=before))["status"] == "active"
    assert ids(q.timeline(TimelineFilters(), as_of=before)) == [statement.id, meeting.id]


def test_an_event_delivered_again_changes_no_row(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, read_models.written)
    projector = read_models.projector
    before = [view.rows() for view in projector.views]
    head = projector.position()

    notifications = app.recorder.select_notifications(start=1, limit=1000)
    changes = decode(notifications)
    with read_models.db.write() as c:
        for view in projector.views:
            view.process(c, changes, Tracking(app.name, notifications[-1].id))
            # An older batch, as a second process that lagged behind would deliver it.
            view.process(c, changes[10:14], Tracking(app.name, notifications[13].id))

    assert [view.rows() for view in projector.views] == before
    assert projector.position() == head


class Crash(Exception):
    """The process dies in the middle of a batch."""


def apply_then_crash(projector: Projector, notifications: Sequence[Notification]) -> None:
    """Write a batch into every view, then die before the transaction commits."""
    tracking = Tracking(projector.app.name, notifications[-1].id)
    with projector.db.write() as c:
        for view in projector.views:
            view.process(c, decode(notifications), tracking)
        c.execute("SELECT MAX(position) FROM timeline_clock")
        assert c.fetchone() == (tracking.notification_id,)  # written, not yet committed
        raise Crash


def test_a_crash_inside_a_batch_loses_nothing_and_repeats_nothing(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, lambda: None)
    projector = Projector(app, read_models.db, page=6)  # the live views, in small batches
    assert projector.catch_up(until=10) == 10

    notifications = app.recorder.select_notifications(start=10, limit=6, inclusive_of_start=False)
    with pytest.raises(Crash):
        apply_then_crash(projector, notifications)
    assert projector.position() == 10

    assert projector.catch_up() == app.head_position()
    assert_same_rows(projector.views, rebuilt_from_scratch(read_models.db, app).views)


def apply_then_fail(projector: Projector, notifications: Sequence[Notification]) -> None:
    """Write a batch into every view and announce it, then run a statement the server fails."""
    tracking = Tracking(projector.app.name, notifications[-1].id)
    with projector.db.write() as c:
        for view in projector.views:
            view.process(c, decode(notifications), tracking)
        projector.db.announce(c, "timeline", tracking.notification_id)
        # Queued behind the rows, the tracking records and the NOTIFY: the whole
        # transaction goes with it.
        c.execute("INSERT INTO no_such_table VALUES (1)")


def test_a_batch_whose_statement_fails_on_the_server_keeps_no_row_no_tracking_no_notice(
    app: TimelineApp, read_models: ReadModels
) -> None:
    every_event(app, lambda: None)
    db = read_models.db
    projector = Projector(app, db, page=6)
    assert projector.catch_up(until=10) == 10
    listener = db.listen() if db.announces else None
    try:
        notifications = app.recorder.select_notifications(
            start=10, limit=6, inclusive_of_start=False
        )
        with pytest.raises(Exception, match="no_such_table"):
            apply_then_fail(projector, notifications)
        assert projector.position() == 10
        if listener is not None:
            assert list(listener.notifies(timeout=0.3, stop_after=1)) == []
        # The pooled connection is clean again: reads and writes go on.
        assert projector.catch_up() == app.head_position()
    finally:
        if listener is not None:
            listener.close()
    assert_same_rows(projector.views, rebuilt_from_scratch(db, app).views)


def test_a_view_that_missed_an_entry_stops_at_its_next_event_rather_than_skip_it(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    recorded = app.record_entry(body("meeting"), by=BY)
    read_models.written()
    # A view that believes it has seen the entry's Recorded event, but has no row of it.
    blind = Projector(app, read_models.db, suffix="__blind")
    blind.create()
    for view in blind.views:
        view.insert_tracking(Tracking(view.application, recorded.position))
    corrected = app.correct_entry(
        recorded.id, expected_version=1, changes={"title": "Retitled"}, reason="typo", by=BY
    )
    with pytest.raises(LookupError, match=f"the timeline view has no entry {recorded.id}"):
        blind.catch_up()
    assert blind.view(TimelineView).position() == recorded.position  # nothing half-applied
    read_models.written()
    assert loads(read_models.queries.entry(recorded.id))["version"] == corrected.version


def test_views_closed_midway_resume_where_they_stopped(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    every_event(app, lambda: None)
    first = ReadModels(app, open_database(store_config), in_process=False)
    try:
        assert first.projector.catch_up(until=12) == 12
    finally:
        first.close()

    second = ReadModels(
        app, open_database(store_config), in_process=True
    )  # catches up as it opens
    try:
        assert second.projector.position() == app.head_position()
        assert_same_rows(second.projector.views, rebuilt_from_scratch(second.db, app).views)
    finally:
        second.close()


def test_waiting_for_a_position_returns_once_the_views_reflect_it(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    result = app.record_entry(body("meeting"), by=BY)  # no written(): nobody caught up yet

    assert read_models.wait_for(result.position) >= result.position
    assert read_models.projector.position() == result.position
    assert loads(read_models.queries.entry(result.id))["version"] == 1


def test_waiting_with_nobody_catching_up_times_out(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    models = ReadModels(app, open_database(store_config), in_process=False)
    try:
        seed(app)
        result = app.record_entry(body("meeting"), by=BY)
        with pytest.raises(TimeoutError):
            models.wait_for(result.position, timeout=0.3)
        with pytest.raises(EntryNotFound):
            models.queries.entry(result.id)
    finally:
        models.close()


def test_a_follower_applies_writes_as_postgresql_announces_them_and_stops_cleanly(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    models = ReadModels(app, open_database(store_config), in_process=False)
    try:
        if models.db.dialect.name != "postgresql":
            pytest.skip("only PostgreSQL announces new events (LISTEN/NOTIFY)")
        seed(app)
        first = app.record_entry(body("meeting"), by=BY)  # before the follower: caught up
        stop = threading.Event()
        follower = threading.Thread(target=models.projector.follow, args=(stop,))
        follower.start()
        try:
            models.wait_for(first.position, timeout=10)
            second = app.record_entry(body("call"), by=BY)  # announced while it follows
            models.wait_for(second.position, timeout=10)
            assert ids(models.queries.timeline(TimelineFilters())) == [second.id, first.id]
        finally:
            stop.set()
            follower.join(timeout=10)
        assert not follower.is_alive()
    finally:
        models.close()


def test_a_rebuild_swaps_in_while_writes_arrive_and_the_views_keep_every_event(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    """Writes land during the rebuild; on PostgreSQL a follower applies them meanwhile."""
    models = ReadModels(app, open_database(store_config), in_process=False)
    stop = threading.Event()
    follower = threading.Thread(target=models.projector.follow, args=(stop,))
    following = models.db.dialect.name == "postgresql"
    try:
        every_event(app, lambda: None)
        if following:
            follower.start()
        else:
            models.projector.catch_up()
        done = threading.Event()

        def keep_writing() -> None:
            for _ in range(100):  # a bounded stream, however long the rebuild takes
                if done.is_set():
                    return
                app.record_entry(body("statement"), by=BY)

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            models.projector.rebuild()
        finally:
            done.set()
            writer.join(timeout=30)
        head = app.head_position()
        if following:
            models.wait_for(head, timeout=30)
        else:
            models.projector.catch_up()
        assert models.projector.position() == head
        assert_same_rows(models.projector.views, rebuilt_from_scratch(models.db, app).views)
    finally:
        stop.set()
        if follower.is_alive():
            follower.join(timeout=10)
        models.close()


def test_two_processes_applying_the_same_events_at_once_apply_them_once(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    """The second waits for the first's commit, then finds the events already applied."""
    seed(app)
    recorded = app.record_entry(body("meeting"), by=BY)
    first_db, second_db = open_database(store_config), open_database(store_config)
    try:
        first, second = Projector(app, first_db), Projector(app, second_db)
        first.create()
        first.catch_up()
        app.correct_entry(
            recorded.id,
            expected_version=1,
            changes={"actors": [{"actor": "joe-biden", "role": "host"}]},
            reason="the host was missing",
            by=BY,
        )
        pending = app.recorder.select_notifications(
            start=first.position(), limit=10, inclusive_of_start=False
        )
        applied, release = threading.Event(), threading.Event()

        def apply_and_hold() -> None:
            with first_db.write() as c:
                first._apply(c, decode(pending))
                applied.set()
                release.wait(timeout=30)

        holder = threading.Thread(target=apply_and_hold)
        holder.start()
        applied.wait(timeout=30)
        racer = threading.Thread(target=lambda: second.catch_up())
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # waiting for the first to commit, not applying beside it
        release.set()
        holder.join(timeout=30)
        racer.join(timeout=30)
        assert_same_rows(first.views, rebuilt_from_scratch(first_db, app).views)
    finally:
        first_db.close()
        second_db.close()


def test_a_second_rebuild_is_refused_while_one_is_under_way(
    read_models: ReadModels, store_config: StoreConfig
) -> None:
    with read_models.db.exclusive_rebuild():
        with pytest.raises(RebuildRunning, match="another replay of these views is running"):
            read_models.projector.rebuild()
        other = open_database(store_config)  # as another process would open the store
        try:
            with pytest.raises(RebuildRunning):
                Projector(read_models.projector.app, other).rebuild()
        finally:
            other.close()
    assert read_models.projector.rebuild().position == read_models.projector.position()


def test_views_in_process_follow_writes_made_by_another_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    config = parse_store_url(url)
    env = config.env()
    reader_app, writer_app = TimelineApp(env), TimelineApp(store_env(url))
    models = ReadModels(reader_app, open_database(config))
    try:
        models.follow_in_background(interval=0.05)
        writer_app.register_actor(ACTORS[0], by="importer")
        deadline = time.monotonic() + 5
        while not models.queries.actors("blinken") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [loads(a)["id"] for a in models.queries.actors("blinken")] == ["antony-blinken"]
    finally:
        models.close()
        reader_app.close()
        writer_app.close()


def test_a_read_sees_one_snapshot_though_a_write_commits_between_its_queries(
    read_models: ReadModels,
) -> None:
    db = read_models.db
    create_table(db, "snapshot_probe", "CREATE TABLE IF NOT EXISTS snapshot_probe (n INTEGER)")
    with db.write() as c:
        c.execute("INSERT INTO snapshot_probe VALUES (1)")
    with db.read() as c:
        c.execute("SELECT COUNT(*) FROM snapshot_probe")
        before = c.fetchone()
        writer = threading.Thread(target=insert_probe, args=(db,))
        writer.start()
        writer.join()
        c.execute("SELECT COUNT(*) FROM snapshot_probe")
        assert c.fetchone() == before == (1,)
    with db.read() as c:
        c.execute("SELECT COUNT(*) FROM snapshot_probe")
        assert c.fetchone() == (2,)


def insert_probe(db: Database) -> None:
    with db.write() as c:
        c.execute("INSERT INTO snapshot_probe VALUES (2)")


def test_views_applied_together_equal_views_applied_one_at_a_time_and_take_a_batch_once(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    """A follower keeps its group's views in one transaction a batch, their locks,
    positions and tracking records written once for all; a batch delivered again,
    or one that overlaps what a view holds, changes nothing."""
    every_event(app, lambda: None)
    db = open_database(store_config)
    try:
        together = Projector(app, db)
        together.create()
        notifications = app.recorder.select_notifications(start=1, limit=1000)
        changes = decode(notifications)
        # Overlapping batches, one delivered again: each view takes only what it lacks.
        batches = [changes[:7], changes[3:12], changes[12:], changes[5:9]]
        for batch in batches:
            with db.write() as c:
                together._apply_together(c, batch)
        head = notifications[-1].id
        assert together.positions() == {view.tracking_name: head for view in together.views}
        assert_same_rows(together.views, rebuilt_from_scratch(db, app).views)
    finally:
        db.close()


@pytest.mark.postgres
def test_views_applied_together_are_announced_in_one_notification(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    models = ReadModels(app, open_database(store_config), in_process=False)
    try:
        if models.db.dialect.name != "postgresql":
            pytest.skip("only PostgreSQL announces the views' positions")
        seed(app)
        head = app.head_position()
        models.projector.listen_poll = 60.0  # only a notification can wake the wait
        listener = models.projector.listener()
        assert listener.wait(0, timeout=30) == 0  # listening, the positions read once
        with models.db.write() as c:
            models.projector._apply_together(
                c, decode(app.recorder.select_notifications(start=1, limit=1000))
            )
        assert models.wait_for(head, timeout=30) == head
        # One for the views kept together, one for the ledger, which keeps its own.
        assert listener.notifications == 2
    finally:
        models.close()
