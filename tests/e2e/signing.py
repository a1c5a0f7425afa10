"""Helpers for the tests of signed checkpoints: keys on disk, a store recorded and
signed, the `policy-timeline` command run with the environment a test chooses,
and an insider's rewrite of the stored rows with plain SQL."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from api.tokens import TokenStore
from domain import TimelineApp, parse_store_url
from projections.database import open_database
from projections.trust.attest import attest
from projections.trust.notes import ED25519, SignerKey
from projections.trust.signer import CheckpointSigner, write_private
from scripts.cli import main
from tests.builders import body, seed
from tests.e2e.test_cli import COMMAND, serving

__all__ = [
    "LOG",
    "audit_token",
    "cli",
    "cli_here",
    "forget_the_ledger",
    "new_key",
    "record_and_sign",
    "rewitness",
    "rewrite_a_title",
    "signed_server",
]

LOG = "example.com/log"
KINDS = ("meeting", "call", "statement", "policy_action")


def new_key(path: Path, name: str = LOG, kind: int = ED25519) -> SignerKey:
    """A new key written to `path` as `keys create` writes it."""
    key = SignerKey.generate(name, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, f"{key}\n")
    return key


def cli(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `policy-timeline ARGS` with this environment, minus the store and signing
    variables, plus `env`."""
    unset = ("TIMELINE_DB", "TIMELINE_SIGNING_KEY", "TIMELINE_LOG_ORIGIN")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env or {})
    return subprocess.run(
        [COMMAND, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_here(
    *args: str, capsys: pytest.CaptureFixture[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `policy-timeline ARGS` in this process (the same parser and code as the
    command, without the second it takes to start one), as `cli` answers."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("TIMELINE_DB", "TIMELINE_SIGNING_KEY", "TIMELINE_LOG_ORIGIN"):
            patch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
    said = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, said.out, said.err)


def record_and_sign(url: str, key_path: Path | None, entries: int = 4) -> int:
    """Actors, a source and entries, the ledger caught up and (with a key) its head
    signed, as `load-sample` leaves a SQLite store; the log's head position."""
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    db = open_database(config)
    try:
        seed(app)
        for i in range(entries):
            app.record_entry(body(KINDS[i % len(KINDS)], title=f"Entry {i}"), by="tests")
        signer = None if key_path is None else CheckpointSigner(key_path)
        done = attest(app, db, signer)
        assert done.refusal is None, done.refusal
        return app.head_position()
    finally:
        db.close()
        app.close()


def rewrite_a_title(url: str, title: str = "Rewritten by an insider") -> int:
    """Change the title in the first stored event that has one, with plain SQL on
    the events table; the position changed."""
    db = open_database(parse_store_url(url))
    table, key = db.log_table, db.dialect.log_position
    try:
        with db.write() as c:
            c.execute(f"SELECT {key}, state FROM {table} ORDER BY {key}")
            for position, state in c.fetchall():
                data = orjson.loads(bytes(state))
                if "title" in data:
                    data["title"] = title
                    c.execute(
                        f"UPDATE {table} SET state = ? WHERE {key} = ?",
                        (orjson.dumps(data), position),
                    )
                    return int(position)
    finally:
        db.close()
    raise AssertionError("no stored event has a title")


def forget_the_ledger(url: str) -> None:
    """Delete every row the ledger holds and its tracking position, as an insider
    covering a rewrite would, so that it witnesses the log again from the start."""
    db = open_database(parse_store_url(url))
    try:
        with db.write() as c:
            for table in ("ledger_leaves", "ledger_nodes", "ledger_checkpoints"):
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM projection_tracking WHERE view = ?", ("ledger",))
    finally:
        db.close()


def rewitness(url: str) -> int:
    """Catch the ledger up with the log as stored now, signing nothing; its tree size."""
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    db = open_database(config)
    try:
        return attest(app, db, None).tree_size
    finally:
        db.close()
        app.close()


def audit_token(url: str) -> str:
    db = open_database(parse_store_url(url))
    try:
        return TokenStore(db).create("auditor", ["audit"])
    finally:
        db.close()


@contextmanager
def signed_server(url: str, key_path: Path, cwd: Path) -> Iterator[str]:
    """A real `policy-timeline serve` on `url` signing with `key_path`; its base URL."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIMELINE_SIGNING_KEY", str(key_path))
        patch.delenv("TIMELINE_LOG_ORIGIN", raising=False)
        with serving("--db", url, cwd=cwd) as base:
            # The server copied the environment when it started.
            patch.undo()
            yield base
