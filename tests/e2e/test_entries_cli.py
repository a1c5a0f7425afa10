"""`policy-timeline entries cite`: one more source for an entry, from the command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson

from domain import TimelineApp, store_env
from tests.builders import body, seed
from tests.e2e.test_cli import COMMAND

OTHER = {"id": "reuters-2023-12-28", "title": "Border crossings reopen", "publisher": "Reuters"}


def _cite(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "entries", "cite", *args, "--db", url],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_entries_cite_adds_the_source_and_prints_the_new_version(
    store_url: str, tmp_path: Path
) -> None:
    app = TimelineApp(store_env(store_url))
    try:
        seed(app)
        app.register_source(OTHER, by="tests")
        entry = app.record_entry(body("meeting"), by="tests").id
        done = _cite(
            store_url, tmp_path, entry.upper(), "--source", OTHER["id"], "--quote", "reopen",
            "--locator", "paragraph 4", "--expected-version", "1", "--by", "desk",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = orjson.loads(done.stdout)
        assert (result["id"], result["version"]) == (entry, 2)
        assert result["position"] == app.head_position()
        cited = app.get_entry(entry)
        assert cited.citations[-1] == {
            "source": OTHER["id"],
            "quote": "reopen",
            "locator": "paragraph 4",
        }
    finally:
        app.close()


def test_entries_cite_refuses_an_unknown_source_or_entry_with_exit_1(
    store_url: str, tmp_path: Path
) -> None:
    app = TimelineApp(store_env(store_url))
    try:
        seed(app)
        entry = app.record_entry(body("meeting"), by="tests").id
        head = app.head_position()
    finally:
        app.close()
    unknown = _cite(store_url, tmp_path, entry, "--source", "nobody-wrote-this")
    assert unknown.returncode == 1
    assert "source: no source 'nobody-wrote-this' is registered" in unknown.stderr
    missing = _cite(store_url, tmp_path, "not-an-entry", "--source", OTHER["id"])
    assert missing.returncode == 1
    assert "not-an-entry" in missing.stderr
    stale = _cite(
        store_url, tmp_path, entry, "--source", "cbs-2023-12-28", "--expected-version", "3"
    )
    assert stale.returncode == 1
    app = TimelineApp(store_env(store_url))
    try:
        assert app.head_position() == head
    finally:
        app.close()
