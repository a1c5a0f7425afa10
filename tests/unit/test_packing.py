"""Entry bodies as the timeline stores them (`projections.views.packing`)."""

from __future__ import annotations

import orjson
import zstandard

from projections.views.packing import LEVEL, _dictionary, pack, unpack, unpack_all

BODY = orjson.dumps(
    {
        "id": "5f0e2c1a-0000-4000-8000-000000000001",
        "kind": "statement",
        "title": "Statement on border policy",
        "summary": "The White House said the talks were productive.",
        "occurred": "2023-12-27",
        "actors": [{"actor": "joe-biden", "role": "speaker"}],
        "topics": ["border-security"],
        "details": {"speaker": "joe-biden", "quotes": ["We made progress."]},
        "sources": [{"source": "cbs-2023-12-28", "quote": "productive"}],
        "version": 1,
    }
)


def test_a_packed_body_unpacks_to_its_bytes_and_is_smaller() -> None:
    packed = pack(BODY)
    assert unpack(packed) == BODY
    assert unpack(memoryview(packed)) == BODY
    assert len(packed) < len(BODY)


def test_a_body_packed_with_the_dictionary_at_another_level_unpacks_alike() -> None:
    # Stores packed at level 3 before the level changed read as they did: what
    # they need is the same dictionary and frame options, which this holds to.
    for level in (3, 19, LEVEL):
        packer = zstandard.ZstdCompressor(
            level=level, dict_data=_dictionary(), write_checksum=False, write_dict_id=False
        )
        assert unpack(packer.compress(BODY)) == BODY
        assert unpack_all([packer.compress(BODY), pack(BODY)]) == [BODY, BODY]


def test_a_body_stored_before_packing_reads_as_it_is() -> None:
    assert unpack(BODY) == BODY
    assert unpack_all([pack(BODY), BODY]) == [BODY, BODY]
