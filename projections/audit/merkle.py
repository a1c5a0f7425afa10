"""Merkle trees as RFC 6962 / RFC 9162 define them, over SHA-256 and nothing else.

Leaves and interior nodes are hashed with different prefixes (0x00 and 0x01),
so a leaf can never pass for a node. A tree of n leaves hashes as the RFC's
MTH: a left subtree of the largest power of two below n, and the rest on the
right. Its complete (perfect) subtrees are named here by `(level, index)`:
the node at level l, index i covers leaves i*2**l up to (i+1)*2**l, and level
0 is the leaves' own hashes. A stored tree answers proofs from those nodes
alone, so the functions that build proofs take a `Lookup` that fetches a set
of them at once (one query for the whole proof).

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
(consistency) step by step; it returns a bool and never raises for a bad proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "Growth",
    "Lookup",
    "NodeId",
    "consistency_proof",
    "consistency_ranges",
    "grow",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "merkle_tree_hash",
    "node_hash",
    "perfect_subtrees",
    "root_from_frontier",
    "root_of",
    "subtree_hash",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

NodeId = tuple[int, int]
"""A complete subtree: (level, index); level 0 is a leaf."""
Lookup = Callable[[Collection[NodeId]], Mapping[NodeId, bytes]]
"""Fetch the hashes of these complete subtrees; raise LookupError if one is missing."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = 32
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return _sha256(b"\x01" + left + right).digest()


def merkle_tree_hash(entries: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf data (RFC 9162 §2.1.1)."""
    return root_of([leaf_hash(entry) for entry in entries])


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The root of the tree whose leaves have these hashes; SHA-256("") when empty."""
    if not leaf_hashes:
        return EMPTY_ROOT
    frontier: list[tuple[int, bytes]] = []
    for h in leaf_hashes:
        level = 0
        while frontier and frontier[-1][0] == level:
            h = node_hash(frontier.pop()[1], h)
            level += 1
        frontier.append((level, h))
    return root_from_frontier([h for _, h in frontier])


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """The root from the hashes of a tree's complete subtrees, largest (leftmost) first.

    A tree of n leaves is the complete subtrees of n's binary digits side by
    side, and MTH nests them to the right.
    """
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for h in reversed(frontier[:-1]):
        root = node_hash(h, root)
    return root


# Growing a tree by a batch of leaves --------------------------------------------


class Growth:
    """What appending a batch of leaves to a tree did, level by level.

    `frontier` is the new tree's right edge; `levels[l]` is `(start, hashes)`:
    every level-l node from index `start` on that the batch completed, plus
    the old left sibling the first of them was paired with, if any.
    """

    __slots__ = ("before", "frontier", "levels", "old")

    def __init__(
        self,
        before: int,
        old: dict[int, bytes],
        frontier: list[tuple[int, bytes]],
        levels: list[tuple[int, list[bytes]]],
    ) -> None:
        self.before = before
        self.old = old
        self.frontier = frontier
        self.levels = levels

    def new_nodes(self, from_level: int) -> list[tuple[NodeId, bytes]]:
        """The complete subtrees of `from_level` and up that the batch completed."""
        found: list[tuple[NodeId, bytes]] = []
        for level in range(from_level, len(self.levels)):
            start, hashes = self.levels[level]
            first = self.before >> level
            found.extend(
                ((level, start + i), h) for i, h in enumerate(hashes) if start + i >= first
            )
        return found

    def node(self, level: int, index: int) -> bytes:
        """A complete subtree of the grown tree that the batch completed or that was on the
        old tree's right edge."""
        if (index + 1) << level <= self.before:
            return self.old[level]
        start, hashes = self.levels[level]
        return hashes[index - start]

    def root_at(self, size: int) -> bytes:
        """The root of the first `size` leaves, for a size the batch reached."""
        return root_from_frontier([self.node(*node) for node in perfect_subtrees(0, size)])


def grow(frontier: Sequence[tuple[int, bytes]], size: int, leaves: Sequence[bytes]) -> Growth:
    """Append leaf hashes to the tree of `size` leaves whose right edge is `frontier`.

    `frontier` is (level, hash) of the tree's complete subtrees, largest
    first, as `Growth.frontier` returns it. Hashes a level at a time, so a
    batch costs one comprehension per level rather than a loop per leaf.
    """
    old = dict(frontier)
    pending = dict(old)
    levels: list[tuple[int, list[bytes]]] = []
    items, start, level = list(leaves), size, 0
    sha256 = _sha256
    while items:
        if start & 1:  # the first is a right child; its left sibling is on the old edge
            items.insert(0, pending.pop(level))
            start -= 1
        levels.append((start, items))
        if len(items) & 1:
            pending[level] = items[-1]
        pairs = iter(items)  # zip(pairs, pairs) takes two at a time; an odd last is left
        items = [
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        start >>= 1
        level += 1
    return Growth(size, old, sorted(pending.items(), reverse=True), levels)


# Ranges and the complete subtrees that make them ------------------------------


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[NodeId]:
    """The complete subtrees that make up leaves [start, end), left to right.

    Defined for the ranges MTH's recursion produces: `start` is a multiple
    of a power of two at least as large as the range.
    """
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make PATH(index, D[size]), deepest first (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make PROOF(first, D[second]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} leaves to {second}")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, second, True
    m = first
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    ranges.reverse()
    return ranges


def subtree_hash(start: int, end: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """MTH of leaves [start, end) from the hashes of its complete subtrees."""
    return root_from_frontier([nodes[node] for node in perfect_subtrees(start, end)])


def _hashes(ranges: Sequence[tuple[int, int]], lookup: Lookup) -> list[bytes]:
    wanted = {node for start, end in ranges for node in perfect_subtrees(start, end)}
    nodes = lookup(wanted)
    return [subtree_hash(start, end, nodes) for start, end in ranges]


def inclusion_proof(index: int, size: int, lookup: Lookup) -> list[bytes]:
    """The audit path of leaf `index` in the tree of the first `size` leaves."""
    return _hashes(inclusion_ranges(index, size), lookup)


def consistency_proof(first: int, second: int, lookup: Lookup) -> list[bytes]:
    """The proof that the tree of `first` leaves is a prefix of the tree of `second`."""
    return _hashes(consistency_ranges(first, second), lookup)


def tree_root(size: int, lookup: Lookup) -> bytes:
    """The root of the tree of the first `size` leaves."""
    if size == 0:
        return EMPTY_ROOT
    return subtree_hash(0, size, lookup(perfect_subtrees(0, size)))


# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) --------------------------------


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with `root`."""
    if not 0 <= index < size or not _hashes_ok(leaf, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows tree (`first`, `first_root`) is a prefix of (`second`, `second_root`).

    The empty tree is a prefix of every tree, and a tree of itself, with an empty proof.
    """
    if not 0 <= first <= second or not _hashes_ok(first_root, second_root, *proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def _hashes_ok(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)
