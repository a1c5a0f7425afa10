"""An entry as the read side returns it, and how each event evolves it.

The body is the JSON the API serves, kept pre-serialized in the views. These
functions are pure: given the previous body and a change, the next body.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from domain import ENTRY_CLASSES
from domain.values import fold
from projections.changes import Change, edtf

__all__ = [
    "evolve",
    "facets",
    "history_item",
    "recorded",
    "recorded_fields",
    "search_text",
    "search_words",
    "span_days",
]

_WORD = re.compile(r"[^\W_]+")
KIND_OF_CLASS = {cls.__name__: kind for kind, cls in ENTRY_CLASSES.items()}
EVENT_NAMES = {
    "Recorded": "recorded",
    "Corrected": "corrected",
    "SourceCited": "source_cited",
    "Linked": "linked",
    "Retracted": "retracted",
}


def recorded(change: Change) -> dict[str, Any]:
    """The first version of an entry, from its `Recorded` event."""
    occurred = edtf(change.state["occurred"])
    at = change.recorded_at
    return {
        "id": change.originator_id,
        **recorded_fields(change),
        "occurred_start": occurred["start"],
        "occurred_end": occurred["end"],
        "links": [],
        "status": "active",
        "retraction_reason": None,
        "version": change.version,
        "position": change.position,
        "recorded_at": at,
        "updated_at": at,
    }


def recorded_fields(change: Change) -> dict[str, Any]:
    """What a `Recorded` event said, as an entry body's fields: the first history item."""
    state = change.state
    return {
        "kind": KIND_OF_CLASS[change.topic.partition(":")[2].partition(".")[0]],
        "title": state["title"],
        "summary": state["summary"],
        "occurred": edtf(state["occurred"])["text"],
        "actors": state["actors"],
        "topics": state["topics"],
        "location": state["location"],
        "details": state["details"],
        "sources": state["citations"],
        "note": state["note"],
    }


def evolve(body: dict[str, Any], change: Change) -> dict[str, Any]:
    """The next version of `body` after `change` (any event but `Recorded`)."""
    state = change.state
    event = change.event
    following = dict(body)
    if event == "Corrected":
        for key, value in state["changes"].items():
            if key == "occurred":
                occurred = edtf(value)
                following["occurred"] = occurred["text"]
                following["occurred_start"] = occurred["start"]
                following["occurred_end"] = occurred["end"]
            else:
                following[key] = value
        citation = state.get("citation")
        if citation is not None and citation not in body["sources"]:
            following["sources"] = [*body["sources"], citation]
    elif event == "SourceCited":
        following["sources"] = [*body["sources"], state["citation"]]
    elif event == "Linked":
        following["links"] = [
            *body["links"],
            {"relation": state["relation"], "target": state["target"]},
        ]
    elif event == "Retracted":
        following["status"] = "retracted"
        following["retraction_reason"] = state["reason"]
    else:
        raise ValueError(f"the timeline has no rule for {change.topic!r} at {change.position}")
    following["version"] = change.version
    following["position"] = change.position
    following["updated_at"] = change.recorded_at
    return following


def history_item(change: Change, kind_changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """One line of an entry's history: who did what, when, why."""
    state = change.state
    event = EVENT_NAMES[change.event]
    changes: dict[str, Any]
    if event == "recorded":
        changes = kind_changes or {}
    elif event == "corrected":
        changes = {
            key: (edtf(value)["text"] if key == "occurred" else value)
            for key, value in state["changes"].items()
        }
        if state.get("citation") is not None:
            changes["sources"] = [state["citation"]]
    elif event == "source_cited":
        changes = {"sources": [state["citation"]]}
    elif event == "linked":
        changes = {"links": [{"relation": state["relation"], "target": state["target"]}]}
    else:
        changes = {"status": "retracted"}
    return {
        "version": change.version,
        "event": event,
        "recorded_at": change.recorded_at,
        "by": state["by"],
        "reason": state.get("reason"),
        "changes": changes,
        "position": change.position,
    }


def facets(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The index keys an entry version is found by: all, each topic, each actor (with role)."""
    keys: list[tuple[str, str | None]] = [("*", None)]
    keys.extend((f"t:{topic}", None) for topic in body["topics"])
    roles: dict[str, list[str]] = {}
    for pair in body["actors"]:
        roles.setdefault(pair["actor"], []).append(pair["role"])
    keys.extend((f"a:{actor}", ", ".join(held)) for actor, held in roles.items())
    return keys


def search_text(body: dict[str, Any]) -> str:
    """The words of the title, summary and every quote (of the details and of the citations)."""
    parts = [body["title"], body["summary"]]
    parts.extend(body["details"].get("quotes", ()))
    parts.extend(c["quote"] for c in body["sources"] if c.get("quote"))
    return " ".join(search_words("\n".join(parts)))


def search_words(text: str) -> list[str]:
    """The words search knows `text` by: runs of letters and digits, folded.

    The index and the query split text here, alike on both backends: left to
    themselves, PostgreSQL's parser keeps `Ukraine/Israel` and `U.S.` whole,
    and SQLite's tokenizer does not fold `ß`, so a search would find on one
    backend what it misses on the other.
    """
    return _WORD.findall(fold(text))


@lru_cache(maxsize=16_384)
def span_days(start: str, end: str) -> int:
    """How many days the occurred interval covers beyond its first: finer sorts first."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days
