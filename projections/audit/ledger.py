"""The audit ledger: a Merkle tree over every stored event, in log order.

`LedgerView` is a tracking view like the others, but a witness, not a cache:
it hashes each event's exact stored bytes as one leaf (RFC 6962 leaf and
node hashes, `projections.audit.merkle`), keeps the hash of every complete subtree,
and at the end of each batch it applies writes a checkpoint: the tree size,
log position, root hash and the recorded time of the batch's last event.
Rebuilding it from the log would bless whatever the log holds now, so
`Projector.rebuild` never rebuilds it (`LedgerView.rebuildable`).

`Ledger` is the read side: tree heads at any position, checkpoints, inclusion
and consistency proofs, each computed from O(log n) stored nodes. The leaf
encoding and the proofs live in `projections.audit.proofs`, which needs no
database (a saved `InclusionProof` carries its event and checks offline).

Errors::

    LedgerError
    ├── LedgerBehind     the ledger has not witnessed that position (yet)
    └── NoSuchEvent      no event is stored at that position (also a LookupError)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from eventsourcing.persistence import Tracking

from projections.audit import merkle
from projections.audit.merkle import NodeId
from projections.audit.proofs import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    LoggedEvent,
    leaf_of,
    topic_field,
)
from projections.database import Cursor, Database, Row
from projections.dialect import POSTGRESQL
from projections.views.view import TRACKING_TABLE, View

if TYPE_CHECKING:
    from projections.views.changes import Change

__all__ = [
    "LEVEL_BITS",
    "STORED_LEVEL",
    "Ledger",
    "LedgerBehind",
    "LedgerError",
    "LedgerView",
    "NoSuchEvent",
    "StoredLog",
    "TreeSizesOutOfRange",
    "UnreadableEvent",
    "node_key",
    "node_rows",
]

# A node row's key: its last leaf, then its level in the low six bits, so the
# nodes of a growing tree are inserted in key order (an append to the B-tree).
LEVEL_BITS = 6
# Subtrees of fewer leaves are not stored: their hash is made from at most 8
# leaf hashes read in one range when a proof needs it. That stores n/16 nodes
# instead of n, which halves what the view writes and what verify reads.
STORED_LEVEL = 4


class LedgerError(Exception):
    """A question the ledger cannot answer as asked."""


class LedgerBehind(LedgerError):
    """The ledger has not witnessed `position` yet (it follows the log like every view)."""

    def __init__(self, position: int, reached: int) -> None:
        super().__init__(
            f"the ledger has witnessed the log up to position {reached}, not yet "
            f"{position}: try again shortly"
        )
        self.position = position
        self.reached = reached


class UnreadableEvent(LedgerError):
    """The row at a log position is one no engine could have written."""

    def __init__(self, position: int, what: str) -> None:
        super().__init__(
            f"the event at log position {position} was changed outside the engine: {what}; "
            "`policy-timeline verify` tells more"
        )
        self.position = position


class NoSuchEvent(LedgerError, LookupError):
    """No event is stored at this log position."""

    def __init__(self, position: int) -> None:
        super().__init__(f"the log has no event at position {position}")
        self.position = position


class TreeSizesOutOfRange(LedgerError, ValueError):
    """A consistency proof asked for sizes outside 0 <= first <= second <= the tree's size."""

    def __init__(self, first_size: int, second_size: int, size: int) -> None:
        super().__init__(
            f"first_size and second_size: need 0 <= first_size <= second_size <= "
            f"{size} (the ledger's tree size); got {first_size} and {second_size}"
        )
        self.first_size = first_size
        self.second_size = second_size
        self.size = size


# The stored log, read directly -------------------------------------------------


