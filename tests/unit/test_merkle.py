"""RFC 6962 / RFC 9162 Merkle trees: the published test vectors, and every proof of many
random trees verifying while every altered proof fails.

The vectors are the eight leaves, node hashes, roots and proofs that the
certificate-transparency Go code publishes (transparency-dev/merkle,
`testonly/constants.go` and `proof/verify_test.go`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection, Mapping
from uuid import UUID

import pytest

from projections.audit.merkle import (
    EMPTY_ROOT,
    Lookup,
    NodeId,
    consistency_proof,
    grow,
    inclusion_proof,
    leaf_hash,
    merkle_tree_hash,
    node_hash,
    perfect_subtrees,
    root_from_frontier,
    root_of,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from projections.audit.proofs import event_leaf_data, event_leaf_hash

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
LEVEL_1 = [
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
]
LEVEL_2 = [
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]
# The root of the tree of the first n leaves, n = 1..8.
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, path); the Go vectors number leaves from 1.
INCLUSION = [
    (0, 8, [LEAF_HASHES[1], LEVEL_1[1], LEVEL_2[1]]),
    (5, 8, [LEAF_HASHES[4], LEVEL_1[3], LEVEL_2[0]]),
    (2, 3, [LEVEL_1[0]]),
    (1, 5, [LEAF_HASHES[0], LEVEL_1[1], LEAF_HASHES[4]]),
]
CONSISTENCY = [
    (1, 8, [LEAF_HASHES[1], LEVEL_1[1], LEVEL_2[1]]),
    (6, 8, [LEVEL_1[2], LEVEL_1[3], LEVEL_2[0]]),
    (2, 5, [LEVEL_1[1], LEAF_HASHES[4]]),
    (6, 7, [LEVEL_1[2], LEAF_HASHES[6], LEVEL_2[0]]),
]


def memory_lookup(leaf_hashes: list[bytes]) -> tuple[dict[NodeId, bytes], list[NodeId]]:
    """Every complete subtree of a tree held in memory, and a record of what was asked."""
    nodes: dict[NodeId, bytes] = {(0, i): h for i, h in enumerate(leaf_hashes)}
    level, row = 0, leaf_hashes
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
        nodes.update(((level, i), h) for i, h in enumerate(row))
    return nodes, []


def lookup_in(nodes: dict[NodeId, bytes], asked: list[NodeId]) -> Lookup:
    def lookup(wanted: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        asked.extend(wanted)
        return {node: nodes[node] for node in wanted}

    return lookup


def tree(leaf_hashes: list[bytes]) -> tuple[dict[NodeId, bytes], list[NodeId], Lookup]:
    nodes, asked = memory_lookup(leaf_hashes)
    return nodes, asked, lookup_in(nodes, asked)


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_leaf_and_node_hashes_are_domain_separated_sha256() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_tree_hash([]) == EMPTY_ROOT


def test_the_published_leaf_hashes_node_hashes_and_roots_come_out() -> None:
    assert hexes([leaf_hash(leaf) for leaf in LEAVES]) == LEAF_HASHES
    hashes = [leaf_hash(leaf) for leaf in LEAVES]
    nodes, _, _ = tree(hashes)
    assert [nodes[(1, i)].hex() for i in range(4)] == LEVEL_1
    assert [nodes[(2, i)].hex() for i in range(2)] == LEVEL_2
    assert [merkle_tree_hash(LEAVES[:n]).hex() for n in range(1, 9)] == ROOTS


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_the_published_inclusion_proofs_come_out_and_verify(
    index: int, size: int, path: list[str]
) -> None:
    hashes = [leaf_hash(leaf) for leaf in LEAVES]
    _, _, lookup = tree(hashes)
    proof = inclusion_proof(index, size, lookup)
    assert hexes(proof) == path
    assert verify_inclusion(index, size, hashes[index], proof, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_the_published_consistency_proofs_come_out_and_verify(
    first: int, second: int, path: list[str]
) -> None:
    _, _, lookup = tree([leaf_hash(leaf) for leaf in LEAVES])
    proof = consistency_proof(first, second, lookup)
    assert hexes(proof) == path
    old, new = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert verify_consistency(first, second, old, new, proof)
    assert not verify_consistency(first, second, new, old, proof)


def test_trivial_consistency_holds_only_with_an_empty_proof_and_equal_roots() -> None:
    root = bytes.fromhex(ROOTS[0])
    other = bytes.fromhex(ROOTS[1])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, other, [])
    assert verify_consistency(1, 1, root, root, [])
    assert not verify_consistency(1, 1, root, other, [])
    assert not verify_consistency(1, 1, root, root, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, root, [EMPTY_ROOT])
    assert not verify_consistency(2, 1, other, root, [])
    assert not verify_consistency(1, 2, root, other, [])


def test_a_proof_built_from_stored_nodes_asks_only_for_complete_subtrees_once() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(1000)]
    nodes, asked, lookup = tree(hashes)
    inclusion_proof(777, 1000, lookup)
    assert len(asked) == len(set(asked)) <= 2 * 10
    assert all(node in nodes for node in asked)
    assert perfect_subtrees(0, 1000) == [(9, 0), (8, 2), (7, 6), (6, 14), (5, 30), (3, 124)]


def altered(proof: list[bytes], rng: random.Random) -> list[list[bytes]]:
    """Proofs that differ from `proof` in one way each: a flipped bit, one hash more or less."""
    changed: list[list[bytes]] = []
    for i in range(len(proof)):
        bad = list(proof)
        flip = bytearray(bad[i])
        flip[rng.randrange(32)] ^= 1 << rng.randrange(8)
        bad[i] = bytes(flip)
        changed.append(bad)
    if proof:
        changed.append(proof[:-1])
        changed.append(proof[1:])
        changed.append([*proof[:1], proof[0], *proof[1:]])
    changed.append([*proof, EMPTY_ROOT])
    changed.append([EMPTY_ROOT, *proof])
    return changed


def test_in_random_trees_every_proof_verifies_and_every_altered_one_fails() -> None:
    rng = random.Random(6962)
    sizes = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 100] + [
        rng.randrange(2, 600) for _ in range(12)
    ]
    for size in sizes:
        hashes = [leaf_hash(rng.randbytes(rng.randrange(0, 40))) for _ in range(size)]
        _, _, lookup = tree(hashes)
        growth = grow([], 0, hashes)
        roots = {n: growth.root_at(n) for n in range(1, size + 1)}
        roots[0] = EMPTY_ROOT
        assert tree_root(size, lookup) == roots[size]
        for index in rng.sample(range(size), min(size, 8)):
            proof = inclusion_proof(index, size, lookup)
            assert verify_inclusion(index, size, hashes[index], proof, roots[size])
            for bad in altered(proof, rng):
                assert not verify_inclusion(index, size, hashes[index], bad, roots[size])
            assert not verify_inclusion(index, size, hashes[index - 1], proof, roots[size]) or (
                hashes[index - 1] == hashes[index]
            )
            for wrong in {index + 1, index - 1, index ^ 2, size + index}:
                if wrong != index:
                    assert not verify_inclusion(wrong, size, hashes[index], proof, roots[size])
            # Another height (not size ± 1: a path can fit a neighbouring size's shape).
            for height in {size * 2, size // 2} - {size}:
                assert not verify_inclusion(index, height, hashes[index], proof, roots[size])
        for first in {rng.randrange(1, size + 1) for _ in range(6)}:
            proof = consistency_proof(first, size, lookup)
            assert verify_consistency(first, size, roots[first], roots[size], proof)
            if first == size:
                continue
            for bad in altered(proof, rng):
                assert not verify_consistency(first, size, roots[first], roots[size], bad)
            assert not verify_consistency(first, size, roots[size], roots[first], proof)
            assert not verify_consistency(first - 1, size, roots[first - 1], roots[size], proof)
            assert not verify_consistency(first, size * 2, roots[first], roots[size], proof)


def test_proof_requests_outside_the_tree_are_refused() -> None:
    _, _, lookup = tree([leaf_hash(b"a"), leaf_hash(b"b")])
    with pytest.raises(ValueError, match="leaf 2 is not in a tree of 2 leaves"):
        inclusion_proof(2, 2, lookup)
    with pytest.raises(ValueError, match="no consistency proof from 3 leaves to 2"):
        consistency_proof(3, 2, lookup)
    assert not verify_inclusion(0, 0, EMPTY_ROOT, [], EMPTY_ROOT)
    assert not verify_inclusion(0, 1, b"short", [], b"short")


def hand_made_leaf(position: int, uuid: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    """The leaf format written out field by field, as an auditor would from the README."""
    return (
        b"\x02"
        + uuid
        + version.to_bytes(8, "big")
        + len(topic).to_bytes(4, "big")
        + topic
        + hashlib.sha256(state).digest()
        + position.to_bytes(8, "big")
    )


def test_an_events_leaf_binds_position_id_version_topic_and_the_state_bytes_hash() -> None:
    uuid = UUID("0b4d1f6e-6c8f-4e0e-9d5e-2f7a4b1c9e01")
    data = event_leaf_data(7, uuid, 2, "domain.entries:Meeting.Recorded", b'{"a":1}')
    assert data == hand_made_leaf(7, uuid.bytes, 2, b"domain.entries:Meeting.Recorded", b'{"a":1}')
    assert event_leaf_hash(7, uuid, 2, "domain.entries:Meeting.Recorded", b'{"a":1}') == leaf_hash(
        data
    )
    # The hyphenated and the 32-hex text forms of the id are one id.
    for form in (str(uuid), uuid.hex, uuid.hex.upper()):
        assert event_leaf_data(7, form, 2, "domain.entries:Meeting.Recorded", b'{"a":1}') == data
    variants = [
        event_leaf_data(8, uuid, 2, "domain.entries:Meeting.Recorded", b'{"a":1}'),
        event_leaf_data(
            7, UUID(int=uuid.int + 1), 2, "domain.entries:Meeting.Recorded", b'{"a":1}'
        ),
        event_leaf_data(7, uuid, 3, "domain.entries:Meeting.Recorded", b'{"a":1}'),
        event_leaf_data(7, uuid, 2, "domain.entries:Call.Recorded", b'{"a":1}'),
        event_leaf_data(7, uuid, 2, "domain.entries:Meeting.Recorded", b'{"a":2}'),
        event_leaf_data(7, uuid, 2, "domain.entries:Meeting.Recorded", b'{"a":1} '),
    ]
    assert len({data, *variants}) == 7
    # Length prefixes: moving bytes between the topic and the state changes the encoding.
    assert event_leaf_data(1, uuid, 1, "ab", b"c") != event_leaf_data(1, uuid, 1, "a", b"bc")


def test_a_tree_grown_batch_by_batch_has_the_roots_and_subtrees_of_one_built_at_once() -> None:
    rng = random.Random(9162)
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(300)]
    nodes, _ = memory_lookup(hashes)
    roots = [root_of(hashes[:s]) for s in range(len(hashes) + 1)]
    for _ in range(20):
        frontier: list[tuple[int, bytes]] = []
        size, seen = 0, dict[NodeId, bytes]()
        while size < len(hashes):
            batch = hashes[size : size + rng.choice((1, 2, 3, 7, 16, 41, 100))]
            growth = grow(frontier, size, batch)
            for s in range(size + 1, size + len(batch) + 1):
                assert growth.root_at(s) == roots[s]
            seen.update(growth.new_nodes(1))
            frontier, size = growth.frontier, size + len(batch)
            assert root_from_frontier([h for _, h in frontier]) == roots[size]
        assert seen == {node: h for node, h in nodes.items() if node[0] >= 1}
