"""`replay` and `project` as a user runs them: real processes on real stores."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import orjson
import pytest

from domain import TimelineApp, parse_store_url
from projections import ReadModels, TimelineFilters
from projections.database import open_database
from scripts.followers import follower_groups
from tests.builders import BODIES, body, seed
from tests.e2e.test_cli import COMMAND
from tests.postgres import PostgresServer


def test_replay_rebuilds_every_view_and_finds_it_equal_to_the_live_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    seed(app)
    for kind in BODIES:
        app.record_entry(body(kind), by="tests")
    head = app.head_position()
    ReadModels(app, open_database(config)).close()  # the live views, caught up
    app.close()
    done = subprocess.run(
        [COMMAND, "--db", url, "replay", "--compare"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert f"replayed {head} events into 6 views" in done.stdout
    for view in (
        "timeline",
        "entry_history",
        "actors",
        "actor_versions",
        "co_actors",
        "references",
    ):
        assert f"{view}: rebuilt view same as the live one" in done.stdout
    app = TimelineApp(env)
    read_models = ReadModels(app, open_database(config))
    try:
        assert len(read_models.queries.timeline(TimelineFilters()).items) == len(BODIES)
    finally:
        read_models.close()
        app.close()


@pytest.mark.postgres
def test_project_follows_the_postgresql_log_in_processes_of_its_own(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    with postgres.database() as url:
        config = parse_store_url(url)
        env = config.env()
        app = TimelineApp(env)
        seed(app)
        follower = subprocess.Popen(
            [COMMAND, "--db", url, "project"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        read_models = ReadModels(app, open_database(config), in_process=False)
        try:
            recorded = app.record_entry(body("meeting"), by="tests")
            stalled = ""
            try:
                read_models.wait_for(recorded.position, timeout=60)
            except TimeoutError:
                # Say where each view stood, and what the followers printed, below.
                with read_models.db.read() as c:
                    stalled = ", ".join(
                        f"{view.name} at {view._position(c)}"
                        for view in read_models.projector.views
                    )
            else:
                page = read_models.queries.timeline(TimelineFilters())
                assert [orjson.loads(item)["id"] for item in page.items] == [recorded.id]
                assert page.as_of.position == recorded.position
        finally:
            follower.send_signal(signal.SIGINT)
            output, _ = follower.communicate(timeout=60)
            read_models.close()
            app.close()
        assert not stalled, f"not at {recorded.position} after 60 s: {stalled}\n{output}"
        assert follower.returncode == 0, output
        assert f"following the log with {len(follower_groups())} processes" in output


def test_replay_compare_exits_1_and_names_a_view_that_went_wrong(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    seed(app)
    app.record_entry(body("meeting"), by="tests")
    read_models = ReadModels(app, open_database(config))
    with read_models.db.write() as c:
        c.execute("UPDATE actor_directory SET body = CAST('{}' AS BLOB)")
    read_models.close()
    app.close()
    done = subprocess.run(
        [COMMAND, "--db", url, "replay", "--compare"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "actors: rebuilt view DIFFERS from the live one" in done.stdout
    assert "timeline: rebuilt view same as the live one" in done.stdout


def test_replay_says_which_command_names_an_event_altered_past_reading(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    seed(app)
    app.close()
    with sqlite3.connect(tmp_path / "t.db") as db:
        db.execute("UPDATE stored_events SET state = CAST('not json' AS BLOB) WHERE rowid = 2")
    done = subprocess.run(
        [COMMAND, "--db", url, "replay"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "changed outside the engine past reading" in done.stderr
    assert "Traceback" not in done.stderr
