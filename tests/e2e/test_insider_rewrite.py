"""An insider with the database rewrites one event and the whole ledger with it,
with plain SQL, on each backend. The ledger then agrees with the rewritten log,
but the key held outside the database does not: the checkpoint kept from
before, the log's own signer and a witness each say so."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import BASE as API
from tests.e2e.signing import (
    cli,
    cli_here,
    forget_the_ledger,
    new_key,
    record_and_sign,
    rewitness,
    rewrite_a_title,
    signed_server,
)


def test_a_log_rewritten_with_its_ledger_is_caught_by_the_key_held_outside(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "keys" / "log.key"
    new_key(key_path)
    head = record_and_sign(store_url, key_path)
    kept, verifier_key, state = tmp_path / "kept.checkpoint", tmp_path / "log.vkey", tmp_path / "w"

    with signed_server(store_url, key_path, tmp_path) as base:
        answer = httpx.get(f"{base}{API}/audit/checkpoint")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/plain")
        kept.write_text(answer.text)
        verifier_key.write_text(httpx.get(f"{base}{API}/audit/key").text)
        first = cli("witness", base, "--state", str(state), cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert f"at {head} events" in first.stdout
    # What the log's key signed is kept beside it, outside the database, too.
    assert (tmp_path / "keys" / "log.key.checkpoint").read_text() == kept.read_text()
    trusting = ("--trusted", str(kept), "--key", str(verifier_key))
    assert cli_here("verify", "--db", store_url, *trusting, capsys=capsys).returncode == 0

    changed = rewrite_a_title(store_url)
    forget_the_ledger(store_url)
    assert rewitness(store_url) == head
    # The ledger now agrees with the rewritten log: alone, it proves nothing.
    assert cli_here("verify", "--db", store_url, capsys=capsys).returncode == 0

    done = cli("verify", *trusting, "--db", store_url, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"NOT OK: trusted checkpoint {kept}: the log's first {head} events now hash to" in (
        done.stdout
    )
    assert "the log was rewritten" in done.stdout
    done = cli_here("verify", "--db", store_url, *trusting, "--json", capsys=capsys)
    assert done.returncode == 1
    [trusted] = json.loads(done.stdout)["trusted"]
    assert (trusted["file"], trusted["ok"]) == (str(kept), False)
    first_changed, last_changed = trusted["first_difference"]
    assert first_changed <= changed <= last_changed

    signing = {"TIMELINE_SIGNING_KEY": str(key_path)}
    done = cli_here("verify", "--db", store_url, capsys=capsys, env=signing)
    assert done.returncode == 1, done.stdout
    assert "NOT OK: the log's signer refuses its latest checkpoint" in done.stdout
    assert "the log was rewritten since; refusing to sign it" in done.stdout

    with signed_server(store_url, key_path, tmp_path) as base:
        health = httpx.get(f"{base}{API}/health")
        assert health.status_code == 503
        assert health.json()["status"] == "refusing to sign"
        assert health.json()["signing"] == "refused"
        assert "the log was rewritten since" in health.json()["problem"]
        refused = httpx.get(f"{base}{API}/audit/checkpoint")
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert f"the log's tree of {head} events has root" in refused.json()["detail"]
        assert "refusing to sign it" in refused.json()["detail"]

        again = cli("witness", base, "--state", str(state), cwd=tmp_path)
    assert again.returncode == 1, again.stderr
    assert "REFUSED: rewritten: the log refuses to sign its checkpoint" in again.stderr
    [evidence] = (state / "evidence").iterdir()
    assert (evidence / "previous.checkpoint").read_text() == kept.read_text()
    assert "refusing to sign" in (evidence / "answer.txt").read_text()
    proof = json.loads((evidence / "consistency.json").read_text())
    assert proof["first"]["tree_size"] == head
    assert proof["first"]["root"] != trusted["root"]
    assert f"for the tree of {head} events it signed with root {trusted['root']}" in (
        (evidence / "why.txt").read_text()
    )
    # The witness keeps what it verified, not what it was shown.
    assert (state / "checkpoint").read_text() == kept.read_text()
    # The key's own record did not move either.
    assert (tmp_path / "keys" / "log.key.checkpoint").read_text() == kept.read_text()
