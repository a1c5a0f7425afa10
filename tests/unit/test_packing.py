"""Entry bodies as the timeline stores them (`projections.views.packing`)."""

from __future__ import annotations

import orjson

from projections.views.packing import LEVEL, compressor, pack, unpack, unpack_all
from tests.builders import body

BODY = orjson.dumps(body("statement"))


def test_a_packed_body_unpacks_to_its_bytes_and_is_smaller() -> None:
    packed = pack(BODY)
    assert unpack(packed) == BODY
    assert unpack(memoryview(packed)) == BODY
    assert len(packed) < len(BODY)


def test_a_body_packed_with_the_dictionary_at_another_level_unpacks_alike() -> None:
    # Stores packed at level 3 before the level changed read as they did: what
    # they need is the same dictionary and frame options, which `compressor` keeps.
    for level in (3, 19, LEVEL):
        packer = compressor(level)
        assert unpack(packer.compress(BODY)) == BODY
        assert unpack_all([packer.compress(BODY), pack(BODY)]) == [BODY, BODY]


def test_a_body_stored_before_packing_reads_as_it_is() -> None:
    assert unpack(BODY) == BODY
    assert unpack_all([pack(BODY), BODY]) == [BODY, BODY]
