"""How each event after `Recorded` changes an entry: written once, for both sides.

The aggregate applies these to its attributes when it replays its events; the
read side applies them to the entry's JSON body when it projects the log. Each
takes the entry's current fields by the domain's names (`citations`, `links`)
and returns the fields the event sets; what a field is made of (an EdtfDate in
the aggregate, the stored JSON in a view) passes through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.values import Citation

__all__ = ["corrected", "linked", "retracted", "source_cited"]


def corrected(
    entry: Mapping[str, Any], changes: Mapping[str, Any], citation: Citation | None
) -> dict[str, Any]:
    """A correction sets the fields it changes, and adds its citation unless already cited."""
    fields = dict(changes)
    if citation is not None and citation not in entry["citations"]:
        fields["citations"] = [*entry["citations"], citation]
    return fields


def source_cited(entry: Mapping[str, Any], citation: Citation) -> dict[str, Any]:
    """One more citation, after those the entry has."""
    return {"citations": [*entry["citations"], citation]}


def linked(entry: Mapping[str, Any], relation: str, target: str) -> dict[str, Any]:
    """One more outgoing link."""
    return {"links": [*entry["links"], {"relation": relation, "target": target}]}


def retracted(reason: str) -> dict[str, Any]:
    """The entry withdrawn, and why."""
    return {"retracted": True, "retraction_reason": reason}
