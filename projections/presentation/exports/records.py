"""The actor and source records an export carries, so that it imports back.

An entry names actors and sources by id; a store they are imported into
needs them registered first. Each export writes every actor and source an
entry cites as an import record (`{"type": "actor", ...}` as `POST /actors`
takes it), once, with the first entry citing it: in that entry's `records`
(JSON, NDJSON) or that row's `records` cell (CSV). So an entry stays a line
of NDJSON, and the export still streams. Actors are as they stood at the
export's position; sources never change.

An actor merged by then comes with a `merge` record after the actor records,
and with the record of the actor it was merged into, so it imports merged.
The merge names the actor at the end of the chain of merges: an actor merged
into one that was merged in turn would be refused as merged into a merged
actor, and the reads fold a chain into its end all the same.
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
        """The records `entry` is the first to cite: its actors (and those they were
        merged into), their merges, then its sources."""
        actors: list[dict[str, Any]] = []
        merges: list[dict[str, Any]] = []
        # `names` holds the entry's actors and those its details name.
        for slug in entry.names:
            self._actor(slug, actors, merges)
        sources = []
        for citation in entry.citations:
            if (slug := citation.source.id) not in self._sources:
                self._sources.add(slug)
                sources.append(self._references.source_record(slug))
        return actors + merges + sources

    def _actor(
        self, slug: str, actors: list[dict[str, Any]], merges: list[dict[str, Any]]
    ) -> None:
        if slug in self._actors:
            return
        self._actors.add(slug)
        actors.append(self._references.actor_record(slug))
        merged = self._references.merged_into(slug)
        if merged is None:
            return
        into, reason = merged
        seen = {slug}
        while (further := self._references.merged_into(into)) is not None and into not in seen:
            seen.add(into)
            into = further[0]
        self._actor(into, actors, merges)
        reason = reason or f"merged into {merged[0]!r} in the exported record"
        merges.append({"type": "merge", "id": slug, "into": into, "reason": reason})
