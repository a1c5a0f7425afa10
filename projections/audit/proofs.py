"""Leaves and proofs that check offline: the ledger's leaf encoding, tree heads, and
inclusion and consistency proofs as JSON.

Nothing here reads a database: a saved `InclusionProof` carries its event and
checks with this module and `projections.audit.merkle` alone (`policy-timeline
verify --proof FILE`). `projections.audit.ledger` makes these from its tables.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from projections.audit import merkle

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = [
    "LEAF_FORMAT",
    "LEAF_PREFIX",
    "U64",
    "Checkpoint",
    "ConsistencyProof",
    "InclusionProof",
    "LoggedEvent",
    "content_hash",
    "event_leaf_data",
    "event_leaf_hash",
    "leaf_of",
    "leaf_of_state_hash",
    "position_bytes",
    "topic_field",
    "uuid_bytes",
]

LEAF_FORMAT = 2
"""The version of the leaf encoding below; the first byte of every leaf."""

# Leaf data: format (1 byte), originator id (16 bytes), originator version
# (8), topic length (4) and topic (UTF-8), the SHA-256 of the state (32),
# then the log position (8); integers big-endian. Every field has a fixed
# width or a length before it, so two different events never share an
# encoding. The leaf commits to the state's hash, not its bytes, so that a
# lawful redaction can later blank an event's stored text, keep its hash, and
# leave the tree and every proof intact. The position comes last so that a
# search for where an event's content went (`audit.py`, after a reorder)
# hashes the content once and each candidate position as a short update.
U64 = struct.Struct(">Q").pack
_U32 = struct.Struct(">I").pack
LEAF_PREFIX = b"\x00" + bytes([LEAF_FORMAT])  # RFC 6962's leaf prefix, then the format
_sha256 = hashlib.sha256
_join = b"".join


# The leaf of an event ---------------------------------------------------------


def uuid_bytes(originator_id: UUID | str) -> bytes:
    """The 16 bytes of an originator id, whichever text form it was stored in."""
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    if len(originator_id) in (32, 36):
        try:
            found = bytes.fromhex(originator_id.replace("-", ""))
        except ValueError:
            found = b""
        if len(found) == 16 and (len(originator_id) == 32 or originator_id.count("-") == 4):
            return found
    return UUID(originator_id).bytes


def topic_field(topic: str) -> bytes:
    """The topic as a leaf holds it: its UTF-8 length, then the bytes."""
    encoded = topic.encode()
    return _U32(len(encoded)) + encoded


def leaf_of(position: int, id_bytes: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    """The leaf hash of an event whose id and topic are already in leaf form.

    `topic` is `topic_field(...)`. The hot path of the view and of verify.
    """
    return _sha256(
        _join((LEAF_PREFIX, id_bytes, U64(version), topic, _sha256(state).digest(), U64(position)))
    ).digest()


def leaf_of_state_hash(
    position: int, id_bytes: bytes, version: int, topic: bytes, state_sha256: bytes
) -> bytes:
    """The leaf hash from the state's SHA-256 alone: what a redacted event still proves."""
    return _sha256(
        _join((LEAF_PREFIX, id_bytes, U64(version), topic, state_sha256, U64(position)))
    ).digest()


