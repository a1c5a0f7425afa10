"""A witness against real servers on each backend: a forked log and a rolled-back one.

The stand-in server of `test_witness.py` serves crafted notes that an honest
server would refuse to sign; here the stores, the signer and the server are
the real ones, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import BASE as API
from tests.e2e.signing import cli, cli_here, new_key, record_and_sign, signed_server
from tests.postgres import PostgresServer


@contextmanager
def second_store(store_url: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Another fresh store of the same backend as `store_url`."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{folder / 'other.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.database() as url:
        yield url


def only_evidence(state: Path) -> Path:
    [folder] = (state / "evidence").iterdir()
    return folder


def test_a_second_log_signed_by_a_copy_of_the_key_is_refused_as_a_fork(
    store_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_a, key_b = tmp_path / "a" / "log.key", tmp_path / "b" / "log.key"
    new_key(key_a)
    key_b.parent.mkdir()
    shutil.copy(key_a, key_b)  # the key alone, without what it signed
    state = tmp_path / "witness"
    with second_store(store_url, tmp_path, request) as other:
        size = record_and_sign(store_url, key_a, entries=3)
        assert record_and_sign(other, key_b, entries=3) == size
        with signed_server(store_url, key_a, tmp_path) as base:
            kept = httpx.get(f"{base}{API}/audit/checkpoint").text
            assert cli_here("witness", base, "--state", str(state), capsys=capsys).returncode == 0
        with signed_server(other, key_b, tmp_path) as base:
            forked = httpx.get(f"{base}{API}/audit/checkpoint").text
            done = cli("witness", base, "--state", str(state), cwd=tmp_path)
    assert forked != kept
    assert done.returncode == 1, done.stderr
    assert "REFUSED: forked: two different trees" in done.stderr
    evidence = only_evidence(state)
    assert (evidence / "previous.checkpoint").read_text() == kept
    assert (evidence / "new.checkpoint").read_text() == forked
    # The witness keeps what it verified, not what it refused.
    assert (state / "checkpoint").read_text() == kept


def test_a_log_restored_to_fewer_events_is_refused_by_its_signer_and_its_witness(
    store_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A store put back to an older, smaller copy under the same key and signer state:
    the signer will not sign a tree smaller than one it signed, and the witness that
    kept the larger checkpoint refuses with evidence."""
    key = tmp_path / "log.key"
    new_key(key)
    state = tmp_path / "witness"
    with second_store(store_url, tmp_path, request) as smaller:
        larger_size = record_and_sign(store_url, key, entries=4)
        with signed_server(store_url, key, tmp_path) as base:
            kept = httpx.get(f"{base}{API}/audit/checkpoint").text
            assert cli_here("witness", base, "--state", str(state), capsys=capsys).returncode == 0
        assert record_and_sign(smaller, None, entries=1) < larger_size
        with signed_server(smaller, key, tmp_path) as base:
            checkpoint = httpx.get(f"{base}{API}/audit/checkpoint")
            health = httpx.get(f"{base}{API}/health")
            done = cli("witness", base, "--state", str(state), cwd=tmp_path)
    assert checkpoint.status_code == 503
    assert "events were removed or the ledger replaced" in checkpoint.json()["detail"]
    assert (health.status_code, health.json()["status"]) == (503, "refusing to sign")
    assert done.returncode == 1, done.stderr
    assert "REFUSED: rolled back" in done.stderr
    evidence = only_evidence(state)
    assert (evidence / "previous.checkpoint").read_text() == kept
    assert "rolled back" in (evidence / "why.txt").read_text()
