"""CSV (RFC 4180): a header row, then one row per entry, its sources in columns.

The file stays plain CSV: the log position, head hash and filters it
reflects are three columns repeated on every row (`export_position`,
`export_head_hash`, `export_filters`) rather than comment lines or a
preamble, which spreadsheets and `csv` readers would take for data rows. So
the header is the first line, every row carries its provenance when it is
cut out of the file, and a reader needs no special handling. (A file with
no entries has only the header; the HTTP headers and the file name still
say the position.)

Sources: `sources` cites each one for people, a line each (`[1] Title,
Publisher (Authors), published 2023-12-28, URL. “quote” (paragraph 3)`, the
shared citation of `citations.cite`); `source_ids`
and `source_urls` list them for filtering; `citations` holds them whole as a
JSON array, lossless, for programs.

Importing it back (`policy-timeline import`, which knows an export by its
`export_position` column): `actor_roles` lists the actors as the import
layout does (`slug:role; slug:role`; JSON when a role holds a `;`),
`details_json` holds the details whole, and `records` the actor and source
records this row is the first to cite (`exports.records`), as a JSON array.

Formula injection: a spreadsheet runs a cell that starts with `=`, `+`,
`-`, `@`, a tab or a carriage return as a formula (`=cmd|' /C calc'!A0`),
so a free-text cell written by a person (title, summary, quotes, note,
names...) that starts with one of them gets a leading `'`, as OWASP
advises: the spreadsheet shows the text, runs nothing; a text that starts
with `'` and then one of them gets one more `'`, so an import takes exactly
one off (`domain.import_exports.defused`). Dates, ids, slugs, numbers and
URLs are left as they are (an EDTF year may be negative), and the JSON
columns keep every quote and title exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson

from domain.import_exports import FORMULA_STARTS, defused
from projections.presentation.exports.chronology import Chronology, ExportMeta
from projections.presentation.exports.entry import (
    ExportEntry,
    citation_json,
    citation_text,
    detail_items,
)
from projections.presentation.exports.records import FirstCited
from projections.presentation.exports.stream import buffered

__all__ = ["COLUMNS", "FORMULA_STARTS", "TEXT_COLUMNS", "render"]

COLUMNS = (
    "id",
    "kind",
    "title",
    "occurred",
    "occurred_start",
    "occurred_end",
    "date",
    "date_precision",
    "date_qualifier",
    "status",
    "retraction_reason",
    "summary",
    "actors",
    "actor_ids",
    "topics",
    "location",
    "details",
    "quotes",
    "links",
    "note",
    "version",
    "position",
    "recorded_at",
    "updated_at",
    "sources",
    "source_ids",
    "source_urls",
    "citations",
    "actor_roles",
    "details_json",
    "records",
    "export_position",
    "export_head_hash",
    "export_filters",
)

# The columns holding text people wrote, which a spreadsheet must not run.
TEXT_COLUMNS = frozenset(
    {
        "title",
        "retraction_reason",
        "summary",
        "actors",
        "location",
        "details",
        "quotes",
        "note",
        "sources",
    }
)
_TEXT_INDEXES = frozenset(i for i, name in enumerate(COLUMNS) if name in TEXT_COLUMNS)


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as CSV rows, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    provenance = _provenance(chronology.meta)
    signed = chronology.meta.checkpoint is not None
    writer.writerow([*COLUMNS, "export_checkpoint"] if signed else COLUMNS)
    cited = FirstCited(chronology.references)
    for entry in chronology.entries():
        writer.writerow([*_defused(_row(entry, cited.records(entry))), *provenance])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def _provenance(meta: ExportMeta) -> list[str]:
    found = [str(meta.position), meta.head_hash, meta.filters_query()]
    signed = meta.checkpoint_base64()
    return found if signed is None else [*found, signed]


def _row(entry: ExportEntry, records: list[dict[str, Any]]) -> list[Any]:
    body = entry.body
    occurred = entry.occurred
    return [
        entry.id,
        entry.kind,
        entry.title,
        occurred.text,
        body["occurred_start"],
        body["occurred_end"],
        occurred.label(),
        occurred.precision,
        occurred.qualifier or "",
        body["status"],
        body.get("retraction_reason") or "",
        entry.summary,
        "; ".join(f"{a.name} ({a.role})" for a in entry.actors),
        "; ".join(a.id for a in entry.actors),
        "; ".join(entry.topics),
        body.get("location") or "",
        "\n".join(f"{label}: {text}" for label, text in detail_items(entry)),
        "\n".join(entry.quotes),
        "; ".join(f"{link['relation']} {link['target']}" for link in body["links"]),
        body.get("note") or "",
        body["version"],
        body["position"],
        body["recorded_at"],
        body["updated_at"],
        "\n".join(citation_text(citation) for citation in entry.citations),
        "; ".join(citation.source.id for citation in entry.citations),
        " ".join(_unique(c.source.url for c in entry.citations if c.source.url)),
        orjson.dumps([citation_json(c) for c in entry.citations]).decode(),
        _actor_roles(entry),
        orjson.dumps(body["details"], option=orjson.OPT_SORT_KEYS).decode(),
        orjson.dumps(records, option=orjson.OPT_SORT_KEYS).decode() if records else "",
    ]


def _actor_roles(entry: ExportEntry) -> str:
    if any(";" in a.role for a in entry.actors):
        return orjson.dumps([{"actor": a.id, "role": a.role} for a in entry.actors]).decode()
    return "; ".join(f"{a.id}:{a.role}" for a in entry.actors)


def _defused(row: list[Any]) -> list[Any]:
    """The row with every free-text cell a spreadsheet would run as a formula quoted."""
    return [
        defused(cell) if i in _TEXT_INDEXES and isinstance(cell, str) else cell
        for i, cell in enumerate(row)
    ]


def _unique(values: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(values))
