"""An entry as the read side returns it, and how each event evolves it.

The body is the JSON the API serves, kept pre-serialized in the views. These
functions are pure: given the previous body and a change, the next body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from eventsourcing.domain import DomainEvent

from domain import ENTRY_CLASSES, Entry, evolution
from domain.entries import ENTRY_FIELDS
from projections.views.changes import Change, edtf, timestamp
from projections.views.handlers import lookup

__all__ = [
    "HISTORY_EVENTS",
    "KIND_OF_CLASS",
    "RECORDED_FIELDS",
    "evolve",
    "facet_roles",
    "facets",
    "history_item",
    "link_body",
    "recorded",
    "recorded_fields",
    "recorded_item",
]

KIND_OF_CLASS: dict[type[DomainEvent], str] = {
    cls.Recorded: kind for kind, cls in ENTRY_CLASSES.items()
}
_KINDS: dict[str, str] = {}  # each `Recorded` topic's kind, found once
# The body's names for the fields the domain calls otherwise.
_BODY_NAMES = {"citations": "sources"}


def recorded(change: Change) -> dict[str, Any]:
    """The first version of an entry, from its `Recorded` event."""
    state = change.state
    occurred = edtf(state["occurred"])
    at = timestamp(state)
    # One dict, built in place: a replay makes one of every entry.
    return {
        "id": change.originator_id,
        # The entry's own fields (`RECORDED_FIELDS`), by the body's names.
        "kind": _kind(change),
        "title": state["title"],
        "summary": state["summary"],
        "occurred": occurred["text"],
        "actors": state["actors"],
        "topics": state["topics"],
        "location": state["location"],
        "details": state["details"],
        "sources": state["citations"],
        "note": state["note"],
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


def _kind(change: Change) -> str:
    kind = _KINDS.get(change.topic)
    if kind is None:
        kind = _KINDS[change.topic] = lookup(KIND_OF_CLASS, change.event_class)
    return kind


# A recorded entry's own fields: the body `Entry.Recorded` carries, named once
# in the domain.
RECORDED_FIELDS = ENTRY_FIELDS
"""The fields of an entry's first version its history's first item lists as `changes`."""


def recorded_fields(change: Change) -> dict[str, Any]:
    """What a `Recorded` event said, as an entry body's fields: the first history item."""
    body = recorded(change)
    return {name: body[name] for name in RECORDED_FIELDS}


# What each event after `Recorded` sets, by `domain.evolution`, from the
# entry's fields by the domain's names and the event's stored state.
_SETS: dict[type[DomainEvent], Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
    Entry.Corrected: lambda entry, state: evolution.corrected(
        entry, state["changes"], state.get("citation")
    ),
    Entry.SourceCited: lambda entry, state: evolution.source_cited(entry, state["citation"]),
    Entry.Linked: lambda entry, state: evolution.linked(entry, state["relation"], state["target"]),
    Entry.Retracted: lambda entry, state: evolution.retracted(state["reason"]),
}


def evolve(body: dict[str, Any], change: Change) -> dict[str, Any]:
    """The next version of `body` after `change` (any event on the entry but `Recorded`).

    Raise LookupError for an event the entry has no rule for.
    """
    try:
        sets = lookup(_SETS, change.event_class)
    except LookupError:
        raise LookupError(
            f"the timeline has no rule for {change.topic!r} at {change.position}"
        ) from None
    following = dict(body)
    entry = {"citations": body["sources"], "links": body["links"]}
    for key, value in sets(entry, change.state).items():
        if key == "occurred":
            occurred = edtf(value)
            following["occurred"] = occurred["text"]
            following["occurred_start"] = occurred["start"]
            following["occurred_end"] = occurred["end"]
        elif key == "retracted":
            following["status"] = "retracted" if value else "active"
        elif key == "links":
            following["links"] = [link_body(link["relation"], link["target"]) for link in value]
        else:
            following[_BODY_NAMES.get(key, key)] = value
    following["version"] = change.version
    following["position"] = change.position
    following["updated_at"] = change.recorded_at
    return following


def link_body(relation: str, target: str) -> dict[str, str]:
    """A link as the read side returns it: `entry`, as `POST /entries/{id}/links` takes
    it, and `target`, its v1 name, kept for one release (see CHANGELOG)."""
    return {"relation": relation, "entry": target, "target": target}


def _corrected_changes(state: dict[str, Any]) -> dict[str, Any]:
    changes = {
        key: (edtf(value)["text"] if key == "occurred" else value)
        for key, value in state["changes"].items()
    }
    if state.get("citation") is not None:
        changes["sources"] = [state["citation"]]
    return changes


# Each event's name in an entry's history, and the `changes` it lists there.
_HISTORY: dict[type[DomainEvent], tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    Entry.Recorded: ("recorded", lambda state: {}),
    Entry.Corrected: ("corrected", _corrected_changes),
    Entry.SourceCited: ("source_cited", lambda state: {"sources": [state["citation"]]}),
    Entry.Linked: (
        "linked",
        lambda state: {"links": [link_body(state["relation"], state["target"])]},
    ),
    Entry.Retracted: ("retracted", lambda state: {"status": "retracted"}),
}
HISTORY_EVENTS = frozenset(_HISTORY)
"""The entry events an entry's history lists."""


def history_item(change: Change, kind_changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """One line of an entry's history: who did what, when, why.

    `kind_changes` are a `Recorded` event's `changes` (its fields, from `recorded_fields`).
    """
    state = change.state
    event, changes_of = lookup(_HISTORY, change.event_class)
    changes = changes_of(state)
    if kind_changes is not None:
        changes = kind_changes
    return {
        "version": change.version,
        "event": event,
        "recorded_at": change.recorded_at,
        "by": state["by"],
        "reason": state.get("reason"),
        "changes": changes,
        "position": change.position,
    }


def recorded_item(item: bytes, first_body: bytes) -> bytes:
    """The history's `recorded` item as served: stored with `changes` null, since
    they are the fields of the entry's first version, `first_body`, held once."""
    whole = orjson.loads(item)
    first = orjson.loads(first_body)
    whole["changes"] = {name: first[name] for name in RECORDED_FIELDS}
    return orjson.dumps(whole)


def facets(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The index keys an entry version is found by: all (first), each topic, each
    actor (with role). The month it states it starts in is a column of the first
    (`month_number`), counted by the activity chart, not a key of its own."""
    return list(facet_roles(body).items())


def facet_roles(body: dict[str, Any]) -> dict[str, str | None]:
    """`facets` as a mapping, each key to its role: a replay writes it as JSON
    whole (`TimelineView.load_statements`), so it is built as one, not paired first."""
    keys: dict[str, str | None] = {"*": None}
    for topic in body["topics"]:
        keys["t:" + topic] = None
    roles: dict[str, list[str]] = {}
    for pair in body["actors"]:
        roles.setdefault(pair["actor"], []).append(pair["role"])
    for actor, held in roles.items():
        keys["a:" + actor] = ", ".join(held)
    return keys
