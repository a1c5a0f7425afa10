"""`policy-timeline witness` as an independent party runs it, against real servers
and against a small stand-in serving checkpoints that an honest server never
would (another key's, a smaller tree's), genuinely signed; and the checkpoint a
witness cosigned, checked by hand from the C2SP text without this project's code."""

from __future__ import annotations

import base64
import hashlib
import shutil
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.trust.notes import SignerKey, TreeHead
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
from tests.unit.test_signer import Tree, leaves


class StandIn:
    """A log's audit routes served from a table the test fills: path -> status, body."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        table = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = table.get(urllib.parse.urlsplit(self.path).path, (404, b"{}"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(
        self, key: SignerKey, tree: Tree, size: int | None = None, signer: SignerKey | None = None
    ) -> str:
        """Serve `key` as the log's and `tree` (its first `size` leaves) signed by `signer`."""
        size = len(tree.hashes) if size is None else size
        note = str(TreeHead(LOG, size, tree.root(size)).sign(signer or key))
        self.routes[f"{API}/audit/key"] = (200, f"{key.verifier}\n".encode())
        self.routes[f"{API}/audit/checkpoint"] = (200, note.encode())
        return note

    def prove(self, path: list[bytes]) -> None:
        body = orjson.dumps({"kind": "consistency", "path": [h.hex() for h in path]})
        self.routes[f"{API}/audit/consistency"] = (200, body)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    log = StandIn()
    thread = threading.Thread(target=log.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield log
    finally:
        log.server.shutdown()
        log.server.server_close()


def only_evidence(state: Path) -> Path:
    [folder] = (state / "evidence").iterdir()
    return folder


def test_a_checkpoint_signed_by_another_key_is_refused_with_evidence(
    stand_in: StandIn, tmp_path: Path
) -> None:
    log, impostor = SignerKey.generate(LOG), SignerKey.generate(LOG)
    served = stand_in.serve(log, Tree(leaves(8)), signer=impostor)
    state = tmp_path / "w"

    done = cli("witness", stand_in.base, "--state", str(state), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"REFUSED: the checkpoint is not signed by the log's key {log.verifier}" in done.stderr
    evidence = only_evidence(state)
    assert (evidence / "new.checkpoint").read_text() == served
    assert "not signed by the log's key" in (evidence / "why.txt").read_text()
    assert not (evidence / "previous.checkpoint").exists()
    assert not (state / "checkpoint").exists()


def test_a_smaller_tree_after_a_larger_one_is_refused_as_rolled_back(
    stand_in: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, tree, state = SignerKey.generate(LOG), Tree(leaves(12)), tmp_path / "w"
    kept = stand_in.serve(log, tree)
    assert cli_here("witness", stand_in.base, "--state", str(state), capsys=capsys).returncode == 0
    # A prefix, honestly signed: still the log going back on what it showed.
    smaller = stand_in.serve(log, tree, 9)

    done = cli("witness", stand_in.base, "--state", str(state), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "REFUSED: rolled back: the log now has 9 events after a checkpoint of 12" in done.stderr
    evidence = only_evidence(state)
    assert (evidence / "previous.checkpoint").read_text() == kept
    assert (evidence / "new.checkpoint").read_text() == smaller
    assert (state / "checkpoint").read_text() == kept


def test_a_larger_tree_whose_proof_fails_is_refused_and_one_whose_proof_holds_is_kept(
    stand_in: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, state = SignerKey.generate(LOG), tmp_path / "w"
    kept = stand_in.serve(log, Tree(leaves(5)))
    assert cli_here("witness", stand_in.base, "--state", str(state), capsys=capsys).returncode == 0

    other = Tree(leaves(9, changed=2))  # a rewritten first five, then more
    stand_in.serve(log, other)
    stand_in.prove(other.prove(5, 9))
    done = cli("witness", stand_in.base, "--state", str(state), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "REFUSED: inconsistent: the signed tree of 9 events does not extend" in done.stderr
    evidence = only_evidence(state)
    assert (evidence / "previous.checkpoint").read_text() == kept
    assert orjson.loads((evidence / "consistency.json").read_bytes())["path"]
    assert (state / "checkpoint").read_text() == kept

    grown = Tree(leaves(9))
    newer = stand_in.serve(log, grown)
    stand_in.prove(grown.prove(5, 9))
    done = cli_here("witness", stand_in.base, "--state", str(state), capsys=capsys)
    assert done.returncode == 0, done.stderr
    assert "at 9 events" in done.stdout
    assert "consistent with the tree of 5 kept before" in done.stdout
    assert (state / "checkpoint").read_text() == newer


def test_a_pinned_log_key_is_held_even_when_the_log_serves_another(
    stand_in: StandIn, tmp_path: Path
) -> None:
    log, other = SignerKey.generate(LOG), SignerKey.generate(LOG)
    stand_in.serve(other, Tree(leaves(3)))
    state = tmp_path / "w"
    done = cli(
        "witness",
        stand_in.base,
        "--state",
        str(state),
        "--log-key",
        str(log.verifier),
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert (state / "log.vkey").read_text() == f"{log.verifier}\n"


def test_a_log_that_cannot_be_asked_exits_2_without_evidence(
    stand_in: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "w"
    done = cli("witness", "http://127.0.0.1:9", "--state", str(state), cwd=tmp_path)
    assert done.returncode == 2
    assert "failed" in done.stderr

    log, tree = SignerKey.generate(LOG), Tree(leaves(6))
    stand_in.serve(log, tree)
    assert cli_here("witness", stand_in.base, "--state", str(state), capsys=capsys).returncode == 0
    # A log that will not sign, but whose tree of 6 is still the one signed:
    # nothing to show anyone, so an error, not a refusal.
    unsigned = b'{"status": 503, "detail": "this server has no signing key"}'
    stand_in.routes[f"{API}/audit/checkpoint"] = (503, unsigned)
    proof = {"first": {"tree_size": 6, "root": tree.root().hex()}, "path": []}
    stand_in.routes[f"{API}/audit/consistency"] = (200, orjson.dumps(proof))
    done = cli_here("witness", stand_in.base, "--state", str(state), capsys=capsys)
    assert done.returncode == 2
    assert "answered 503: this server has no signing key" in done.stderr
    assert not (state / "evidence").exists()


def test_two_stores_signed_by_copies_of_one_key_are_refused_as_a_fork(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_a = tmp_path / "a" / "log.key"
    new_key(key_a)
    key_b = tmp_path / "b" / "log.key"
    key_b.parent.mkdir()
    shutil.copy(key_a, key_b)  # the key alone, without what it signed
    url_a, url_b = f"sqlite:///{tmp_path}/a/t.db", f"sqlite:///{tmp_path}/b/t.db"
    size_a = record_and_sign(url_a, key_a, entries=3)
    size_b = record_and_sign(url_b, key_b, entries=3)
    assert size_a == size_b
    state = tmp_path / "w"

    with signed_server(url_a, key_a, tmp_path) as base:
        kept = httpx.get(f"{base}{API}/audit/checkpoint").text
        assert cli_here("witness", base, "--state", str(state), capsys=capsys).returncode == 0
    with signed_server(url_b, key_b, tmp_path) as base:
        forked = httpx.get(f"{base}{API}/audit/checkpoint").text
        done = cli("witness", base, "--state", str(state), cwd=tmp_path)
    assert kept != forked
    assert done.returncode == 1, done.stderr
    assert f"REFUSED: forked: two different trees of {size_a} events" in done.stderr
    evidence = only_evidence(state)
    assert (evidence / "previous.checkpoint").read_text() == kept
    assert (evidence / "new.checkpoint").read_text() == forked
    assert "both signed by the log" in (evidence / "why.txt").read_text()


# An independent verifier, from c2sp.org/signed-note and tlog-cosignature -----------


def hand_key(verifier_key: str) -> tuple[str, bytes, int, bytes]:
    """NAME+HEX+BASE64(type || key): the name, the key hash, the type and the key."""
    name, hex_hash, material = verifier_key.strip().split("+", 2)
    raw = base64.b64decode(material)
    return name, bytes.fromhex(hex_hash), raw[0], raw[1:]


def hand_note(text: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The signed text and each signature line's name, key hash and signature."""
    body, _, lines = text.rpartition("\n\n")
    signatures = []
    for line in lines.splitlines():
        dash, name, encoded = line.split(" ")
        assert dash == "\u2014"
        raw = base64.b64decode(encoded)
        signatures.append((name, raw[:4], raw[4:]))
    return body + "\n", signatures


def posted_refusals(base: str, token: str, served: str, witness: str) -> dict[str, object]:
    """What the server answers to cosignatures it must not keep."""
    url, auth = f"{base}{API}/audit/cosignatures", {"Authorization": f"Bearer {token}"}
    text, _ = hand_note(served)
    log_only = "\n".join(line for line in served.splitlines() if "witness" not in line) + "\n"
    bodies = {
        "a log's key": {"checkpoint": served, "key": str(SignerKey.generate(LOG).verifier)},
        "an unsigned checkpoint": {"checkpoint": text + "\nnot a line\n", "key": witness},
        "no line of the witness": {"checkpoint": log_only, "key": witness},
    }
    found: dict[str, object] = {
        "no token": httpx.post(url, json=bodies["a log's key"]).status_code
    }
    for what, sent in bodies.items():
        answer = httpx.post(url, json=sent, headers=auth)
        assert answer.status_code == 422, (what, answer.text)
        found[what] = answer.json()["errors"][0]["loc"]
    return found


def test_a_cosigned_checkpoint_checks_by_hand_from_the_c2sp_text(tmp_path: Path) -> None:
    url, key_path = f"sqlite:///{tmp_path}/t.db", tmp_path / "log.key"
    new_key(key_path)
    head = record_and_sign(url, key_path, entries=2)
    made = cli(
        "keys",
        "create",
        "--out",
        str(tmp_path / "witness.key"),
        "--name",
        "example.org/witness",
        "--witness",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    token = audit_token(url)

    with signed_server(url, key_path, tmp_path) as base:
        log_key = httpx.get(f"{base}{API}/audit/key").text
        done = cli(
            "witness",
            base,
            "--state",
            str(tmp_path / "w"),
            "--key",
            str(tmp_path / "witness.key"),
            "--token",
            token,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.rstrip().endswith("; cosigned")
        served = httpx.get(f"{base}{API}/audit/checkpoint").text
        refusals = posted_refusals(base, token, served, made.stdout.strip())
    assert refusals == {
        "no token": 401,
        "a log's key": ["body", "key"],
        "an unsigned checkpoint": ["body", "checkpoint"],
        "no line of the witness": ["body", "checkpoint"],
    }

    text, signatures = hand_note(served)
    origin, size, root = text.split("\n")[:3]
    assert (origin, int(size), len(base64.b64decode(root))) == (LOG, head, 32)
    assert len(signatures) == 2

    name, key_hash, kind, public = hand_key(log_key)
    assert (name, kind) == (LOG, 0x01)
    assert key_hash == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    [(_, _, log_signature)] = [s for s in signatures if s[:2] == (name, key_hash)]
    Ed25519PublicKey.from_public_bytes(public).verify(log_signature, text.encode())

    w_name, w_hash, w_kind, w_public = hand_key(made.stdout)
    assert (w_name, w_kind) == ("example.org/witness", 0x04)
    assert w_hash == hashlib.sha256(w_name.encode() + b"\n\x04" + w_public).digest()[:4]
    [(_, _, cosignature)] = [s for s in signatures if s[:2] == (w_name, w_hash)]
    assert len(cosignature) == 8 + 64
    timestamp = int.from_bytes(cosignature[:8], "big")
    message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
    Ed25519PublicKey.from_public_bytes(w_public).verify(cosignature[8:], message)
