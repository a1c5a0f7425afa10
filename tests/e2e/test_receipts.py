"""Receipts (GET /audit/receipt, C2SP tlog-proof) saved from a real server and
checked offline with `verify --receipt FILE --key KEY`; `keys create`; and
`verify` on a store holding events its ledger has not witnessed."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from domain import TimelineApp, store_env
from projections.trust.notes import COSIGNATURE_V1, ED25519, SignerKey, VerifierKey
from tests.builders import body
from tests.e2e.conftest import BASE as API
from tests.e2e.signing import (
    LOG,
    audit_token,
    cli,
    cli_here,
    new_key,
    record_and_sign,
    signed_server,
)


@dataclass(frozen=True)
class Served:
    base: str
    token: str
    head: int
    key: Path
    """A file holding the log's verifier key, as GET /audit/key answered it."""
    folder: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One signing server on SQLite for the module: the receipts only read it."""
    folder = tmp_path_factory.mktemp("receipts")
    url, key_path = f"sqlite:///{folder}/t.db", folder / "log.key"
    new_key(key_path)
    head = record_and_sign(url, key_path)
    token = audit_token(url)
    with signed_server(url, key_path, folder) as base:
        (folder / "log.vkey").write_text(httpx.get(f"{base}{API}/audit/key").text)
        yield Served(base, token, head, folder / "log.vkey", folder)


def receipt(served: Served, position: int) -> httpx.Response:
    return httpx.get(
        f"{served.base}{API}/audit/receipt",
        params={"position": position},
        headers={"Authorization": f"Bearer {served.token}"},
    )


def saved(served: Served, position: int, tmp_path: Path) -> Path:
    answer = receipt(served, position)
    assert answer.status_code == 200, answer.text
    path = tmp_path / f"receipt-{position}.txt"
    path.write_text(answer.text)
    return path


def test_a_saved_receipt_checks_offline_with_the_logs_key(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved(served, 3, tmp_path)
    lines = path.read_text().split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1].startswith("extra ")
    assert lines[2] == "index 2"
    assert f"\n\n{LOG}\n{served.head}\n" in path.read_text()

    nowhere = f"sqlite:///{tmp_path}/absent/none.db"
    done = cli(
        "verify", "--receipt", str(path), "--key", str(served.key), "--db", nowhere, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: the event at position 3 ")
    assert f"is leaf 2 of the tree signed by {LOG}" in done.stdout
    assert not (tmp_path / "absent").exists()
    # The key itself instead of a file holding it.
    key = served.key.read_text().strip()
    again = cli_here("verify", "--receipt", str(path), "--key", key, capsys=capsys)
    assert again.returncode == 0, again.stderr


def test_a_receipt_whose_event_changed_by_one_byte_does_not_check(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved(served, served.head, tmp_path)
    header, extra, rest = path.read_text().split("\n", 2)
    event = orjson.loads(base64.b64decode(extra.removeprefix("extra ")))
    state = bytearray(base64.b64decode(event["state"]))
    state[len(state) // 2] ^= 1
    event["state"] = base64.b64encode(state).decode()
    altered = base64.b64encode(orjson.dumps(event)).decode()
    path.write_text(f"{header}\nextra {altered}\n{rest}")

    done = cli_here("verify", "--receipt", str(path), "--key", str(served.key), capsys=capsys)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"NOT OK: the event at position {served.head} is not leaf")
    assert "the event or the proof was altered" in done.stdout


def test_a_receipt_whose_path_changed_does_not_check(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved(served, 4, tmp_path)
    lines = path.read_text().split("\n")
    hashed = bytearray(base64.b64decode(lines[3]))
    hashed[0] ^= 0x80
    lines[3] = base64.b64encode(hashed).decode()
    path.write_text("\n".join(lines))

    done = cli_here("verify", "--receipt", str(path), "--key", str(served.key), capsys=capsys)
    assert done.returncode == 1, done.stderr
    assert "NOT OK: the event at position 4 is not leaf 3" in done.stdout


def test_a_receipt_checked_with_another_key_does_not_check(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved(served, 4, tmp_path)
    other = str(SignerKey.generate(LOG).verifier)
    done = cli_here("verify", "--receipt", str(path), "--key", other, capsys=capsys)
    assert done.returncode == 1, done.stderr
    assert f"NOT OK: the checkpoint carries no valid signature of the key {LOG!r}" in done.stdout
    done = cli_here("verify", "--receipt", str(path), capsys=capsys)
    assert done.returncode == 2
    assert "--receipt needs the log's key" in done.stderr


def test_a_receipt_needs_an_audit_token_and_a_witnessed_position(served: Served) -> None:
    anonymous = httpx.get(f"{served.base}{API}/audit/receipt", params={"position": 1})
    assert anonymous.status_code == 401
    assert receipt(served, served.head + 1).status_code == 422
    assert receipt(served, 0).status_code == 422


# keys create ----------------------------------------------------------------------


def test_keys_create_writes_a_private_file_prints_its_verifier_and_never_overwrites(
    tmp_path: Path,
) -> None:
    out = tmp_path / "keys" / "log.key"
    done = cli("keys", "create", "--out", str(out), "--name", "example.com/log", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = SignerKey.parse(out.read_text())
    printed = VerifierKey.parse(done.stdout)
    assert printed == key.verifier
    assert (printed.name, printed.kind) == ("example.com/log", ED25519)

    before = out.read_text()
    again = cli("keys", "create", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 2
    assert f"{out} exists; a key is never overwritten" in again.stderr
    assert out.read_text() == before


def test_keys_create_witness_makes_a_cosigning_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "witness.key"
    done = cli_here("keys", "create", "--out", str(out), "--witness", capsys=capsys)
    assert done.returncode == 0, done.stderr
    assert VerifierKey.parse(done.stdout).kind == COSIGNATURE_V1
    assert SignerKey.parse(out.read_text()).kind == COSIGNATURE_V1
    bad = cli_here("keys", "create", "--out", str(tmp_path / "x"), "--name", "a b", capsys=capsys)
    assert bad.returncode == 2
    assert "expected a non-empty name without spaces" in bad.stderr
    assert not (tmp_path / "x").exists()


# verify and events nothing has witnessed -----------------------------------------------


def test_verify_exits_3_counting_the_events_the_ledger_has_not_witnessed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    key_path = tmp_path / "log.key"
    new_key(key_path)
    head = record_and_sign(url, key_path, entries=1)
    app = TimelineApp(store_env(url))
    try:
        app.record_entry(body("meeting", title="Unwitnessed one"), by="tests")
        app.record_entry(body("call", title="Unwitnessed two"), by="tests")
    finally:
        app.close()

    done = cli("verify", "--db", url, cwd=tmp_path, env={"TIMELINE_SIGNING_KEY": str(key_path)})
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"NOT OK yet: 2 events after position {head} are not attested" in done.stdout
