"""NDJSON: a line per object; the first says what the export reflects, the last how many.

`{"type":"export",…}`, then `{"type":"entry",…}` per entry (the JSON
format's entry), then `{"type":"end","count":N}`: a reader that stops early
knows it did, and every line stands alone. An entry's `records` hold the
actors and sources it is the first to cite (`exports.records`), so the file
imports back.
"""

from __future__ import annotations

from collections.abc import Iterator

from projections.presentation.exports.chronology import Chronology
from projections.presentation.exports.json import dumps, entry_json, meta_json
from projections.presentation.exports.records import FirstCited
from projections.presentation.exports.stream import buffered

__all__ = ["render"]


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as NDJSON lines, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    yield dumps({"type": "export", **meta_json(chronology.meta, "ndjson")}) + "\n"
    cited = FirstCited(chronology.references)
    for entry in chronology.entries():
        yield dumps({"type": "entry", **entry_json(entry, cited.records(entry))}) + "\n"
    yield dumps({"type": "end", "count": chronology.count}) + "\n"
