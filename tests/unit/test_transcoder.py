from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Transcoder, Transcoding, UUIDAsHex
from eventsourcing.tests.persistence import (
    CustomType1AsDict,
    CustomType2AsDict,
    Mydict,
    MyInt,
    MyList,
    MyStr,
    TranscoderTestCase,
)

from domain import parse_edtf_date
from domain.transcoder import OrjsonTranscoder, default_transcoder


class MydictAsDict(Transcoding):
    type = Mydict
    name = "mydict"

    def encode(self, obj: Mydict[Any, Any]) -> dict[Any, Any]:
        return dict(obj)

    def decode(self, data: dict[Any, Any]) -> Mydict[Any, Any]:
        return Mydict(data)


class MyListAsList(Transcoding):
    type = MyList
    name = "mylist"

    def encode(self, obj: MyList[Any]) -> list[Any]:
        return list(obj)

    def decode(self, data: list[Any]) -> MyList[Any]:
        return MyList(data)


class MyStrAsStr(Transcoding):
    type = MyStr
    name = "mystr"

    def encode(self, obj: MyStr) -> str:
        return str(obj)

    def decode(self, data: str) -> MyStr:
        return MyStr(data)


class MyIntAsInt(Transcoding):
    type = MyInt
    name = "myint"

    def encode(self, obj: MyInt) -> int:
        return int(obj)

    def decode(self, data: int) -> MyInt:
        return MyInt(data)


class TestOrjsonTranscoder(TranscoderTestCase):
    """The library's own transcoder tests, none skipped."""

    def construct_transcoder(self) -> Transcoder:
        transcoder = OrjsonTranscoder()
        for transcoding in (
            CustomType1AsDict(),
            CustomType2AsDict(),
            UUIDAsHex(),
            MydictAsDict(),
            MyListAsList(),
            MyStrAsStr(),
            MyIntAsInt(),
        ):
            transcoder.register(transcoding)
        return transcoder


del TranscoderTestCase  # not a test of its own


@pytest.mark.parametrize(
    "value",
    [
        date(2023, 12, 27),
        datetime(2023, 12, 27, 18, 30, 5, 123456, tzinfo=UTC),
        UUID("b2723fe2c01a40d2875ea3aac6a09ff5"),
        Decimal("191000.5"),
        parse_edtf_date("2023-12-21~", "occurred"),
        parse_edtf_date("2023-12-18/2023-12-22", "occurred"),
        {"nested": [parse_edtf_date("2023-12", "occurred"), (1, "a")]},
    ],
)
def test_the_application_transcoder_round_trips_its_value_types(value: object) -> None:
    transcoder = default_transcoder()
    decoded = transcoder.decode(transcoder.encode(value))
    assert decoded == value
    assert type(decoded) is type(value)


def test_an_edtf_value_is_stored_with_its_bounds() -> None:
    encoded = default_transcoder().encode(parse_edtf_date("2023-12-21~", "occurred"))
    assert encoded == (
        b'{"_type_":"edtf","_data_":{"text":"2023-12-21~",'
        b'"start":"2023-12-20","end":"2023-12-22"}}'
    )


def test_a_timezone_aware_datetime_keeps_its_offset() -> None:
    moment = datetime(2024, 1, 3, tzinfo=UTC)
    decoded = default_transcoder().decode(default_transcoder().encode(moment))
    assert decoded.utcoffset() is not None
    assert decoded == moment


def test_plain_json_decodes_to_plain_objects() -> None:
    data = b'{"a":[1,2,{"b":"c"}]}'
    assert default_transcoder().decode(data) == {"a": [1, 2, {"b": "c"}]}
