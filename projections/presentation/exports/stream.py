"""Pieces of text gathered into chunks of bytes of a useful size for a file or a socket."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["CHUNK_BYTES", "buffered", "buffered_bytes"]

CHUNK_BYTES = 64 * 1024
Piece = TypeVar("Piece", str, bytes)


def buffered(pieces: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 chunks of about `size` bytes made of `pieces`, in order; the last may be shorter.

    An entry renders to a few hundred bytes: one write or one send each would
    cost more than the rendering.
    """
    # Encoded once a chunk, not once a piece: one call instead of hundreds.
    return ("".join(held).encode() for held in _held(pieces, size))


def buffered_bytes(pieces: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """`buffered` for pieces already encoded."""
    return (b"".join(held) for held in _held(pieces, size))


def _held(pieces: Iterable[Piece], size: int) -> Iterator[list[Piece]]:
    """`pieces` in runs of at least `size` characters or bytes; the last may be shorter."""
    held: list[Piece] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield held
            held = []
            length = 0
    if held:
        yield held
