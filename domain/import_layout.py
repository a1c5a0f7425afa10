"""The flat CSV layout: a record a row, in cells a person can type in a spreadsheet.

A cell holds one value, never JSON a person has to escape (README, "Import"):

- lists of ids split on `;`: `actors` (`slug:role; slug:role`), `topics`,
  `sources`, `participants`;
- lists of free text repeat the column, a value a cell: `quotes`,
  `positions` (`slug: position`), `aliases`, `authors`;
- citations come in `source` / `quote` / `locator` columns, the n-th `quote`
  and `locator` belonging to the n-th `source`; repeat the three for more;
- each detail of an entry has its own column, named as in `domain.details`
  (`format`, `speaker`, `metric`, ...), a record's fields too (`value`,
  `unit`, `period` of a measure; `yeas`, `nays` of a vote).

The older layout still reads: a cell of a structured field that starts with
`[` or `{` is JSON. A file without a `type` column holds entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from domain.details import KINDS, Detail
from domain.errors import ValidationError

__all__ = ["DETAIL_COLUMNS", "JSON_FIELDS", "LIST_COLUMNS", "row_record"]

# Fields whose cell may hold JSON, as the first CSV layout wrote them all.
JSON_FIELDS = frozenset(
    ("actors", "topics", "details", "sources", "aliases", "roles", "authors", "changes")
)
# Columns that may repeat, a value per cell.
_CITATION = ("source", "quote", "locator")
LIST_COLUMNS = frozenset(("quotes", "positions", "aliases", "authors", *_CITATION))
_ENTRY_LISTS = ("actors", "topics")
_INTEGER = re.compile(r"[+-]?\d+")


def _detail_columns() -> dict[str, Detail]:
    """Every column a detail reads from, by name, from the one table of kinds."""
    columns: dict[str, Detail] = {}
    for kind in KINDS.values():
        for detail in kind.details:
            if detail.record is not None and detail.least is None:
                for field in detail.record.fields:
                    columns.setdefault(field.name, field)
            columns.setdefault(detail.name, detail)
    return columns


_DETAILS = _detail_columns()
DETAIL_COLUMNS = tuple(_DETAILS)


def row_record(cells: Iterable[tuple[str, str]], *, default_type: str | None) -> dict[str, Any]:
    """The record of one row, from its `(column, cell)` pairs in column order.

    Raise ValidationError naming the column and what it accepts.
    """
    single: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    for name, cell in cells:
        # An empty citation cell keeps its place: the n-th quote is the n-th source's.
        if cell == "" and name not in _CITATION:
            continue
        if name in LIST_COLUMNS:
            repeated.setdefault(name, []).append(cell)
        elif name in single:
            raise ValidationError(name, "the column appears twice; only list columns may repeat")
        else:
            single[name] = cell
    kind = single.get("type", default_type)
    record: dict[str, Any] = {} if default_type is None else {"type": default_type}
    for name, cell in single.items():
        record[name] = _cell(name, cell)
    if kind == "entry":
        return _entry(record, repeated)
    for name in ("aliases", "authors"):
        if name in repeated:
            record[name] = _texts(name, repeated.pop(name))
    citations = _citations(repeated)
    if citations:
        if kind not in ("correction", "citation") or len(citations) > 1:
            raise ValidationError("source", "one citation, in a correction or a citation only")
        if kind == "citation":  # its body is the citation itself: {id, source, quote?, …}
            record.update(citations[0])
        else:
            record["source"] = citations[0]
    _reject_rest(repeated, kind)
    return record


def _cell(name: str, cell: str) -> Any:
    if name == "expected_version":
        if not _INTEGER.fullmatch(cell.strip()):
            raise ValidationError(name, "expected a whole number")
        return int(cell)
    if name in JSON_FIELDS and cell.lstrip().startswith(("[", "{")):
        return _json(cell, name)
    return cell


def _json(cell: str, name: str) -> Any:
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError as error:
        raise ValidationError(name, f"the cell is not valid JSON: {error}") from None


def _entry(record: dict[str, Any], repeated: dict[str, list[str]]) -> dict[str, Any]:
    if isinstance(actors := record.get("actors"), str):
        record["actors"] = [_actor_role(part, i) for i, part in enumerate(_split(actors))]
    if isinstance(topics := record.get("topics"), str):
        record["topics"] = _split(topics)
    for name in _ENTRY_LISTS:
        record.setdefault(name, [])
    sources = record.pop("sources", None)
    if isinstance(sources, str):
        sources = [{"source": slug} for slug in _split(sources)]
    cited = _citations(repeated)
    if sources is not None or cited:
        record["sources"] = [*(sources or []), *cited]
    details = _details(record, repeated)
    if details:
        record["details"] = details
    _reject_rest(repeated, "entry")
    return record


def _details(record: dict[str, Any], repeated: dict[str, list[str]]) -> dict[str, Any]:
    """The details: the `details` JSON cell if any, then the detail columns of the kind."""
    details = record.pop("details", None)
    if details is None:
        details = {}
    elif not isinstance(details, dict):
        raise ValidationError("details", "expected a JSON object, or a column per detail")
    kind = KINDS.get(str(record.get("kind")))
    columns = [name for name in DETAIL_COLUMNS if name in record or name in repeated]
    if kind is None:
        if columns:  # the entry's own check names the kind; keep the details to show
            details.update({name: record.pop(name, None) for name in columns})
        return details
    for detail in kind.details:
        if detail.record is not None and detail.least is None:
            fields = {
                f.name: _value(f, record.pop(f.name), f.name)
                for f in detail.record.fields
                if f.name in record
            }
            if fields:
                details[detail.name] = {**details.get(detail.name, {}), **fields}
        if detail.name in repeated:
            details[detail.name] = _list(detail, repeated.pop(detail.name))
        elif detail.name in record:
            details[detail.name] = _value(detail, record.pop(detail.name), detail.name)
    left = [name for name in DETAIL_COLUMNS if name in record or name in repeated]
    if left:
        accepted = ", ".join(_columns_of(kind.details))
        raise ValidationError(
            left[0], f"not a detail of a {kind.name}; its detail columns are: {accepted}"
        )
    return details


def _columns_of(details: Sequence[Detail]) -> list[str]:
    names = []
    for detail in details:
        if detail.record is not None and detail.least is None:
            names += [f"{f.name}" for f in detail.record.fields]
        else:
            names.append(detail.name)
    return names


def _value(detail: Detail, cell: str, column: str) -> Any:
    """A single-cell detail as the details hold it."""
    if detail.type == "record" or (detail.least is not None and cell.lstrip().startswith("[")):
        return _json(cell, column)
    if detail.least is not None:  # a list of actor ids
        return _split(cell)
    if detail.type == "count":
        if not _INTEGER.fullmatch(cell.strip()):
            raise ValidationError(column, "expected a whole number")
        return int(cell)
    if detail.type == "number":
        text = cell.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            return float(text)
        except ValueError:
            raise ValidationError(column, "expected a number") from None
    return cell


def _list(detail: Detail, cells: list[str]) -> list[Any]:
    """A list detail from a repeated column, a value a cell; the older layout's JSON list."""
    if len(cells) == 1 and cells[0].lstrip().startswith("["):
        try:
            value = orjson.loads(cells[0])
        except orjson.JSONDecodeError:
            value = None  # a quote may well start with an editor's [bracket]
        if isinstance(value, list):
            return value
    if detail.record is None:
        return cells
    return [_position(cell, detail.name) for cell in cells]


