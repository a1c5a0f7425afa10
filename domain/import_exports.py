"""Reading an export back: the NDJSON, JSON and CSV exports as import records.

An export shows entries as the timeline holds them: ids, positions, actor
names, resolved sources. It also carries, before or beside the first entry
that cites each, the actor and source records as registered (its `records`).
Read back:

- an entry's records are imported as they are, before it;
- an entry becomes an `entry` record keyed `export:<its id>`: importing the
  same export twice adds nothing. Its provenance (id, version, position,
  recorded_at, updated_at) is the new store's, not the export's;
- its links become `link` records after the last entry, since a link may
  point forward; a link to an entry the export leaves out is left out;
- a retracted entry (an export with `include_retracted`) is recorded, then
  retracted, after the links.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from domain.entries import ENTRY_FIELDS
from domain.errors import ValidationError

__all__ = [
    "EXPORT_CSV_MARK",
    "FORMULA_STARTS",
    "defused",
    "export_row",
    "from_export",
    "undefused",
]

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The column that tells a CSV export from a file in the import layout.
EXPORT_CSV_MARK = "export_position"
# Actors and sources are picked apart below: the export adds reading aids to them.
_RESHAPED = ("actors", "sources")
_ENTRY_FIELDS = tuple(name for name in ENTRY_FIELDS if name not in _RESHAPED)
_CITATION_FIELDS = ("source", "quote", "locator")
_TEXT_CELLS = ("title", "summary", "location", "note", "retraction_reason")

Read = tuple[int, dict[str, Any] | str]
_NOT_A_RECORD = "records: expected actor and source records, JSON objects"


def defused(text: str) -> str:
    """`text` as a spreadsheet shows it and runs nothing: a leading `'` before a formula.

    A text that already starts with `'`s and then a formula character gets one
    more, so that `undefused` gives back exactly what was written.
    """
    return f"'{text}" if text.lstrip("'").startswith(FORMULA_STARTS) else text


def undefused(text: str) -> str:
    """The text `defused` was given."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def from_export(reads: Iterable[Read]) -> Iterator[Read]:
    """The import records of an export's records (see the module docstring)."""
    links: list[tuple[int, str, str, str]] = []
    retractions: list[Read] = []
    exported: set[str] = set()
    for line, record in reads:
        if isinstance(record, str) or record.get("type") not in ("entry", "export", "end"):
            yield line, record
            continue
        if record["type"] != "entry":
            continue
        ident = record.get("id")
        if not isinstance(ident, str):
            yield line, "id: expected the exported entry's id"
            continue
        exported.add(ident)
        for cited in _list(record.get("records")):
            yield line, cited if isinstance(cited, dict) else _NOT_A_RECORD
        yield line, _entry(record, ident)
        for link in _list(record.get("links")):
            if isinstance(link, Mapping):
                links.append((line, ident, str(link.get("relation")), str(link.get("target"))))
        if record.get("status") == "retracted":
            reason = record.get("retraction_reason") or "retracted in the exported record"
            retractions.append((line, {"type": "retraction", "id": _key(ident), "reason": reason}))
    for line, ident, relation, target in links:
        if target in exported:
            link = {"type": "link", "id": _key(ident), "relation": relation, "entry": _key(target)}
            yield line, link
    yield from retractions


def _key(ident: str) -> str:
    return f"export:{ident}"


def _entry(record: Mapping[str, Any], ident: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "entry", "key": _key(ident)}
    for name in _ENTRY_FIELDS:
        if record.get(name) is not None:
            entry[name] = record[name]
    # Names, numbers and source titles are the export's reading aids, not the record.
    entry["actors"] = [_picked(a, ("actor", "role")) for a in _list(record.get("actors"))]
    entry["sources"] = [_picked(c, _CITATION_FIELDS) for c in _list(record.get("sources"))]
    return entry


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _picked(value: object, names: tuple[str, ...]) -> object:
    if not isinstance(value, Mapping):
        return value  # the entry's own check words what is wrong
    return {name: value[name] for name in names if value.get(name) is not None}


def export_row(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV export's row as the JSON export writes its entry, `records` and all.
    Raise ValidationError naming the column."""
    text = {name: undefused(row.get(name) or "") for name in _TEXT_CELLS}
    entry: dict[str, Any] = {
        "type": "entry",
        "id": row.get("id", ""),
        "kind": row.get("kind", ""),
        "title": text["title"],
        "summary": text["summary"],
        "occurred": row.get("occurred", ""),
        "actors": _actor_roles(row),
        "topics": _split(row.get("topics", "")),
        "location": text["location"] or None,
        "details": _json_cell(row, "details_json", {}),
        "sources": _json_cell(row, "citations", []),
        "note": text["note"] or None,
        "status": row.get("status", ""),
        "retraction_reason": text["retraction_reason"] or None,
        "links": [_link(part) for part in _split(row.get("links", ""))],
        "records": _json_cell(row, "records", []),
    }
    return entry


def _json_cell(row: Mapping[str, str], name: str, empty: object) -> Any:
    cell = row.get(name) or ""
    if not cell:
        return empty
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError as error:
        raise ValidationError(name, f"the cell is not valid JSON: {error}") from None


def _actor_roles(row: Mapping[str, str]) -> Any:
    cell = row.get("actor_roles") or ""
    if cell.startswith("["):  # a role holding `;` is written as JSON
        return _json_cell(row, "actor_roles", [])
    return [_pair(part) for part in _split(cell)]


def _pair(part: str) -> dict[str, str]:
    actor, _, role = part.partition(":")
    return {"actor": actor.strip(), "role": role.strip()}


def _link(part: str) -> dict[str, str]:
    relation, _, target = part.partition(" ")
    return {"relation": relation, "target": target.strip()}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]
