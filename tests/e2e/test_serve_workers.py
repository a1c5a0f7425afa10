"""`policy-timeline serve --workers N`: one port served by N processes on one store."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from domain import TimelineApp, store_env
from tests.builders import body, seed
from tests.e2e.test_cli import COMMAND, _bearer, _token, serving

pytestmark = pytest.mark.alone


def test_two_workers_answer_a_write_with_its_entry_and_show_writes_made_beside_them(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    app = TimelineApp(store_env(url))
    seed(app)
    app.close()
    writer = _token(url, "desk", "read,write", tmp_path)
    with serving("--db", url, cwd=tmp_path, options=("--workers", "2")) as base:
        # A worker applies no events itself: the write answers once the serving
        # process has applied it, well within the read wait.
        created = httpx.post(
            f"{base}/api/v1/entries", json=body("meeting"), headers=_bearer(writer), timeout=30
        )
        position = created.headers["Log-Position"]
        # New connections, so both workers answer some of them.
        reads = [
            httpx.get(f"{base}/api/v1/timeline", params={"min_position": position}, timeout=30)
            for _ in range(8)
        ]
        # Another process writes to the store: no worker hears of it, the
        # serving process's follower applies it.
        beside = TimelineApp(store_env(url))
        beside.register_actor(
            {"id": "ken-salazar", "name": "Ken Salazar", "kind": "person"}, by="t"
        )
        beside.close()
        deadline = time.monotonic() + 20
        while (found := httpx.get(f"{base}/api/v1/actors/ken-salazar")).status_code == 404:
            assert time.monotonic() < deadline, "the workers never saw the write beside them"
            time.sleep(0.2)
        health = httpx.get(f"{base}/api/v1/health", timeout=30).json()
    assert created.status_code == 201, created.text
    for read in reads:
        assert [item["id"] for item in read.json()["items"]] == [created.json()["id"]]
        assert read.headers["Log-Position"] == position
    assert found.json()["name"] == "Ken Salazar"
    assert {lag["behind"] for lag in health["lag"]} == {0}


def test_serve_refuses_fewer_than_one_worker(tmp_path: Path) -> None:
    done = subprocess.run(
        [COMMAND, "--db", f"sqlite:///{tmp_path}/t.db", "serve", "--workers", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers: expected 1 or more, not 0" in done.stderr