def _position(cell: str, column: str) -> Any:
    if cell.lstrip().startswith("{"):
        return _json(cell, column)
    actor, colon, position = cell.partition(":")
    if not colon:
        raise ValidationError(column, "expected `actor-id: position` in each cell")
    return {"actor": actor.strip(), "position": position.strip()}


def _citations(repeated: dict[str, list[str]]) -> list[Any]:
    sources = repeated.pop("source", [])
    quotes = repeated.pop("quote", [])
    locators = repeated.pop("locator", [])
    if len(quotes) > len(sources) or len(locators) > len(sources):
        raise ValidationError("quote", "each quote and locator needs a source before it")
    citations: list[Any] = []
    for i, source in enumerate(sources):
        quote = quotes[i] if i < len(quotes) else ""
        locator = locators[i] if i < len(locators) else ""
        if source.lstrip().startswith("{"):  # the older layout: the citation as JSON
            citations.append(_json(source, "source"))
            continue
        if not source.strip():
            if quote or locator:
                raise ValidationError("source", "a quote or locator needs its source id")
            continue
        citation = {"source": source.strip()}
        if quote:
            citation["quote"] = quote
        if locator:
            citation["locator"] = locator
        citations.append(citation)
    return citations


def _texts(name: str, cells: list[str]) -> Any:
    if len(cells) == 1 and cells[0].lstrip().startswith("["):
        return _json(cells[0], name)
    return cells


def _reject_rest(repeated: dict[str, list[str]], kind: str | None) -> None:
    for name in repeated:
        rows = f"{kind!r} rows" if kind else "rows without a type"
        raise ValidationError(name, f"not a column of {rows}")


def _actor_role(part: str, index: int) -> dict[str, str]:
    actor, colon, role = part.partition(":")
    if not colon or not actor.strip() or not role.strip():
        raise ValidationError(f"actors.{index}", "expected `actor-id:role`, `;` between pairs")
    return {"actor": actor.strip(), "role": role.strip()}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]
