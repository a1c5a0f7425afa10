"""An orjson transcoder that round-trips the types the library's own tests ask for.

orjson writes JSON fast but has no object hook and turns tuples, UUIDs and
subclasses of built-ins into plain JSON. So encoding first walks the object
(cheap beside the database write) and replaces anything that is not a plain
dict, list, str, int, float, bool or None by `{"_type_": name, "_data_": ...}`;
decoding walks back only when the bytes hold a `"_type_"` marker at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    Transcoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from domain.dates import EdtfDate

__all__ = [
    "DateAsISO",
    "EdtfDateAsDict",
    "OrjsonTranscoder",
    "TupleAsList",
    "default_transcoder",
]

_PLAIN = frozenset((str, int, float, bool, type(None)))
_MARKER = b'"_type_"'


class OrjsonTranscoder(Transcoder):
    """Transcoder with the JSONTranscoder's registry, encoded by orjson."""

    def __init__(self) -> None:
        self.types: dict[type, Transcoding] = {}
        self.names: dict[str, Transcoding] = {}
        self.register(TupleAsList())

    def register(self, transcoding: Transcoding) -> None:
        self.types[transcoding.type] = transcoding
        self.names[transcoding.name] = transcoding

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(self._prepare(obj))

    def decode(self, data: bytes) -> Any:
        obj = orjson.loads(data)
        return self._restore(obj) if _MARKER in data else obj

    def _prepare(self, obj: Any) -> Any:
        kind = type(obj)
        # A plain value is taken as it is without a call of its own: most of an
        # event's values are, and the calls were most of the walk's time.
        if kind is dict:
            return {
                key: value if type(value) in _PLAIN else self._prepare(value)
                for key, value in obj.items()
            }
        if kind is list:
            return [value if type(value) in _PLAIN else self._prepare(value) for value in obj]
        if kind in _PLAIN:
            return obj
        try:
            transcoding = self.types[kind]
        except KeyError:
            msg = (
                f"Object of type {kind} is not serializable. Please define "
                "and register a custom transcoding for this type."
            )
            raise TranscodingNotRegisteredError(msg) from None
        return {"_type_": transcoding.name, "_data_": self._prepare(transcoding.encode(obj))}

    def _restore(self, obj: Any) -> Any:
        if type(obj) is list:
            return [self._restore(value) for value in obj]
        if type(obj) is not dict:
            return obj
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            name = obj["_type_"]
            try:
                transcoding = self.names[name]
            except (KeyError, TypeError):
                msg = (
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
                raise TranscodingNotRegisteredError(msg) from None
            return transcoding.decode(self._restore(obj["_data_"]))
        return {key: self._restore(value) for key, value in obj.items()}


class TupleAsList(Transcoding):
    type = tuple
    name = "tuple_as_list"

    def encode(self, obj: tuple[Any, ...]) -> list[Any]:
        return list(obj)

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EdtfDateAsDict(Transcoding):
    """An EDTF date with the bounds decided when it was recorded."""

    type = EdtfDate
    name = "edtf"

    def encode(self, obj: EdtfDate) -> dict[str, str]:
        return obj.to_json()

    def decode(self, data: dict[str, str]) -> EdtfDate:
        return EdtfDate.from_json(data)


def default_transcoder() -> OrjsonTranscoder:
    """The transcoder the application stores its events with."""
    transcoder = OrjsonTranscoder()
    for transcoding in (
        UUIDAsHex(),
        DatetimeAsISO(),
        DateAsISO(),
        DecimalAsStr(),
        EdtfDateAsDict(),
    ):
        transcoder.register(transcoding)
    return transcoder
