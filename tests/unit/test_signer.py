"""The log's signer (projections.trust.signer): it signs a tree only when a
consistency proof ties it to the largest tree it signed before, and keeps
that tree beside its key, readable by its owner only."""

from __future__ import annotations

import stat
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pytest

from projections.audit import merkle
from projections.audit.merkle import NodeId
from projections.trust.notes import COSIGNATURE_V1, Note, NoteError, SignerKey, TreeHead
from projections.trust.signer import (
    CheckpointSigner,
    Prover,
    SigningRefused,
    write_private,
)

ORIGIN = "example.com/log"


class Tree:
    """A log's leaves in memory, with the roots and proofs a ledger would give."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.hashes = [merkle.leaf_hash(leaf) for leaf in leaves]

    def lookup(self, wanted: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        return {
            (level, index): merkle.root_of(self.hashes[index << level : (index + 1) << level])
            for level, index in wanted
        }

    def root(self, size: int | None = None) -> bytes:
        return merkle.tree_root(len(self.hashes) if size is None else size, self.lookup)

    def prove(self, first: int, second: int) -> list[bytes]:
        if second > len(self.hashes):
            raise ValueError(f"{second} is beyond the ledger's tree size, {len(self.hashes)}")
        return merkle.consistency_proof(first, second, self.lookup)


def leaves(count: int, changed: int | None = None) -> list[bytes]:
    return [b"edited" if i == changed else f"event {i}".encode() for i in range(count)]


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    path = tmp_path / "log.key"
    write_private(path, f"{SignerKey.generate(ORIGIN)}\n")
    return path


def sign(signer: CheckpointSigner, tree: Tree, size: int | None = None) -> Note:
    size = len(tree.hashes) if size is None else size
    return signer.sign(size, tree.root(size), tree.prove)


def test_the_first_tree_is_signed_and_kept_beside_the_key_for_its_owner_only(
    key_path: Path,
) -> None:
    signer = CheckpointSigner(key_path)
    tree = Tree(leaves(5))
    note = sign(signer, tree)
    assert note.verified_by(signer.verifier)
    assert TreeHead.parse(note.text) == TreeHead(ORIGIN, 5, tree.root())
    state = key_path.with_name("log.key.checkpoint")
    assert Note.parse(state.read_text()) == note
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert signer.last_signed() == TreeHead(ORIGIN, 5, tree.root())
    assert signer.refusal is None


def test_a_larger_tree_that_extends_the_signed_one_is_signed_and_kept(key_path: Path) -> None:
    signer = CheckpointSigner(key_path)
    sign(signer, Tree(leaves(5)))
    grown = Tree(leaves(13))
    note = sign(signer, grown)
    assert TreeHead.parse(note.text).size == 13
    assert signer.last_signed() == TreeHead(ORIGIN, 13, grown.root())


def test_a_prefix_of_the_signed_tree_is_signed_without_moving_the_state_back(
    key_path: Path,
) -> None:
    signer = CheckpointSigner(key_path)
    tree = Tree(leaves(13))
    sign(signer, tree)
    note = sign(signer, tree, 6)
    assert TreeHead.parse(note.text) == TreeHead(ORIGIN, 6, tree.root(6))
    assert signer.last_signed() == TreeHead(ORIGIN, 13, tree.root())


def test_the_same_tree_is_signed_again_with_the_same_bytes(key_path: Path) -> None:
    tree = Tree(leaves(5))
    first = sign(CheckpointSigner(key_path), tree)
    # Another process with the same key: nothing cached, the state file decides.
    assert sign(CheckpointSigner(key_path), tree) == first


def test_another_root_for_the_signed_size_is_refused_naming_both_roots(key_path: Path) -> None:
    signer = CheckpointSigner(key_path)
    honest = Tree(leaves(8))
    sign(signer, honest)
    rewritten = Tree(leaves(8, changed=3))
    with pytest.raises(SigningRefused, match="the log was rewritten since") as refused:
        sign(signer, rewritten)
    assert rewritten.root().hex() in str(refused.value)
    assert honest.root().hex() in str(refused.value)
    assert signer.refusal == str(refused.value)
    assert signer.last_signed() == TreeHead(ORIGIN, 8, honest.root())


def test_a_smaller_tree_that_is_not_a_prefix_is_refused(key_path: Path) -> None:
    signer = CheckpointSigner(key_path)
    honest = Tree(leaves(8))
    sign(signer, honest)
    # The ledger was rebuilt from a rewritten log and then lost two events: its
    # proof from 6 to 8 leads elsewhere, so the signer cannot tie 6 to what it signed.
    rewritten = Tree([*leaves(6, changed=2), *leaves(8)[6:]])
    with pytest.raises(SigningRefused, match="is not consistent with the tree of 8"):
        signer.sign(6, rewritten.root(6), rewritten.prove)
    assert signer.last_signed() == TreeHead(ORIGIN, 8, honest.root())


def test_a_smaller_tree_the_ledger_cannot_prove_is_refused_as_events_removed(
    key_path: Path,
) -> None:
    signer = CheckpointSigner(key_path)
    sign(signer, Tree(leaves(8)))
    shrunk = Tree(leaves(6))
    with pytest.raises(SigningRefused, match="events were removed or the ledger replaced"):
        sign(signer, shrunk)


def test_a_larger_tree_that_does_not_extend_the_signed_one_is_refused(key_path: Path) -> None:
    signer = CheckpointSigner(key_path)
    sign(signer, Tree(leaves(5)))
    with pytest.raises(SigningRefused, match="not consistent with the tree of 5"):
        sign(signer, Tree(leaves(9, changed=1)))


def test_a_proof_that_does_not_verify_is_refused(key_path: Path) -> None:
    signer = CheckpointSigner(key_path)
    tree = Tree(leaves(5))
    sign(signer, tree)
    grown = Tree(leaves(9))

    def lying(first: int, second: int) -> list[bytes]:
        return [bytes(32) for _ in grown.prove(first, second)]

    liar: Prover = lying
    with pytest.raises(SigningRefused, match="the log was rewritten"):
        signer.sign(9, grown.root(), liar)


def test_check_refuses_as_sign_does_but_signs_and_keeps_nothing(key_path: Path) -> None:
    signer = CheckpointSigner(key_path)
    sign(signer, Tree(leaves(5)))
    state = key_path.with_name("log.key.checkpoint").read_text()
    rewritten = Tree(leaves(5, changed=0))
    with pytest.raises(SigningRefused):
        signer.check(5, rewritten.root(), rewritten.prove)
    grown = Tree(leaves(9))
    signer.check(9, grown.root(), grown.prove)
    assert key_path.with_name("log.key.checkpoint").read_text() == state


def test_a_key_signs_one_log_only(key_path: Path) -> None:
    tree = Tree(leaves(5))
    sign(CheckpointSigner(key_path), tree)
    with pytest.raises(SigningRefused, match="a key signs one log"):
        sign(CheckpointSigner(key_path, "example.com/other"), Tree(leaves(9)))


def test_a_witness_key_cannot_sign_the_logs_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "witness.key"
    path.write_text(f"{SignerKey.generate('example.com/witness', COSIGNATURE_V1)}\n")
    with pytest.raises(NoteError, match="a witness's cosigning key cannot sign"):
        CheckpointSigner(path)


def test_write_private_replaces_a_file_readable_by_others_with_one_for_its_owner(
    tmp_path: Path,
) -> None:
    path = tmp_path / "secret"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret"]


def test_a_state_file_that_cannot_be_read_makes_the_signer_refuse_not_crash(
    key_path: Path,
) -> None:
    signer = CheckpointSigner(key_path)
    tree = Tree(leaves(5))
    sign(signer, tree)
    key_path.with_name("log.key.checkpoint").write_text("not a checkpoint")
    grown = Tree(leaves(9))
    with pytest.raises(SigningRefused, match=r"cannot be read .*refusing to sign until"):
        sign(signer, grown)
    assert signer.refusal is not None
    with pytest.raises(SigningRefused, match=r"log\.key\.checkpoint"):
        signer.check(9, grown.root(), grown.prove)
