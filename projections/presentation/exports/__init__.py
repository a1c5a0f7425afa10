"""Chronology exports: one module per format, streamed from the timeline view.

`open_chronology(read_models, filters, as_of=…)` fixes the log position and
reads the first page (bad filters fail there); `export(chronology, format)`
then yields the file as chunks of bytes. Every format names the log
position, the ledger's head hash at it and the filters, and cites the
sources of every entry. The same record and filters give the same bytes on
SQLite and PostgreSQL: nothing reads the clock, and every map is written in
a fixed key order.

| format | media type | what |
| --- | --- | --- |
| md | text/markdown | headed by month, sources as footnotes |
| html | text/html | one standalone document, headed by month, sources as links |
| csv | text/csv | one row per entry, sources in columns |
| json | application/json | `{export, entries, count}` |
| ndjson | application/x-ndjson | an export line, an entry a line, an end line |
| ics | text/calendar | an all-day or multi-day VEVENT per entry; a timed one for a time of day |
| timelinejs | application/json | TimelineJS 3's JSON, grouped by topic |
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module

from projections.presentation.exports.chronology import (
    Chronology,
    ExportMeta,
    head_hash,
    open_chronology,
)

__all__ = [
    "FORMATS",
    "Chronology",
    "ExportFormat",
    "ExportMeta",
    "export",
    "head_hash",
    "open_chronology",
]


@dataclass(frozen=True)
class ExportFormat:
    """A format's name, media type, file name ending, and its renderer."""

    name: str
    media_type: str
    extension: str

    @property
    def render(self) -> Callable[[Chronology], Iterator[bytes]]:
        """The renderer, from the format's module (named as the format), imported at
        first use: an export of one format need not load the others' libraries
        (icalendar alone costs a tenth of a second at the start of every export)."""
        render: Callable[[Chronology], Iterator[bytes]] = import_module(
            f"{__name__}.{self.name}"
        ).render
        return render

    def file_name(self, position: int) -> str:
        """`chronology-at-1234.md`: what the export is, and as of which position."""
        return f"chronology-at-{position}.{self.extension}"


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("md", "text/markdown; charset=utf-8", "md"),
        ExportFormat("html", "text/html; charset=utf-8", "html"),
        ExportFormat("csv", "text/csv; charset=utf-8; header=present", "csv"),
        ExportFormat("json", "application/json", "json"),
        ExportFormat("ndjson", "application/x-ndjson", "ndjson"),
        ExportFormat("ics", "text/calendar; charset=utf-8", "ics"),
        ExportFormat("timelinejs", "application/json", "timeline.json"),
    )
}


def export(chronology: Chronology, format_name: str) -> Iterator[bytes]:
    """The chronology in `format_name` (a key of FORMATS), as chunks of bytes;
    raise KeyError for another name."""
    return FORMATS[format_name].render(chronology)
