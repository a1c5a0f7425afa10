"""`verify` as a user runs it: the log checked against its ledger, and proofs saved and
checked again offline, in real processes on real stores."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from domain import TimelineApp, parse_store_url
from projections import ReadModels
from projections.database import open_database
from tests.builders import BODIES, body, seed
from tests.e2e.test_cli import COMMAND
from tests.postgres import PostgresServer


def recorded_store(url: str) -> int:
    """Actors, a source and an entry of every kind, witnessed by the ledger; the head."""
    config = parse_store_url(url)
    env = config.env()
    app = TimelineApp(env)
    read_models = ReadModels(app, open_database(config), in_process=True)
    try:
        seed(app)
        read_models.written()
        for kind in BODIES:
            app.record_entry(body(kind), by="tests")
            read_models.written()
        return app.head_position()
    finally:
        read_models.close()
        app.close()


def verify(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "--db", url, "verify", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_verify_finds_an_untouched_log_ok_then_names_the_byte_changed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = recorded_store(url)

    done = verify(url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"ok: {head} events and 8 checkpoints match the ledger" in done.stdout
    as_json = json.loads(verify(url, "--json", cwd=tmp_path).stdout)
    assert as_json["ok"] is True
    assert as_json["checked"] == head
    assert len(as_json["head"]["hash"]) == 64

    with sqlite3.connect(tmp_path / "t.db") as db:
        state = bytearray(
            db.execute("SELECT state FROM stored_events WHERE rowid = 9").fetchone()[0]
        )
        state[-3] ^= 1
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 9", (bytes(state),))

    done = verify(url, cwd=tmp_path)
    assert done.returncode == 1
    assert "NOT OK: the log and its ledger disagree at position 9 (changed)" in done.stdout
    report = json.loads(verify(url, "--json", cwd=tmp_path).stdout)
    assert report["first_bad"]["position"] == 9
    assert report["first_bad"]["problem"] == "changed"


def test_a_saved_inclusion_proof_checks_offline_and_fails_when_edited(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    recorded_store(url)
    proof = tmp_path / "proof.json"
    done = verify(url, "--save-proof", "9", "-o", str(proof), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    saved: dict[str, Any] = json.loads(proof.read_text())
    assert saved["kind"] == "inclusion"
    assert saved["event"]["position"] == 9

    # Offline: a store URL that names nothing, and nothing is created there.
    nowhere = f"sqlite:///{tmp_path}/absent/none.db"
    done = verify(nowhere, "--proof", str(proof), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: the event at position 9")
    assert not (tmp_path / "absent").exists()

    state = bytearray(base64.b64decode(saved["event"]["state"]))
    state[5] ^= 1
    saved["event"]["state"] = base64.b64encode(state).decode()
    del saved["leaf_hash"]
    proof.write_text(json.dumps(saved))
    done = verify(nowhere, "--proof", str(proof), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("NOT OK: the event at position 9")


def test_a_saved_consistency_proof_shows_the_log_only_grew(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = recorded_store(url)
    proof = tmp_path / "grew.json"
    done = verify(url, "--save-consistency", "7", str(head), "-o", str(proof), cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    done = verify(url, "--consistency", str(proof), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "the tree of 7 events (root" in done.stdout
    assert f"is a prefix of the tree of {head}" in done.stdout

    saved = json.loads(proof.read_text())
    saved["first"]["root"] = saved["second"]["root"]
    proof.write_text(json.dumps(saved))
    assert verify(url, "--consistency", str(proof), cwd=tmp_path).returncode == 1


def test_questions_verify_cannot_answer_exit_2_with_the_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    head = recorded_store(url)
    done = verify(url, "--save-proof", str(head + 1), cwd=tmp_path)
    assert done.returncode == 2
    assert f"up to position {head}, not yet {head + 1}" in done.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    done = verify(url, "--proof", str(garbage), cwd=tmp_path)
    assert done.returncode == 2
    assert "is not JSON" in done.stderr
    garbage.write_text(json.dumps({"kind": "consistency"}))
    done = verify(url, "--proof", str(garbage), cwd=tmp_path)
    assert done.returncode == 2
    assert "this is not a saved inclusion proof" in done.stderr


def test_a_saved_proof_with_numbers_no_leaf_can_hold_exits_2_naming_the_field(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    recorded_store(url)
    proof = tmp_path / "proof.json"
    assert verify(url, "--save-proof", "3", "-o", str(proof), cwd=tmp_path).returncode == 0
    saved: dict[str, Any] = json.loads(proof.read_text())
    del saved["leaf_hash"]
    edits: list[tuple[str, Any, str]] = [
        ("originator_version", -1, "event.originator_version: expected a whole number"),
        ("position", 2**70, "event.position: expected a whole number from 1 to 2**64 - 1"),
        ("position", "3", "event.position: expected int"),
    ]
    for field, value, said in edits:
        proof.write_text(json.dumps({**saved, "event": {**saved["event"], field: value}}))
        done = verify(url, "--proof", str(proof), cwd=tmp_path)
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert said in done.stderr
        assert "Traceback" not in done.stderr
    proof.write_text(json.dumps({**saved, "head": {**saved["head"], "root": "x"}}))
    done = verify(url, "--proof", str(proof), cwd=tmp_path)
    assert done.returncode == 2
    assert "head.root: expected a SHA-256 hash" in done.stderr
    proof.write_bytes(b"\xff\x00\xfe")
    done = verify(url, "--proof", str(proof), cwd=tmp_path)
    assert done.returncode == 2
    assert "is not JSON" in done.stderr


@pytest.mark.postgres
def test_verify_checks_a_postgresql_log_and_names_a_deleted_event(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    with postgres.database() as url:
        head = recorded_store(url)
        done = verify(url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"ok: {head} events" in done.stdout

        config = parse_store_url(url)

        env = config.env()
        app = TimelineApp(env)
        read_models = ReadModels(app, open_database(config), in_process=False)
        try:
            with read_models.db.write() as c:
                c.execute(f"DELETE FROM {read_models.db.log_table} WHERE notification_id = 3")
        finally:
            read_models.close()
            app.close()
        done = verify(url, "--json", cwd=tmp_path)
        assert done.returncode == 1
        bad = json.loads(done.stdout)["first_bad"]
        assert (bad["position"], bad["problem"]) == (3, "missing")
