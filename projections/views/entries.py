"""An entry as the read side returns it, and how each event evolves it.

The body is the JSON the API serves, kept pre-serialized in the views. These
functions are pure: given the previous body and a change, the next body.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
from eventsourcing.domain import DomainEvent

from domain import ENTRY_CLASSES, Entry, ValidationError, evolution, parse_edtf_date
from domain.entries import ENTRY_FIELDS
from domain.values import search_fold, transliterate
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
    "month_number",
    "recorded",
    "recorded_fields",
    "recorded_item",
    "search_text",
    "search_words",
    "span_days",
    "stated_month",
]

_WORD = re.compile(r"[^\W_]+")
# Every byte but an ASCII letter or digit as a space: what `_WORD` splits ASCII at.
_ASCII_SEPARATORS = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
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


def search_text(body: dict[str, Any]) -> str:
    """The words of the title, summary and every quote (of the details and of the citations)."""
    parts = [body["title"], body["summary"], *body["details"].get("quotes", ())]
    parts += [quote for c in body["sources"] if (quote := c.get("quote"))]
    text = "\n".join(parts)
    folded = search_fold(text)
    if folded.isascii():
        # `search_words` of ASCII text, the words of most bodies, a replay's hot
        # path: runs of letters and digits, each byte else a separator.
        return b" ".join(folded.encode().translate(_ASCII_SEPARATORS).split()).decode()
    return " ".join(search_words(text))


def search_words(text: str) -> list[str]:
    """The words search knows `text` by: runs of letters and digits, folded for
    search (`search_fold`), each one not in ASCII followed by its transliteration's
    words, so 'lukasz' finds 'Łukasz' and 'zelenskiy' finds 'Зеленський'.

    The index and the query split text here, alike on both backends: left to
    themselves, PostgreSQL's parser keeps `Ukraine/Israel` and `U.S.` whole,
    and SQLite's tokenizer does not fold `ß`, so a search would find on one
    backend what it misses on the other.
    """
    folded = search_fold(text)
    words = _WORD.findall(folded)
    # ASCII text, most text, has ASCII words: no need to ask each of them.
    if folded.isascii() or all(word.isascii() for word in words):
        return words
    # Transliterated before folding: folding reads 'й' as 'и', anyascii tells them apart.
    visible = "".join(
        c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c) != "Cf"
    )
    return [spelled for word in _WORD.findall(visible) for spelled in _spellings(word)]


@lru_cache(maxsize=16_384)
def _spellings(word: str) -> tuple[str, ...]:
    folded = _WORD.findall(search_fold(word))
    if all(w.isascii() for w in folded):
        return tuple(folded)
    return (*folded, *(w for w in _WORD.findall(transliterate(word)) if w not in folded))


@lru_cache(maxsize=16_384)
def span_days(start: str, end: str) -> int:
    """How many days the occurred interval covers beyond its first: finer sorts first."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def stated_month(text: str, start: str) -> str:
    """The month a date says it starts in, as `2023-11`: November for
    `2023-11~/2023-12-28`, though `~` widened its recorded lower bound `start` (ISO)
    to 1 October; the month of `start` for a text not read without its marks."""
    recorded = start[:7]
    # A text that opens with the month of its recorded start (`2023-11`, `2023-11-05`,
    # `2023-11-05/2024-02`, most dates) states that month: a parse would find it no
    # later, and `max` below keeps the recorded one. A replay asks this of every
    # version, and its dates are too many and too scattered for a cache to answer.
    if text[:7] == recorded and text[7:8] in ("", "-", "/"):
        return recorded
    return _parsed_month(text, recorded)


@lru_cache(maxsize=16_384)
def _parsed_month(text: str, recorded: str) -> str:
    try:
        strict = parse_edtf_date(text.replace("~", "").replace("%", ""), "occurred")
    except ValidationError:
        return recorded
    # Widening only lowers the bound; max() keeps that for any form read apart.
    return max(recorded, strict.start.isoformat()[:7])


def month_number(body: dict[str, Any]) -> int:
    """The month `body` states it starts in (`stated_month`) as 202311: three bytes
    in a SQLite row, where `2023-11` took eight."""
    month = stated_month(body["occurred"], body["occurred_start"])
    return int(month[:4]) * 100 + int(month[5:7])
