"""The view followers on PostgreSQL as a deployment runs them: `project`
supervises one process for the rebuildable views and one for the ledger, and
`serve` alone runs them itself."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from domain import TimelineApp, parse_store_url
from projections import VIEW_CLASSES, ReadModels, TimelineFilters
from projections.database import open_database
from scripts.followers import follower_groups
from scripts.soak import follower_pids
from tests.builders import body, seed
from tests.e2e.test_cli import COMMAND, _bearer, _token, serving
from tests.postgres import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.alone]

GROUPS = len(follower_groups())


def _until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 60  # a bound for a stuck test, not a timing assertion
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_project_starts_killed_followers_again_and_every_view_catches_up(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    with postgres.database() as url:
        config = parse_store_url(url)
        app = TimelineApp(config.env())
        seed(app)
        project = subprocess.Popen(
            [COMMAND, "--db", url, "project"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        read_models = ReadModels(app, open_database(config), in_process=False)
        try:
            _until(
                lambda: len(follower_pids(project.pid)) >= GROUPS, "the followers never started"
            )
            _until(lambda: read_models.projector.position() == app.head_position(), "no catch-up")
            started = follower_pids(project.pid)
            for child in started:
                os.kill(child, signal.SIGKILL)
            recorded = app.record_entry(body("meeting"), by="tests")
            read_models.wait_for(recorded.position, timeout=60)
            positions = read_models.projector.positions()
            page = read_models.queries.timeline(TimelineFilters())
        finally:
            project.send_signal(signal.SIGINT)
            output, _ = project.communicate(timeout=60)
            read_models.close()
            app.close()
    assert len(started) == GROUPS, output
    assert positions == {cls.name: recorded.position for cls in VIEW_CLASSES}
    assert len(page.items) == 1
    assert "the views follower (timeline, entry_history," in output
    assert "the ledger follower (ledger) stopped (exit status -9)" in output
    assert project.returncode == 0, output


def test_serve_alone_keeps_the_views_up_so_a_write_answers_with_its_entry(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_READ_WAIT_SECONDS", "60")  # a loaded machine starts slowly
    with postgres.database() as url:
        app = TimelineApp(parse_store_url(url).env())
        seed(app)
        app.close()
        writer = _token(url, "desk", "read,write", tmp_path)
        with serving("--db", url, cwd=tmp_path) as base:
            created = httpx.post(
                f"{base}/api/v1/entries",
                json=body("meeting"),
                headers=_bearer(writer),
                timeout=60,
            )
            timeline = httpx.get(f"{base}/api/v1/timeline", timeout=60)
            health = httpx.get(f"{base}/api/v1/health", timeout=60)
    assert created.status_code == 201, created.text
    assert [item["id"] for item in timeline.json()["items"]] == [created.json()["id"]]
    assert health.status_code == 200, health.text
    assert {lag["behind"] for lag in health.json()["lag"]} == {0}


def test_project_holds_at_most_three_connections_a_follower_group(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """Each follower is one thread: one connection to read the log, one to write its
    views, one to listen, however many views its group keeps. The library's
    defaults kept five to the log alone, and a process a view made it 40."""
    with postgres.database() as url:
        config = parse_store_url(url)
        app = TimelineApp(config.env())
        seed(app)
        project = subprocess.Popen(
            [COMMAND, "--db", url, "project"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        read_models = ReadModels(app, open_database(config), in_process=False)
        try:
            _until(
                lambda: len(follower_pids(project.pid)) >= GROUPS, "the followers never started"
            )
            for kind in ("meeting", "call", "statement"):
                recorded = app.record_entry(body(kind), by="tests")
            read_models.wait_for(recorded.position, timeout=60)
        finally:
            read_models.close()
            app.close()
        try:
            # The server lets a closed connection's backend go a moment after the
            # client left: the test's own, and those `project` used to create tables.
            counts = []
            with psycopg.connect(url, autocommit=True) as admin:
                for _ in range(50):
                    row = admin.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).fetchone()
                    assert row is not None
                    counts.append(int(row[0]))
                    if counts[-1] <= 3 * GROUPS:
                        break
                    time.sleep(0.2)
        finally:
            project.send_signal(signal.SIGINT)
            output, _ = project.communicate(timeout=60)
    assert counts[-1] <= 3 * GROUPS, (counts, output)
