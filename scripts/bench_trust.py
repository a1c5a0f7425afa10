"""Bench rows for signed checkpoints: signing, a witness's checks, and the write path.

- Signing checkpoints: the note's text and its Ed25519 signature, and the
  whole signer (the ledger's consistency proof checked against the state
  file, the state written and fsync'd), each beside a plain Ed25519 signature
  of the same bytes.
- A witness's round without the network: parse the note, check the log's
  signature, and check a consistency proof from the previous tree, beside a
  plain Ed25519 verification of the same bytes.
- The write path: entries recorded one command at a time, the views and the
  ledger caught up after each, and a reader asking for the signed checkpoint
  after every write, as the server answers it (a new signature at most every
  `SIGN_EVERY` seconds), beside the same writes without a key. A second row
  signs a new checkpoint after every write, the worst case.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain import TimelineApp, parse_store_url
from projections import CheckpointSigner
from projections.audit import merkle
from projections.bootstrap import SystemConfig, bootstrap
from projections.trust.notes import Note, SignerKey, TreeHead
from scripts.bench_tables import Figure

__all__ = ["trust_rows"]

Tick = Callable[[int], None]
ROUNDS = 3
SIGN_EVERY = 1.0
"""The server's default TIMELINE_CHECKPOINT_SECONDS."""


Seed = Callable[[TimelineApp], None]


def trust_rows(
    folder: Path, entries: int, bodies: list[dict[str, object]], seed: Seed
) -> Iterator[Figure]:
    """The write path with and without signing, then signing and witnessing rows on the
    checkpoints that run signed."""
    key_path = folder / "bench.key"
    key = SignerKey.generate("bench.example/log")
    key_path.write_text(f"{key}\n")
    # Alternating rounds, best of each, so neither side gets the quieter moments.
    plain, served = float("inf"), float("inf")
    for round_ in range(ROUNDS):
        plain = min(plain, _write_path(folder / f"unsigned-{round_}.db", bodies, None, seed))
        again = _copy_key(key_path, folder / f"served-{round_}.key")
        seconds, _, _ = _write_path_signed(
            folder / f"served-{round_}.db", bodies, again, seed, every=SIGN_EVERY
        )
        served = min(served, seconds)
    yield Figure(
        f"record entries one at a time, checkpoint read after each (signed every {SIGN_EVERY} s)",
        entries,
        served,
        "the same writes without a key",
        plain,
    )
    signed, heads, proofs = _write_path_signed(folder / "signed.db", bodies, key_path, seed)
    yield Figure(
        "record entries one at a time, a new signed checkpoint after each",
        entries,
        signed,
        "the same writes without a key",
        plain,
    )
    origin = key.name  # the signers' origin: no TIMELINE_LOG_ORIGIN here
    texts = [TreeHead(origin, size, root).text.encode() for size, root in heads]
    yield Figure(
        "checkpoint notes signed (text and Ed25519)",
        len(heads),
        _timed(lambda: [TreeHead(origin, s, r).sign(key) for s, r in heads]),
        "Ed25519 sign of the same bytes",
        _timed(lambda: [key.sign(t) for t in texts]),
        unit="notes/s",
    )
    fresh = CheckpointSigner(_copy_key(key_path, folder / "again.key"))
    yield Figure(
        "signer: proof against its state, state fsync'd, signature",
        len(heads),
        _timed(lambda: [fresh.sign(s, r, _prover(proofs)) for s, r in heads]),
        "Ed25519 sign of the same bytes",
        _timed(lambda: [key.sign(t) for t in texts]),
        unit="notes/s",
    )
    notes = [str(TreeHead(origin, s, r).sign(key)) for s, r in heads]
    public = Ed25519PublicKey.from_public_bytes(key.verifier.public)
    signed_pairs = [
        (Note.parse(n).signatures[0].signature, t) for n, t in zip(notes, texts, strict=True)
    ][1:]
    yield Figure(
        "witness checks: note, signature, consistency proof",
        len(heads) - 1,
        _timed(lambda: _witness_rounds(notes, proofs, key)),
        "Ed25519 verify of the same bytes",
        _timed(lambda: [public.verify(s, t) for s, t in signed_pairs]),
        unit="rounds/s",
    )


def _write_path(
    path: Path, bodies: list[dict[str, object]], key: Path | None, seed: Seed
) -> float:
    return _write_path_signed(path, bodies, key, seed)[0]


def _write_path_signed(
    path: Path,
    bodies: list[dict[str, object]],
    key: Path | None,
    seed: Seed,
    every: float = 0.0,
) -> tuple[float, list[tuple[int, bytes]], dict[tuple[int, int], list[bytes]]]:
    config = SystemConfig(parse_store_url(f"sqlite:///{path}"), key, sign_every=every)
    system = bootstrap(config)
    app = system.app
    seed(app)
    models = system.read_models()  # caught up after each write, by the bootstrap
    heads: list[tuple[int, bytes]] = []
    try:
        started = time.perf_counter()
        for body in bodies:
            app.record_entry(body, by="bench")
            if models.checkpoints is not None:
                signed = models.checkpoints.latest().checkpoint
                if not heads or heads[-1][0] != signed.tree_size:
                    heads.append((signed.tree_size, bytes.fromhex(signed.root)))
        seconds = time.perf_counter() - started
        proofs = {}
        ledger = models.ledger
        for (first, _), (second, _) in itertools.pairwise(heads):
            path_ = ledger.consistency_proof(first, second).path
            proofs[(first, second)] = [bytes.fromhex(h) for h in path_]
    finally:
        system.close()
    return seconds, heads, proofs


def _prover(proofs: dict[tuple[int, int], list[bytes]]) -> Callable[[int, int], list[bytes]]:
    def prove(first: int, second: int) -> list[bytes]:
        return proofs[(first, second)]

    return prove


def _witness_rounds(
    notes: list[str], proofs: dict[tuple[int, int], list[bytes]], key: SignerKey
) -> None:
    verifier = key.verifier
    before = TreeHead.parse(Note.parse(notes[0]).text)
    for text in notes[1:]:
        note = Note.parse(text)
        head = TreeHead.parse(note.text)
        if not note.verified_by(verifier):
            raise RuntimeError("a checkpoint signed in the bench does not verify")
        path = proofs[(before.size, head.size)]
        if not merkle.verify_consistency(before.size, head.size, before.root, head.root, path):
            raise RuntimeError("a consistency proof made in the bench does not verify")
        before = head


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _copy_key(source: Path, target: Path) -> Path:
    target.write_text(source.read_text())
    return target