def event_leaf_data(
    position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The canonical bytes of one stored event, as the ledger hashes them."""
    return _join(
        (
            bytes([LEAF_FORMAT]),
            uuid_bytes(originator_id),
            U64(version),
            topic_field(topic),
            _sha256(state).digest(),
            U64(position),
        )
    )


def event_leaf_hash(
    position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """merkle.leaf_hash(event_leaf_data(...))."""
    return leaf_of(position, uuid_bytes(originator_id), version, topic_field(topic), state)


def content_hash(id_bytes: bytes, version: int, topic: bytes, state: bytes) -> _Hash:
    """A SHA-256 fed with a leaf's prefix and data up to its position (`topic` in leaf form).

    `h.update(position_bytes(p)); h.digest()` then gives the leaf hash at p;
    `h.copy()` first tries several positions for one content.
    """
    return _sha256(_join((LEAF_PREFIX, id_bytes, U64(version), topic, _sha256(state).digest())))


def position_bytes(position: int) -> bytes:
    """The last field of a leaf: the log position, 8 bytes big-endian."""
    return U64(position)


@dataclass(frozen=True)
class LoggedEvent:
    """One stored event as the log holds it: enough to recompute its leaf anywhere."""

    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes

    def leaf_hash(self) -> bytes:
        return event_leaf_hash(
            self.position, self.originator_id, self.originator_version, self.topic, self.state
        )

    def to_json(self) -> dict[str, Any]:
        """`{position, originator_id, originator_version, topic, state}`; state in base64."""
        return {
            "position": self.position,
            "originator_id": self.originator_id,
            "originator_version": self.originator_version,
            "topic": self.topic,
            "state": base64.b64encode(self.state).decode(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LoggedEvent:
        """Read `to_json`'s shape back; raise ValueError naming the field that is wrong."""
        state = _field(data, "state", str)
        try:
            raw = base64.b64decode(state, validate=True)
        except binascii.Error:
            raise ValueError("event.state: expected base64 text") from None
        originator_id = _field(data, "originator_id", str)
        try:
            canonical = str(UUID(originator_id))
        except ValueError:
            raise ValueError("event.originator_id: expected a UUID") from None
        return cls(
            _counted_field(data, "event.position"),
            canonical,
            _counted_field(data, "event.originator_version"),
            _field(data, "topic", str),
            raw,
        )


# Tree heads and proofs ----------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the first `tree_size` events, up to log `position`, hash to `root`.

    `recorded_at` is the recorded time of the last of those events (None for
    the empty tree); `root` is 64 hex digits.
    """

    tree_size: int
    position: int
    root: str
    recorded_at: str | None

    def to_json(self) -> dict[str, Any]:
        """`{tree_size, position, root, recorded_at}`."""
        return {
            "tree_size": self.tree_size,
            "position": self.position,
            "root": self.root,
            "recorded_at": self.recorded_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Read `to_json`'s shape back; raise ValueError naming the field that is wrong."""
        recorded_at = data.get("recorded_at")
        if recorded_at is not None and not isinstance(recorded_at, str):
            raise ValueError("recorded_at: expected text or null")
        return cls(
            _field(data, "tree_size", int),
            _field(data, "position", int),
            _hex_field(data, "root"),
            recorded_at,
        )


@dataclass(frozen=True)
class InclusionProof:
    """That `event` is leaf `leaf_index` of the tree `head`: RFC 9162 §2.1.3."""

    event: LoggedEvent
    leaf_index: int
    head: Checkpoint
    path: tuple[str, ...]

    @property
    def leaf_hash(self) -> str:
        return self.event.leaf_hash().hex()

    def verify(self) -> bool:
        """Recompute the event's leaf and check the path leads to the head's root."""
        return merkle.verify_inclusion(
            self.leaf_index,
            self.head.tree_size,
            self.event.leaf_hash(),
            [bytes.fromhex(h) for h in self.path],
            bytes.fromhex(self.head.root),
        )

    def to_json(self) -> dict[str, Any]:
        """`{kind: "inclusion", leaf_format, event, leaf_index, leaf_hash, head, path}`."""
        return {
            "kind": "inclusion",
            "leaf_format": LEAF_FORMAT,
            "event": self.event.to_json(),
            "leaf_index": self.leaf_index,
            "leaf_hash": self.leaf_hash,
            "head": self.head.to_json(),
            "path": list(self.path),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InclusionProof:
        """Read `to_json`'s shape back; raise ValueError naming the field that is wrong.

        A `leaf_hash` that is present must be the event's own: a proof whose
        event was edited is refused here rather than verified against its path.
        """
        _kind(data, "inclusion")
        event = _nested("event", LoggedEvent.from_json, _field(data, "event", dict))
        proof = cls(
            event,
            _field(data, "leaf_index", int),
            _nested("head", Checkpoint.from_json, _field(data, "head", dict)),
            _path(data),
        )
        stated = data.get("leaf_hash")
        if stated is not None and stated != proof.leaf_hash:
            raise ValueError(
                f"leaf_hash: the event hashes to {proof.leaf_hash}, not {stated}; "
                "the event or the hash was changed"
            )
        return proof


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree `first` is a prefix of the tree `second`: RFC 9162 §2.1.4."""

    first: Checkpoint
    second: Checkpoint
    path: tuple[str, ...]

    def verify(self) -> bool:
        return merkle.verify_consistency(
            self.first.tree_size,
            self.second.tree_size,
            bytes.fromhex(self.first.root),
            bytes.fromhex(self.second.root),
            [bytes.fromhex(h) for h in self.path],
        )

    def to_json(self) -> dict[str, Any]:
        """`{kind: "consistency", first, second, path}`."""
        return {
            "kind": "consistency",
            "first": self.first.to_json(),
            "second": self.second.to_json(),
            "path": list(self.path),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsistencyProof:
        """Read `to_json`'s shape back; raise ValueError naming the field that is wrong."""
        _kind(data, "consistency")
        return cls(
            _nested("first", Checkpoint.from_json, _field(data, "first", dict)),
            _nested("second", Checkpoint.from_json, _field(data, "second", dict)),
            _path(data),
        )


def _field(data: Mapping[str, Any], name: str, kind: type[Any]) -> Any:
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{name}: expected {kind.__name__ if kind is not dict else 'an object'}")
    return value


_T = TypeVar("_T")


def _counted_field(data: Mapping[str, Any], path: str) -> int:
    """A position or version: the leaf holds it as 8 bytes, and both start at 1."""
    value = _field(data, path.rpartition(".")[2], int)
    if not 1 <= value < 2**64:
        raise ValueError(f"{path}: expected a whole number from 1 to 2**64 - 1, got {value}")
    return int(value)


def _nested(prefix: str, read: Callable[[Mapping[str, Any]], _T], data: Any) -> _T:
    """Read a nested object, naming its fields from the top (`head.root`, not `root`)."""
    try:
        return read(data)
    except ValueError as error:
        message = str(error)
        if message.startswith(f"{prefix}."):
            raise
        raise ValueError(f"{prefix}.{message}") from None


def _hex_field(data: Mapping[str, Any], name: str) -> str:
    value = _field(data, name, str)
    if len(value) != 64 or not all(ch in "0123456789abcdef" for ch in value):
        raise ValueError(f"{name}: expected a SHA-256 hash as 64 lowercase hex digits")
    return str(value)


def _path(data: Mapping[str, Any]) -> tuple[str, ...]:
    path = _field(data, "path", list)
    for i, _ in enumerate(path):
        _hex_field({f"path[{i}]": path[i]}, f"path[{i}]")
    return tuple(path)


def _kind(data: Mapping[str, Any], kind: str) -> None:
    if not isinstance(data, Mapping) or data.get("kind") != kind:
        raise ValueError(f"kind: expected {kind!r}; this is not a saved {kind} proof")
    if kind == "inclusion" and data.get("leaf_format", LEAF_FORMAT) != LEAF_FORMAT:
        raise ValueError(f"leaf_format: this engine reads leaf format {LEAF_FORMAT}")
