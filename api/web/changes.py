"""What changed between two moments of the record: the `/changes` page's rows.

An entry changed in the stretch (A, B] when its version as of B was written after
A: the timeline as of B (retracted entries too) says which, and each one's
history gives its versions in the stretch, with who, when and why. A version's
`changes` hold the new values; the old ones are those of the versions before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from api.web.present import NamesById, Sources, version_rows
from projections import Queries, TimelineFilters
from projections.facets import matching

__all__ = ["ChangeRow", "Changes", "changes_between"]

# The most changed entries one page lists; a narrower stretch shows the rest.
MOST_ENTRIES = 500


@dataclass(frozen=True)
class ChangeRow:
    """One version written in the stretch, with its entry's title as of its end."""

    entry_id: str
    title: str
    version: dict[str, Any]


@dataclass(frozen=True)
class Changes:
    start: int
    end: int
    rows: list[ChangeRow]
    counts: Counter[str] = field(default_factory=Counter)
    truncated: bool = False


def changes_between(
    queries: Queries,
    start: int,
    end: int,
    names: NamesById,
    sources: Sources,
    titles: NamesById,
) -> Changes:
    """Every entry version written after position `start` up to `end`, in log order."""
    kept = matching(queries, TimelineFilters(include_retracted=True), as_of=end)
    # Linked entries are named by their titles as of the stretch's end.
    titles = {**titles, **{str(entry["id"]): str(entry["title"]) for entry in kept.entries}}
    changed = [entry for entry in kept.entries if int(entry["position"]) > start]
    truncated = len(changed) > MOST_ENTRIES
    rows: list[ChangeRow] = []
    for entry in changed[:MOST_ENTRIES]:
        history = [orjson.loads(raw) for raw in queries.entry_history(str(entry["id"]))]
        # Rows for the whole history, so each change knows the value it replaced.
        versions = version_rows(history, names, sources, titles)
        for version in versions:
            if start < int(version["position"]) <= end:
                rows.append(ChangeRow(str(entry["id"]), str(entry["title"]), version))
    rows.sort(key=lambda row: int(row.version["position"]))
    counts = Counter(str(row.version["event"]) for row in rows)
    return Changes(start, end, rows, counts, truncated)
