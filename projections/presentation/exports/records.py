"""The actor and source records an export carries, so that it imports back.

An entry names actors and sources by id; a store they are imported into
needs them registered first. Each export writes every actor and source an
entry cites as an import record (`{"type": "actor", ...}` as `POST /actors`
takes it), once, with the first entry citing it: in that entry's `records`
(JSON, NDJSON) or that row's `records` cell (CSV). So an entry stays a line
of NDJSON, and the export still streams. Actors are as they stood at the
export's position; sources never change.
"""

from __future__ import annotations

from typing import Any

from projections.presentation.exports.entry import ExportEntry
from projections.presentation.exports.references import References

__all__ = ["FirstCited"]


class FirstCited:
    """Hands out each actor and source record the first time an entry cites it."""

    def __init__(self, references: References) -> None:
        self._references = references
        self._actors: set[str] = set()
        self._sources: set[str] = set()

    def records(self, entry: ExportEntry) -> list[dict[str, Any]]:
        """The records `entry` is the first to cite: its actors, then its sources."""
        records = []
        # `names` holds the entry's actors and those its details name.
        for slug in entry.names:
            if slug not in self._actors:
                self._actors.add(slug)
                records.append(self._references.actor_record(slug))
        for citation in entry.citations:
            if (slug := citation.source.id) not in self._sources:
                self._sources.add(slug)
                records.append(self._references.source_record(slug))
        return records
