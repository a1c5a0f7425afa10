"""Views read as they stand (`projections.level`): level only when every view is,
and an export from them the same, byte for byte, as one from caught-up read models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from domain import CommandResult, StoreConfig, TimelineApp
from projections import ReadModels, TimelineFilters
from projections.bootstrap import System, SystemConfig
from projections.database import open_database
from projections.level import VIEW_SHAPES, LevelViews, views_level
from projections.presentation.exports import export, open_chronology
from projections.presentation.exports.references import References
from projections.projector import VIEW_CLASSES
from projections.views.view import SHAPES_TABLE
from tests.builders import body, seed

BY = "tests"


@pytest.fixture
def system(store_config: StoreConfig) -> Iterator[System]:
    with System(SystemConfig(store=store_config)) as built:
        yield built


def _history(app: TimelineApp) -> list[int]:
    """Entries and every kind of change to an actor, a merge with its reason last;
    the log position after each step."""
    seed(app)
    positions = [app.record_entry(body("meeting"), by=BY).position]
    steps: list[Callable[[], CommandResult]] = [
        lambda: app.rename_actor("antony-blinken", "Tony Blinken", by=BY, reason="nickname"),
        lambda: app.add_alias("antony-blinken", "Secretary Blinken", by=BY),
        lambda: app.assume_role(
            "antony-blinken", {"title": "Deputy Secretary of State", "start": "2015-01-09"}, by=BY
        ),
        lambda: app.end_role("antony-blinken", "Secretary of State", "2025-01-20", by=BY),
        lambda: app.register_actor(
            {"id": "blinken-dup", "name": "A. Blinken", "kind": "person"}, by=BY
        ),
        lambda: app.record_entry(
            body(
                "call",
                title="A call naming the duplicate",
                actors=[{"actor": "blinken-dup", "role": "caller"}],
            ),
            by=BY,
        ),
        lambda: app.merge_actor("blinken-dup", into="antony-blinken", by=BY, reason="same man"),
    ]
    positions += [step().position for step in steps]
    return positions


def test_the_level_check_knows_every_view_by_its_name_and_shape() -> None:
    assert {cls.name: cls.shape for cls in VIEW_CLASSES} == VIEW_SHAPES


def test_the_database_names_the_log_table_as_the_write_service_does(system: System) -> None:
    seed(system.app)
    # `Dialect.log_table` restates the library's name, for reading the log
    # without building the write service: its recorder says what it is.
    recorder: Any = system.app.recorder  # the backend's, with a datastore and a table
    schema = getattr(recorder.datastore, "schema", None)
    table = recorder.events_table_name
    assert system.db.log_table == (table if schema is None else f'"{schema}"."{table}"')
    with system.db.read() as c:
        c.execute(f"SELECT COUNT(*) FROM {system.db.log_table}")
        assert c.fetchone()[0] == system.app.head_position()


def test_views_are_level_only_when_each_has_reached_the_log_with_its_shape(
    system: System,
) -> None:
    assert not views_level(system.db), "no views yet"
    seed(system.app)
    assert not views_level(system.db), "the log has events, the views none"
    system.read_models(in_process=True)
    assert views_level(system.db)
    # A write the views have not applied yet: read_models() is not told of it.
    other = TimelineApp(system.config.store.env())
    try:
        other.record_entry(body("meeting"), by=BY)
    finally:
        other.close()
    assert not views_level(system.db)
    system.read_models().reached()
    assert views_level(system.db)
    with system.db.write() as c:
        c.execute(f"UPDATE {SHAPES_TABLE} SET shape = shape + 1 WHERE view = 'actors'")
    assert not views_level(system.db), "a view of another shape is not read as it stands"
    with system.db.write() as c:
        c.execute(f"DROP TABLE {SHAPES_TABLE}")
    assert not views_level(system.db), "views from before shapes were recorded"


def test_the_system_reads_views_as_they_stand_only_when_they_are_level(
    store_config: StoreConfig,
) -> None:
    with System(SystemConfig(store=store_config)) as system:
        seed(system.app)
        assert system.level_views() is None
    with System(SystemConfig(store=store_config)) as system:
        system.read_models(in_process=True)
    with System(SystemConfig(store=store_config)) as system:
        level = system.level_views()
        assert isinstance(level, LevelViews)
        assert "app" not in system.__dict__, "the write service is built only when asked for"
        assert level.wait_for(1, timeout=0.1) >= 1


def test_an_export_from_level_views_is_the_caught_up_export_at_every_position(
    app: TimelineApp, read_models: ReadModels, store_config: StoreConfig
) -> None:
    positions = _history(app)
    read_models.reached()
    built: list[TimelineApp] = []

    def write_service() -> TimelineApp:
        built.append(TimelineApp(store_config.env()))
        return built[-1]

    db = open_database(store_config)
    try:
        level = LevelViews(db, write_service)
        for position in [None, *positions]:
            for name in ("ndjson", "md", "csv"):
                want = export(
                    open_chronology(read_models, TimelineFilters(), as_of=position), name
                )
                got = export(open_chronology(level, TimelineFilters(), as_of=position), name)
                assert b"".join(got) == b"".join(want), (name, position)
        # The earlier positions precede the actor's changes: only they need the write model.
        assert built, "an actor as it stood before a change comes from the write model"
    finally:
        db.close()
        for service in built:
            service.close()


def test_the_actor_directory_answers_as_the_write_model_does(
    app: TimelineApp, read_models: ReadModels
) -> None:
    _history(app)
    head = read_models.reached()
    from_views = References(lambda: pytest.fail("the views answer"), read_models.db, head)
    slugs = ("antony-blinken", "blinken-dup", "alejandro-mayorkas", "joe-biden")
    model = References(lambda: app, read_models.db, head)
    for slug in slugs:
        views = from_views._actor_in_views(slug)
        assert views is not None
        written = model._actor_in_write_model(slug)
        assert {k: views[k] for k in written} == written, slug
    assert from_views.merged_into("blinken-dup") == ("antony-blinken", "same man")
    assert from_views.actor_record("antony-blinken")["roles"] == [
        {
            "title": "Secretary of State",
            "organization": "US Department of State",
            "start": "2021-01-26",
            "end": "2025-01-20",
        },
        {"title": "Deputy Secretary of State", "start": "2015-01-09"},
    ]
    assert from_views.source_record("cbs-2023-12-28")["type"] == "source"
