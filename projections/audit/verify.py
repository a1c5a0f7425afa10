"""Verify the stored log against the ledger that witnessed it.

`verify_log` reads every stored event with plain SQL, in log order and in
batches, recomputes its leaf hash from the exact stored bytes and rebuilds the
Merkle tree, then compares three things with the ledger: the leaf at every
position, the hash of every complete subtree it stored, and the root of every
checkpoint it wrote. It stops at the first disagreement and says where and
what: an event changed, deleted, inserted, or moved to another position, or
the ledger's own rows changed. Events after the ledger's position are not
failures: the ledger has not witnessed them yet, and the report counts them
as `unattested`.

What this cannot see: someone who rewrites an event *and* every ledger row
and checkpoint after it consistently. Against that, keep tree heads elsewhere
(every export carries one) and check a consistency proof from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from projections.audit import merkle
from projections.audit.ledger import LEVEL_BITS, LedgerView, StoredLog, node_rows
from projections.audit.proofs import (
    LEAF_PREFIX,
    U64,
    content_hash,
    position_bytes,
    topic_field,
    uuid_bytes,
)
from projections.database import Cursor, Database, Row
from projections.views.view import TRACKING_TABLE

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["BadEvent", "VerifyReport", "verify_log"]

Progress = Callable[[int], None]
BATCH = 10_000
START = -(2**63)  # below any position: SQLite accepts rowids of 0 and less
UNREADABLE = bytes(32)  # the leaf "hash" of a row no engine wrote: it matches no leaf


@dataclass(frozen=True)
class BadEvent:
    """The first place the log and its ledger disagree.

    `problem` is `changed`, `reordered`, `missing`, `inserted`, `ledger` (the
    ledger's own rows disagree with the events that match its leaves) or
    `checkpoint`; `detail` says it in words, with what to do.
    """

    position: int
    problem: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        """`{position, problem, detail}`."""
        return {"position": self.position, "problem": self.problem, "detail": self.detail}


@dataclass(frozen=True)
class VerifyReport:
    """What `verify_log` found.

    `checked` events matched the ledger, in order from the first; `checkpoints`
    of the ledger's checkpoints matched the recomputed roots. The head is the
    tree over the checked events when `ok` (the ledger's own head), and the
    ledger's latest checkpoint when not. `unattested` events come after the
    ledger's position: not failures, not yet witnessed, but nothing vouches for
    them either, so the JSON's `ok` is false until the ledger reaches them.
    """

    ok: bool
    checked: int
    checkpoints: int
    head_position: int
    head_hash: str
    tree_size: int
    unattested: int
    first_bad: BadEvent | None = None

    @property
    def complete(self) -> bool:
        """Whether the ledger has witnessed every event stored when the check ran."""
        return self.unattested == 0

    def to_json(self) -> dict[str, Any]:
        """`{ok, checked, head: {position, hash, tree_size}, checkpoints, unattested,
        first_bad?: {position, problem, detail}}`."""
        report: dict[str, Any] = {
            "ok": self.ok and self.complete,
            "checked": self.checked,
            "head": {
                "position": self.head_position,
                "hash": self.head_hash,
                "tree_size": self.tree_size,
            },
            "checkpoints": self.checkpoints,
            "unattested": self.unattested,
        }
        if self.first_bad is not None:
            report["first_bad"] = self.first_bad.to_json()
        return report


def verify_log(
    db: Database, *, progress: Progress | None = None, batch: int = BATCH
) -> VerifyReport:
    """Recompute the ledger from the log's table (`Database.log_table`); compare.

    Reads in one snapshot, so writes arriving meanwhile change nothing it
    sees. `progress(n)` is called with the number of events read, per batch.
    """
    with db.read() as c:
        return _Scan(db, c, StoredLog(db), progress, batch).run()


class _Found(Exception):
    """Stops the scan at the first bad event."""

    def __init__(self, bad: BadEvent, matched: int = 0) -> None:
        self.bad = bad
        self.matched = matched


class _Scan:
    """One pass over the log and the ledger, side by side, in one read transaction."""

    def __init__(
        self, db: Database, c: Cursor, log: StoredLog, progress: Progress | None, batch: int
    ) -> None:
        self.db, self.c, self.log = db, c, log
        self.progress = progress
        self.batch = batch
        self.size = 0  # leaves checked
        self.last = START  # the position of the last event checked
        self.frontier: list[tuple[int, bytes]] = []
        self.checkpoints = 0
        self.topics: dict[str, bytes] = {}
        self.unreadable: dict[int, str] = {}  # position: what is wrong with its row

    def run(self) -> VerifyReport:
        witnessed = self._witnessed()
        try:
            while True:
                rows = self.log.page(self.c, self.last, self.batch)
                if self.progress is not None and rows:
                    self.progress(len(rows))
                if rows and rows[-1][0] <= witnessed:
                    self._check(rows, int(rows[-1][0]))
                    continue
                attested = [row for row in rows if row[0] <= witnessed]
                # The last batch the ledger witnessed: every leaf it holds up to
                # its position must still be in the log.
                if witnessed > 0:
                    self._check(attested, witnessed)
                    self._check_head()
                break
        except _Found as found:
            return self._failed(found)
        return VerifyReport(
            ok=True,
            checked=self.size,
            checkpoints=self.checkpoints,
            head_position=max(self.last, 0),
            head_hash=merkle.root_from_frontier([h for _, h in self.frontier]).hex(),
            tree_size=self.size,
            unattested=self.log.count_after(self.c, max(self.last, witnessed)),
        )

    # One batch -----------------------------------------------------------------

    def _check(self, rows: Sequence[Row], through: int) -> None:
        """Compare `rows` with the ledger over (last checked, through]: its leaves, then
        the nodes and checkpoints the leaves make."""
        first = self.size
        leaves = self._leaves(self.last, through)
        end = first + len(rows)
        stored_nodes = self._nodes(first, end) if rows else []
        checkpoints = self._checkpoints(first, end) if rows else {}
        computed, made, roots = self._grow(rows, checkpoints)
        # Rows come back as tuples on both backends, so the common case is one
        # comparison in C: (position, leaf index, leaf hash) for every event.
        if computed != leaves:
            raise self._first_difference(rows, computed, leaves)
        if made != stored_nodes:
            raise self._node_difference(made, stored_nodes, computed, first)
        for size, (position, root) in roots.items():
            if checkpoints[size] != (position, root):
                raise _Found(
                    BadEvent(
                        position,
                        "checkpoint",
                        f"the ledger's checkpoint of {size} events says position "
                        f"{checkpoints[size][0]} and root {checkpoints[size][1]}, but the first "
                        f"{size} events end at {position} and hash to {root}: the checkpoint "
                        "was changed",
                    ),
                    size - first - 1,
                )
        self.checkpoints += len(roots)
        if rows:
            self.size = end
            self.last = int(rows[-1][0])

    def _grow(
        self, rows: Sequence[Row], checkpoints: dict[int, tuple[int, str]]
    ) -> tuple[list[Row], list[Row], dict[int, tuple[int, str]]]:
        """The batch's (position, leaf index, leaf hash), the stored-size nodes they
        complete, and the roots at the checkpointed sizes; the tree grows by the batch."""
        if not rows:
            return [], [], {}
        positions = [row[0] for row in rows]
        hashes = self._leaf_hashes(rows)
        first = self.size
        computed = list(zip(positions, range(first, first + len(rows)), hashes, strict=True))
        growth = merkle.grow(self.frontier, first, hashes)
        made = node_rows(growth)
        roots = {
            size: (positions[size - first - 1], growth.root_at(size).hex()) for size in checkpoints
        }
        self.frontier = growth.frontier
        return computed, made, roots

    def _leaf_hashes(self, rows: Sequence[Row]) -> list[bytes]:
        """Every row's leaf hash: one comprehension in the common case, where ids are
        the recorder's own (32 hex digits on SQLite, UUIDs on PostgreSQL)."""
        topics = self.topics
        sha256, join, u64, start = hashlib.sha256, b"".join, U64, LEAF_PREFIX
        id_bytes = self.db.dialect.id_bytes
        for _ in range(2):
            try:
                return [
                    sha256(
                        join((start, id_bytes(o), u64(v), topics[t], sha256(s).digest(), u64(p)))
                    ).digest()
                    for p, o, v, t, s in rows
                ]
            except KeyError:  # a topic not seen before
                for topic in {row[3] for row in rows} - topics.keys():
                    topics[topic] = topic_field(str(topic))
            except (ValueError, TypeError, AttributeError):
                break
        # An id in another text form, or no id at all: row by row, with care. (A
        # 32-character id that is not hex hashes wrongly above, fails the
        # comparison, and is then read with care.)
        return [self._leaf(row) for row in rows]

    def _leaf(self, row: Row) -> bytes:
        """One row's leaf hash, read with care. A row no engine could have written
        (an id that is no UUID, a state that is not bytes) gets a hash no leaf has,
        so the comparison stops there and `unreadable` says why."""
        try:
            h = self._content(row)
        except ValueError as error:
            self.unreadable[int(row[0])] = (
                f"the event at position {row[0]} has {error}: the row was changed"
            )
            return UNREADABLE
        h.update(position_bytes(row[0]))
        return h.digest()

    def _check_head(self) -> None:
        """The ledger wrote a checkpoint at its head, and none beyond it."""
        if self.size == 0:
            return
        self.c.execute("SELECT COUNT(*) FROM ledger_checkpoints WHERE tree_size = ?", (self.size,))
        if _count(self.c) == 0:
            raise _Found(
                BadEvent(
                    self.last,
                    "checkpoint",
                    f"the ledger has no checkpoint at its head ({self.size} events, position "
                    f"{self.last}), though it writes one after every batch: checkpoints "
                    "were deleted",
                ),
                self.size,
            )
        self.c.execute("SELECT COUNT(*) FROM ledger_checkpoints WHERE tree_size > ?", (self.size,))
        if _count(self.c):
            raise _Found(
                BadEvent(
                    self.last,
                    "checkpoint",
                    f"the ledger has checkpoints of more than its {self.size} leaves: "
                    "leaves were deleted from it",
                ),
                self.size,
            )

    def _content(self, row: Row) -> _Hash:
        """A SHA-256 of the row's leaf but for its position; raise ValueError saying
        what is wrong with a row whose id is no UUID or whose state is not bytes."""
        _, originator, version, topic, state = row
        if not isinstance(state, bytes | memoryview):
            # SQLite keeps a value's type per row: an edit by hand can store text.
            raise ValueError(f"a state stored as {type(state).__name__}, not bytes")
        if not isinstance(originator, str | UUID):
            raise ValueError(f"the originator id {originator!r}, which is not a UUID")
        try:
            id_bytes = uuid_bytes(originator)
        except ValueError:
            raise ValueError(f"the originator id {originator!r}, which is not a UUID") from None
        return content_hash(id_bytes, version, topic_field(str(topic)), bytes(state))

    # Telling what went wrong ---------------------------------------------------

    def _first_difference(
        self, rows: Sequence[Row], computed: list[Row], leaves: list[Row]
    ) -> _Found:
        i = 0
        while i < len(computed) and i < len(leaves) and computed[i] == leaves[i]:
            i += 1
        if i < len(computed) and i < len(leaves):
            (position, index, h), (recorded, leaf, _) = computed[i], leaves[i]
            if (position, h) == (recorded, leaves[i][2]):
                return _Found(
                    BadEvent(
                        position,
                        "ledger",
                        f"the ledger numbers its leaf at position {position} {leaf}, not "
                        f"{index}: its tables were changed",
                    ),
                    i,
                )
        if i == len(computed) or (i < len(leaves) and leaves[i][0] < computed[i][0]):
            position = int(leaves[i][0])
            return _Found(
                BadEvent(
                    position,
                    "missing",
                    f"the ledger recorded an event at position {position}, but the log has "
                    "none there: it was deleted, or moved elsewhere. Restore it from a "
                    "backup; the ledger's leaf hash at that position identifies it",
                ),
                i,
            )
        row = rows[i]
        position = int(row[0])
        what = f"(aggregate {_uuid_text(row[1])}, version {row[2]}, {row[3]})"
        elsewhere = self._recorded_elsewhere(row)
        if elsewhere is not None:
            bad = BadEvent(
                position,
                "reordered",
                f"the event now at position {position} {what} is the one the ledger "
                f"recorded at position {elsewhere}: events were moved or swapped. Put "
                "them back in their recorded order from a backup",
            )
        elif position in self.unreadable:
            bad = BadEvent(position, "changed", self.unreadable[position])
        elif i < len(leaves) and leaves[i][0] == position:
            bad = BadEvent(
                position,
                "changed",
                f"the event at position {position} {what} is not the one the ledger "
                "recorded there: its stored bytes were changed after it was stored "
                "(or the ledger's leaf was). Restore the row from a backup",
            )
        else:
            bad = BadEvent(
                position,
                "inserted",
                f"the log has an event at position {position} {what} that the ledger never "
                "recorded: it was added afterwards, outside the engine. Remove it",
            )
        return _Found(bad, i)

    def _recorded_elsewhere(self, row: Row) -> int | None:
        """Where the ledger recorded this event's content, if at another position.

        One pass over the ledger (only after a failure): the content is hashed
        once and each candidate position is a short update of a copy.
        """
        try:
            content = self._content(row)
        except ValueError:
            return None
        after = START
        while True:
            self.c.execute(
                "SELECT position, hash FROM ledger_leaves WHERE position > ? "
                "ORDER BY position LIMIT ?",
                (after, self.batch),
            )
            leaves = self.c.fetchall()
            if not leaves:
                return None
            for position, stored in leaves:
                h = content.copy()
                h.update(position_bytes(position))
                if position != row[0] and h.digest() == bytes(stored):
                    return int(position)
            after = int(leaves[-1][0])

    def _node_difference(
        self, made: list[Row], stored: list[Row], computed: list[Row], first: int
    ) -> _Found:
        # Keys order by a node's last leaf, then level: the least is the first wrong.
        key = min(k for k, _ in set(made).symmetric_difference(stored))
        leaf = key >> LEVEL_BITS
        position = computed[min(leaf - first, len(computed) - 1)][0]
        return _Found(
            BadEvent(
                position,
                "ledger",
                f"the ledger's stored hash of the subtree ending at position {position} "
                f"(level {key & ((1 << LEVEL_BITS) - 1)}) does not match the events, whose "
                "leaves do: the ledger's nodes were changed, and proofs through them fail",
            ),
            leaf - first,
        )

    def _failed(self, found: _Found) -> VerifyReport:
        head = (0, merkle.EMPTY_ROOT.hex(), 0)
        self.c.execute(
            "SELECT position, root, tree_size FROM ledger_checkpoints "
            "ORDER BY tree_size DESC LIMIT 1"
        )
        row = self.c.fetchone()
        if row is not None:
            head = (int(row[0]), str(row[1]), int(row[2]))
        return VerifyReport(
            ok=False,
            checked=self.size + found.matched,
            checkpoints=self.checkpoints,
            head_position=head[0],
            head_hash=head[1],
            tree_size=head[2],
            unattested=0,
            first_bad=found.bad,
        )

    # Reads -----------------------------------------------------------------------

    def _witnessed(self) -> int:
        """The ledger's position; 0 if it was never created."""
        db, c = self.db, self.c
        if not db.table_exists(TRACKING_TABLE, c) or not db.table_exists("ledger_leaves", c):
            return 0
        c.execute(
            f"SELECT position FROM {TRACKING_TABLE} WHERE view = ? AND application = ?",
            (LedgerView.name, LedgerView.application),
        )
        row = c.fetchone()
        return 0 if row is None else int(row[0])

    def _leaves(self, after: int, through: int) -> list[Row]:
        """(position, leaf index, hash) of the ledger's leaves over (after, through]."""
        if through <= after:
            return []
        self.c.execute(
            "SELECT position, leaf, hash FROM ledger_leaves WHERE position > ? AND position <= ? "
            "ORDER BY position",
            (after, through),
        )
        return self._plain(self.c.fetchall())

    def _nodes(self, first: int, end: int) -> list[Row]:
        """(key, hash) of the stored nodes whose last leaf is one of [first, end), by level
        and then key, as `node_rows` makes them."""
        self.c.execute(
            "SELECT node, hash FROM ledger_nodes WHERE node >= ? AND node < ? "
            f"ORDER BY node & {(1 << LEVEL_BITS) - 1}, node",
            (first << LEVEL_BITS, end << LEVEL_BITS),
        )
        return self._plain(self.c.fetchall())

    def _plain(self, rows: list[Row]) -> list[Row]:
        return self.db.dialect.plain_rows(rows)

    def _checkpoints(self, first: int, end: int) -> dict[int, tuple[int, str]]:
        self.c.execute(
            "SELECT tree_size, position, root FROM ledger_checkpoints "
            "WHERE tree_size > ? AND tree_size <= ?",
            (first, end),
        )
        return {int(size): (int(at), str(root)) for size, at, root in self.c.fetchall()}


def _count(c: Cursor) -> int:
    row = c.fetchone()
    return 0 if row is None else int(row[0])


def _uuid_text(value: object) -> str:
    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except ValueError:
        return repr(value)
