"""Entry bodies as the timeline stores them: orjson, compressed with zstd.

A body is mostly the same keys and markers in every version of every entry.
Compressed alone, one row at a time, it would keep most of them; against a
dictionary of the body's own skeleton it keeps little but its values (about
a third of its bytes), and a row still reads alone, in microseconds.

The dictionary is part of the stored format: a body packed with it unpacks
only with it, so it is never changed. A better one would be a new format,
told apart by a new first byte. A body stored before packing (JSON, so it
starts with `{`) reads as it is.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    import zstandard

__all__ = ["LEVEL", "compressor", "pack", "unpack", "unpack_all"]

LEVEL = -1
"""zstd's compression level for bodies packed from now on. -1, not zstd's default 3:
on the bench's bodies 3.7 us a body against 11.9, for 258 bytes against 232 (the
dictionary does most of the work), and a replay packs every version. The level is
not part of the format: a body packed at any level unpacks alike."""

_SKELETON = orjson.dumps(
    {
        "id": "",
        "kind": "statement",
        "title": "",
        "summary": "",
        "occurred": "",
        "actors": [{"actor": "", "role": "subject"}, {"actor": "", "role": "speaker"}],
        "topics": [],
        "location": None,
        "details": {"speaker": "", "quotes": []},
        "sources": [{"source": "", "quote": ""}],
        "note": None,
        "occurred_start": "",
        "occurred_end": "",
        "links": [],
        "status": "active",
        "retraction_reason": None,
        "version": 1,
        "position": 1,
        "recorded_at": "2026-01-01T00:00:00.000000+00:00",
        "updated_at": "2026-01-01T00:00:00.000000+00:00",
    }
)


@cache
def _dictionary() -> zstandard.ZstdCompressionDict:
    # Imported on first use: a command that reads no body starts without it.
    import zstandard

    return zstandard.ZstdCompressionDict(_SKELETON, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def compressor(level: int = LEVEL) -> zstandard.ZstdCompressor:
    """A compressor of bodies as `pack` writes them (the dictionary, no checksum, no
    dictionary id in the frame), at `level`."""
    import zstandard

    return zstandard.ZstdCompressor(
        level=level, dict_data=_dictionary(), write_checksum=False, write_dict_id=False
    )


class _Codecs:
    """A compressor and a decompressor, for one thread: zstandard's are not thread-safe."""

    def __init__(self) -> None:
        import zstandard

        self.packer = compressor()
        self.unpacker = zstandard.ZstdDecompressor(dict_data=_dictionary())


_LOCAL = threading.local()


def _codecs() -> _Codecs:
    codecs: _Codecs | None = getattr(_LOCAL, "codecs", None)
    if codecs is None:
        codecs = _LOCAL.codecs = _Codecs()
    return codecs


def pack(body: bytes) -> bytes:
    """`body`, serialized JSON, as the timeline stores it."""
    return _codecs().packer.compress(body)


def unpack(stored: bytes | memoryview) -> bytes:
    """The serialized JSON of a body `pack` stored (or one stored before packing)."""
    raw = bytes(stored)
    if raw[:1] == b"{":
        return raw
    return _codecs().unpacker.decompress(raw)


def unpack_all(stored: Sequence[bytes | memoryview]) -> list[bytes]:
    """`unpack` of each of `stored`, in order: a page's bodies at once.

    The thread's decompressor is looked up once and mapped over the page, with
    no test per body: a body stored before packing is not a zstd frame, and
    fails the page over to `unpack`'s one at a time. zstandard's
    `multi_decompress_to_buffer` was no cheaper (about 2 us a body either way
    on the bench's bodies), and its segments are copied to bytes after.
    """
    import zstandard

    try:
        return list(map(_codecs().unpacker.decompress, stored))
    except zstandard.ZstdError:
        return [unpack(body) for body in stored]