class StoredLog:
    """The event store's rows, read with plain SQL: position, id, version, topic, state.

    Plain SQL because an audit must see the rows as they are, and reads a
    million of them faster than through the library's notifications.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        key, table = db.dialect.log_position, db.log_table
        self._select = (
            f"SELECT {key}, originator_id, originator_version, topic, state FROM {table} "
        )
        self._page = self._select + f"WHERE {key} > ? ORDER BY {key} LIMIT ?"
        self._one = self._select + f"WHERE {key} = ?"
        self._count = f"SELECT COUNT(*) FROM {table} WHERE {key} > ?"

    def page(self, c: Cursor, after: int, limit: int) -> list[Row]:
        """Up to `limit` rows after position `after`, in log order."""
        c.execute(self._page, (after, limit))
        return c.fetchall()

    def count_after(self, c: Cursor, position: int) -> int:
        """How many events are stored after `position`."""
        c.execute(self._count, (position,))
        row = c.fetchone()
        return 0 if row is None else int(row[0])

    def event(self, c: Cursor, position: int) -> LoggedEvent:
        """The event at `position`; raise NoSuchEvent."""
        c.execute(self._one, (position,))
        row = c.fetchone()
        if row is None:
            raise NoSuchEvent(position)
        if not isinstance(row[4], bytes | memoryview):
            raise UnreadableEvent(position, f"its state is stored as {type(row[4]).__name__}")
        try:
            originator = str(UUID(str(row[1])))
        except ValueError:
            raise UnreadableEvent(position, f"its id {row[1]!r} is no UUID") from None
        return LoggedEvent(int(row[0]), originator, int(row[2]), str(row[3]), bytes(row[4]))


# The view ----------------------------------------------------------------------


def node_key(level: int, index: int) -> int:
    """The key of the stored node (level >= 1, index) in the nodes table."""
    return ((((index + 1) << level) - 1) << LEVEL_BITS) | level


def node_rows(growth: merkle.Growth) -> list[tuple[int, bytes]]:
    """(key, hash) of the nodes of stored size a batch completed, by level, then key.

    The keys of one level step by a constant, so they come from a range.
    """
    rows: list[tuple[int, bytes]] = []
    for level in range(STORED_LEVEL, len(growth.levels)):
        start, hashes = growth.levels[level]
        first = growth.before >> level  # the first node of this level the batch completed
        if first < start + len(hashes):
            step = 1 << (level + LEVEL_BITS)
            keys = range(node_key(level, first), node_key(level, start + len(hashes)), step)
            rows.extend(zip(keys, hashes[first - start :], strict=True))
    return rows


class LedgerView(View):
    """Appends every event to the Merkle tree and checkpoints each batch.

    Tables: `ledger_leaves` (position, leaf index, leaf hash, recorded time),
    `ledger_nodes` (the hash of every complete subtree of 16 leaves or more,
    by `node_key`; smaller ones are made from their leaves when asked) and
    `ledger_checkpoints` (one tree head per applied batch).
    """

    name = "ledger"
    tables = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints")
    # A replay would hash the log as it is now and drop the checkpoints that
    # witnessed it before: tampering would be laundered. The ledger only grows.
    rebuildable: ClassVar[bool] = False
    _kept: tuple[int, int, list[tuple[int, bytes]]] | None = None
    """The tip this instance last grew the tree to (`_tip`'s answer), or None."""

    def create_statements(self, token: str) -> list[str]:
        key = self.db.dialect.integer_key
        leaves, nodes = self.t("ledger_leaves"), self.t("ledger_nodes")
        return [
            f"CREATE TABLE {leaves} (position {key} PRIMARY KEY, leaf BIGINT NOT NULL, "
            f"hash {self.blob} NOT NULL, recorded_at TEXT NOT NULL)",
            f"CREATE UNIQUE INDEX ledger_leaves_leaf_{token} ON {leaves} (leaf)",
            f"CREATE TABLE {nodes} (node {key} PRIMARY KEY, hash {self.blob} NOT NULL)",
            f"CREATE TABLE {self.t('ledger_checkpoints')} (tree_size {key} PRIMARY KEY, "
            "position BIGINT NOT NULL, root TEXT NOT NULL, recorded_at TEXT NOT NULL)",
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        # Checkpoints fall where batches end, which differs between two builds.
        return [("ledger_leaves", "position"), ("ledger_nodes", "node")]

    asserts_its_tip = False
    """Whether a batch that follows this instance's last one asserts the tip it kept
    rather than read it (PostgreSQL). Only for a caller that applies a batch again
    when it fails with a division by zero (`Projector._follow_from`): a follower."""

    def process(self, c: Cursor, changes: Sequence[Change], tracking: Tracking) -> None:
        """As `View.process`, checking first that the tree ends where the position says."""
        self.db.serialize(c, self.tracking_name)
        kept = self._kept
        if (
            self.asserts_its_tip
            and kept is not None
            and changes
            and changes[0].position > kept[1]
            and self.db.dialect is POSTGRESQL
        ):
            # The tree and the position are where this instance left them unless
            # another process moved them: asserted, not read, so the batch waits on
            # the server once, at COMMIT. Moved, it fails with a division by zero,
            # and the retry (its first change not after the tip kept) reads them.
            self._assert_tip(c, kept[0], kept[1])
            self._append(c, changes, kept[1], kept)
            self._track(c, tracking.notification_id)
            return
        position = self._position(c)
        fresh = [change for change in changes if change.position > position]
        if fresh:
            self._append(c, fresh, position)
        if tracking.notification_id > position:
            self._track(c, tracking.notification_id)

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        self._append(c, changes, None)

    def _assert_tip(self, c: Cursor, size: int, last: int) -> None:
        """Fail the transaction (SQLSTATE 22012) unless the position is `last` and
        the tree's last leaf, number `size - 1`, is at `last`."""
        # MAX, not NOT EXISTS (... position > ?): PostgreSQL's generic plan of the
        # latter guessed a third of the leaves match and scanned the whole table
        # for the one that never does (257 us a batch in the soak, growing with
        # the log); MAX reads the key's last entry whatever the parameters.
        leaves = self.t("ledger_leaves")
        c.execute(
            "SELECT 1 / (CASE WHEN "
            f"(SELECT position FROM {TRACKING_TABLE} WHERE view = ? AND application = ?) = ? "
            f"AND (SELECT leaf FROM {leaves} WHERE position = ?) = ? "
            f"AND (SELECT MAX(position) FROM {leaves}) = ? "
            "THEN 1 ELSE 0 END)",
            (self.tracking_name, self.application, last, last, size - 1, last),
        )

    def _append(
        self,
        c: Cursor,
        changes: Sequence[Change],
        position: int | None,
        tip: tuple[int, int, list[tuple[int, bytes]]] | None = None,
    ) -> None:
        size, last, frontier = self._tip(c) if tip is None else tip
        if position is not None and last != position:
            raise LookupError(
                f"the ledger's position is {position} but its last leaf is at {last}: "
                "events were skipped or its tables changed. It cannot be rebuilt "
                "without losing what it witnessed; run `policy-timeline verify`"
            )
        leaves: list[tuple[int, int, bytes, str]] = []
        topics: dict[str, bytes] = {}
        fromhex = bytes.fromhex
        for change in changes:
            if change.position <= last:
                raise LookupError(
                    f"the ledger got position {change.position} after {last}: out of log order"
                )
            if not change.stored:
                raise ValueError(f"the change at {change.position} has no stored bytes to hash")
            last = change.position
            topic = topics.get(change.topic)
            if topic is None:
                topic = topics[change.topic] = topic_field(change.topic)
            # A change's id is str(UUID): 32 hex digits and four hyphens.
            id_bytes = fromhex(change.originator_id.replace("-", ""))
            h = leaf_of(last, id_bytes, change.version, topic, change.stored)
            leaves.append((last, size + len(leaves), h, change.recorded_at))
        growth = merkle.grow(frontier, size, [leaf[2] for leaf in leaves])
        self._kept = (size + len(leaves), last, list(growth.frontier))
        nodes = node_rows(growth)
        c.executemany(f"INSERT INTO {self.t('ledger_leaves')} VALUES (?,?,?,?)", leaves)
        if nodes:
            c.executemany(f"INSERT INTO {self.t('ledger_nodes')} VALUES (?,?)", nodes)
        root = merkle.root_from_frontier([h for _, h in growth.frontier])
        c.execute(
            f"INSERT INTO {self.t('ledger_checkpoints')} VALUES (?,?,?,?)",
            (len(leaves) + size, last, root.hex(), leaves[-1][3]),
        )

    def _tip(self, c: Cursor) -> tuple[int, int, list[tuple[int, bytes]]]:
        """The tree's size, last position, and its right edge: (level, hash), largest first."""
        c.execute(
            f"SELECT leaf, position FROM {self.t('ledger_leaves')} ORDER BY position DESC LIMIT 1"
        )
        row = c.fetchone()
        if row is None:
            return 0, 0, []
        size, last = int(row[0]) + 1, int(row[1])
        # A follower grows the tree batch after batch: the edge it made last time
        # is the one stored, unless that batch rolled back or another process
        # grew the tree since, and then the stored size or last position differs.
        if self._kept is not None and self._kept[:2] == (size, last):
            return self._kept
        wanted = merkle.perfect_subtrees(0, size)
        found = _StoredNodes(c, self.suffix)(wanted)
        return size, last, [(level, found[(level, index)]) for level, index in wanted]


# The read side -----------------------------------------------------------------


class _StoredNodes:
    """A merkle.Lookup over the ledger's tables, inside one transaction."""

    def __init__(self, c: Cursor, suffix: str = "") -> None:
        self.c = c
        self.leaves = "ledger_leaves" + suffix
        self.nodes = "ledger_nodes" + suffix

    def __call__(self, wanted: Collection[NodeId]) -> dict[NodeId, bytes]:
        found: dict[NodeId, bytes] = {}
        leaves = [index for level, index in wanted if level == 0]
        small = [(level, index) for level, index in wanted if 0 < level < STORED_LEVEL]
        inner = {
            node_key(level, index): (level, index)
            for level, index in wanted
            if level >= STORED_LEVEL
        }
        if leaves:
            for row in _select_in(self.c, f"SELECT leaf, hash FROM {self.leaves}", "leaf", leaves):
                found[(0, int(row[0]))] = bytes(row[1])
        for level, index in small:
            self.c.execute(
                f"SELECT hash FROM {self.leaves} WHERE leaf >= ? AND leaf < ? ORDER BY leaf",
                (index << level, (index + 1) << level),
            )
            hashes = [bytes(row[0]) for row in self.c.fetchall()]
            if len(hashes) == 1 << level:
                found[(level, index)] = merkle.root_of(hashes)
        if inner:
            for row in _select_in(self.c, f"SELECT node, hash FROM {self.nodes}", "node", inner):
                found[inner[int(row[0])]] = bytes(row[1])
        missing = [node for node in wanted if node not in found]
        if missing:
            raise LookupError(
                f"the ledger has no hash for the subtree(s) {sorted(missing)[:3]}: its tables "
                "were changed; run `policy-timeline verify`"
            )
        return found


def _select_in(c: Cursor, select: str, column: str, values: Iterable[int]) -> list[Row]:
    rows: list[Row] = []
    values = list(values)
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        c.execute(f"{select} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)
        rows.extend(c.fetchall())
    return rows


class Ledger:
    """Tree heads, checkpoints and proofs from the ledger's tables, and the events the
    proofs carry from the log's (`Database.log_table`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._log = StoredLog(db)

    def position(self) -> int:
        """The log position the ledger has witnessed, 0 before any event."""
        with self.db.read() as c:
            return self._position(c)

    def head(self, position: int | None = None) -> Checkpoint:
        """The tree head over every event at a log position <= `position`.

        By default at the ledger's own position. Computed from stored nodes,
        so any position has a head, checkpointed or not. Raise LedgerBehind
        when the ledger has not reached `position`, ValueError when it is negative.
        """
        with self.db.read() as c:
            return self._head(c, position)

    def checkpoint_at(self, position: int) -> Checkpoint | None:
        """The last checkpoint the ledger wrote at or before log `position`, or None."""
        with self.db.read() as c:
            if not self._exists(c):
                return None
            c.execute(
                "SELECT tree_size, position, root, recorded_at FROM ledger_checkpoints "
                "WHERE position <= ? ORDER BY position DESC LIMIT 1",
                (position,),
            )
            row = c.fetchone()
        return None if row is None else _checkpoint(row)

    def checkpoints(self, after_size: int = 0, limit: int = 100) -> list[Checkpoint]:
        """Stored checkpoints with a tree size above `after_size`, oldest first."""
        with self.db.read() as c:
            if not self._exists(c):
                return []
            c.execute(
                "SELECT tree_size, position, root, recorded_at FROM ledger_checkpoints "
                "WHERE tree_size > ? ORDER BY tree_size LIMIT ?",
                (after_size, limit),
            )
            return [_checkpoint(row) for row in c.fetchall()]

    def latest_checkpoint(self) -> Checkpoint:
        """The newest checkpoint; the empty tree's head before any event."""
        with self.db.read() as c:
            return self._latest(c)

    def inclusion_proof(self, position: int, *, against: int | None = None) -> InclusionProof:
        """The proof that the event at `position` is in the latest checkpoint's tree.

        With `against`, in the tree head at that log position instead. Raise
        NoSuchEvent when no event is stored at `position`, LedgerBehind when
        the ledger has not witnessed it (or `against`), ValueError when
        `against` is before `position`.
        """
        with self.db.read() as c:
            head = self._latest(c) if against is None else self._head(c, against)
            reached = self._position(c)
            if position > reached:
                raise LedgerBehind(position, reached)
            leaf = self._leaf_at(c, position)
            if leaf is None:
                raise NoSuchEvent(position)
            if leaf >= head.tree_size:
                raise ValueError(
                    f"against: the head at {head.position} is before position {position}"
                )
            event = self._log.event(c, position)
            path = merkle.inclusion_proof(leaf, head.tree_size, _StoredNodes(c))
        return InclusionProof(event, leaf, head, tuple(h.hex() for h in path))

    def consistency_proof(self, first_size: int, second_size: int) -> ConsistencyProof:
        """The proof that the tree of `first_size` events is a prefix of `second_size`'s.

        Raise TreeSizesOutOfRange (a ValueError) unless 0 <= first_size <=
        second_size <= the ledger's size.
        """
        with self.db.read() as c:
            size = self._size(c)
            if not 0 <= first_size <= second_size <= size:
                raise TreeSizesOutOfRange(first_size, second_size, size)
            lookup = _StoredNodes(c)
            path = merkle.consistency_proof(first_size, second_size, lookup)
            first, second = self._head_of_size(c, first_size), self._head_of_size(c, second_size)
        return ConsistencyProof(first, second, tuple(h.hex() for h in path))

    def head_of_size(self, size: int) -> Checkpoint:
        """The tree head of the first `size` events; raise TreeSizesOutOfRange past the ledger."""
        with self.db.read() as c:
            have = self._size(c)
            if not 0 <= size <= have:
                raise TreeSizesOutOfRange(size, size, have)
            return self._head_of_size(c, size)

    def leaf_positions(self, first: int, end: int) -> list[int]:
        """The log positions of leaves `first` up to `end` (exclusive), in leaf order."""
        with self.db.read() as c:
            if not self._exists(c):
                return []
            c.execute(
                "SELECT position FROM ledger_leaves WHERE leaf >= ? AND leaf < ? ORDER BY leaf",
                (first, end),
            )
            return [int(row[0]) for row in c.fetchall()]

    def leaf_hashes(self, positions: Iterable[int]) -> dict[int, str]:
        """The leaf hash (hex) of each of `positions` the ledger holds; others are left out."""
        with self.db.read() as c:
            if not self._exists(c):
                return {}
            rows = _select_in(c, "SELECT position, hash FROM ledger_leaves", "position", positions)
        return {int(row[0]): bytes(row[1]).hex() for row in rows}

    # Inside one read ------------------------------------------------------------

    def _exists(self, c: Cursor) -> bool:
        return self.db.table_exists("ledger_leaves", c)

    def _position(self, c: Cursor) -> int:
        c.execute(
            f"SELECT position FROM {TRACKING_TABLE} WHERE view = ? AND application = ?",
            (LedgerView.name, LedgerView.application),
        )
        row = c.fetchone()
        return 0 if row is None else int(row[0])

    def _size(self, c: Cursor) -> int:
        if not self._exists(c):
            return 0
        c.execute("SELECT leaf FROM ledger_leaves ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        return 0 if row is None else int(row[0]) + 1

    def _leaf_at(self, c: Cursor, position: int) -> int | None:
        if not self._exists(c):
            return None
        c.execute("SELECT leaf FROM ledger_leaves WHERE position = ?", (position,))
        row = c.fetchone()
        return None if row is None else int(row[0])

    def _head(self, c: Cursor, position: int | None) -> Checkpoint:
        reached = self._position(c)
        if position is None:
            position = reached
        if position < 0:
            raise ValueError(f"position: expected 0 or more, got {position}")
        if position > reached:
            raise LedgerBehind(position, reached)
        if not self._exists(c):
            return Checkpoint(0, 0, merkle.EMPTY_ROOT.hex(), None)
        c.execute(
            "SELECT leaf, position, recorded_at FROM ledger_leaves WHERE position <= ? "
            "ORDER BY position DESC LIMIT 1",
            (position,),
        )
        return self._tree_head(c, c.fetchone())

    def _head_of_size(self, c: Cursor, size: int) -> Checkpoint:
        c.execute(
            "SELECT leaf, position, recorded_at FROM ledger_leaves WHERE leaf = ?", (size - 1,)
        )
        return self._tree_head(c, c.fetchone() if size else None)

    def _tree_head(self, c: Cursor, last: Row | None) -> Checkpoint:
        if last is None:
            return Checkpoint(0, 0, merkle.EMPTY_ROOT.hex(), None)
        size = int(last[0]) + 1
        root = merkle.tree_root(size, _StoredNodes(c))
        return Checkpoint(size, int(last[1]), root.hex(), str(last[2]))

    def _latest(self, c: Cursor) -> Checkpoint:
        if not self._exists(c):
            return Checkpoint(0, 0, merkle.EMPTY_ROOT.hex(), None)
        c.execute(
            "SELECT tree_size, position, root, recorded_at FROM ledger_checkpoints "
            "ORDER BY tree_size DESC LIMIT 1"
        )
        row = c.fetchone()
        return Checkpoint(0, 0, merkle.EMPTY_ROOT.hex(), None) if row is None else _checkpoint(row)


def _checkpoint(row: Row) -> Checkpoint:
    return Checkpoint(int(row[0]), int(row[1]), str(row[2]), str(row[3]))
