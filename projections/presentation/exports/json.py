"""JSON: one object `{export, entries, count}`, each entry as the API returns it, resolved.

An entry is the timeline's body with each actor's `name`, each citation's
source (title, publisher, authors, URL, published), the date in words
(`date`), and `records`: the actor and source records it is the first to
cite, as import records (`exports.records`), so the file imports back. Keys
are sorted at every level, so the bytes never depend on the order a dict
was built in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from projections.presentation.exports.chronology import Chronology, ExportMeta
from projections.presentation.exports.entry import ExportEntry, citation_json
from projections.presentation.exports.records import FirstCited
from projections.presentation.exports.stream import buffered

__all__ = ["dumps", "entry_json", "meta_json", "render"]


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as one JSON document, an entry a line, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    yield f'{{"export":{dumps(meta_json(chronology.meta, "json"))},\n"entries":['
    cited = FirstCited(chronology.references)
    separator = "\n"
    for entry in chronology.entries():
        yield separator + dumps(entry_json(entry, cited.records(entry)))
        separator = ",\n"
    yield f'\n],\n"count":{chronology.count}}}\n'


def meta_json(meta: ExportMeta, format_name: str) -> dict[str, Any]:
    """What the export reflects, as JSON-ready data."""
    filters: dict[str, Any] = dict(meta.filter_pairs())
    filters["include_retracted"] = meta.filters.include_retracted
    described: dict[str, Any] = {
        "format": format_name,
        "log_position": meta.position,
        "recorded_at": meta.recorded_at,
        "head_hash": meta.head_hash,
        "filters": filters,
    }
    if meta.checkpoint is not None:
        described["checkpoint"] = meta.checkpoint
    return described


def entry_json(entry: ExportEntry, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The entry body with actor names, resolved citations, its date in words, and
    `records`, the actor and source records it is the first to cite."""
    occurred = entry.occurred
    return {
        **entry.body,
        "actors": [{"actor": a.id, "name": a.name, "role": a.role} for a in entry.actors],
        "sources": [citation_json(c) for c in entry.citations],
        "date": {
            "label": occurred.label(),
            "precision": occurred.precision,
            "approximate": occurred.approximate,
            "uncertain": occurred.uncertain,
        },
        "records": records,
    }


def dumps(value: Any) -> str:
    """Compact JSON with sorted keys."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
