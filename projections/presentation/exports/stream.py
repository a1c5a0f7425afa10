"""Pieces of text gathered into chunks of bytes of a useful size for a file or a socket."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["CHUNK_BYTES", "buffered", "buffered_bytes"]

CHUNK_BYTES = 64 * 1024


def buffered(pieces: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 chunks of about `size` bytes made of `pieces`, in order; the last may be shorter.

    An entry renders to a few hundred bytes: one write or one send each would
    cost more than the rendering.
    """
    held: list[str] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(held).encode()
            held.clear()
            length = 0
    if held:
        yield "".join(held).encode()


def buffered_bytes(pieces: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """`buffered` for pieces already encoded."""
    held: list[bytes] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(held)
            held.clear()
            length = 0
    if held:
        yield b"".join(held)
