"""Entries, actors and versions shaped for the templates: names for ids, dates in words.

The read side answers JSON with ids (`joe-biden`, a source's slug); these
functions add what a reader needs beside them, and leave the templates
free of lookups and rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any

from markupsafe import Markup, escape

from api.web.dates import display_date, display_moment
from projections.presentation.citations import PLAIN, CitationMarkup, cite
from projections.presentation.exports.months import heading, stated_month

__all__ = [
    "actor_slugs",
    "detail_rows",
    "entry_card",
    "incoming_rows",
    "link_rows",
    "link_targets",
    "month_groups",
    "role_period",
    "source_slugs",
    "version_rows",
]

# Words shown in place of ids: actors' names, linked entries' titles.
NamesById = Mapping[str, str]
Sources = Mapping[str, Mapping[str, Any]]

# Details fields that name actors, and how each field is labelled.
_ACTOR_FIELDS = {"participants", "speaker", "agency"}
_DETAIL_LABELS = {
    "participants": "Participants",
    "speaker": "Speaker",
    "agency": "Agency",
    "format": "Format",
    "duration_minutes": "Duration",
    "outcome": "Outcome",
    "medium": "Medium",
    "quotes": "Quotes",
    "action": "Action",
    "measure": "Measure",
    "package": "Package",
    "status": "Status",
    "chamber": "Chamber",
    "positions": "Positions",
    "vote": "Vote",
    "metric": "Metric",
    "value": "Value",
    "period": "Period",
    "instrument": "Instrument",
}
_EVENT_LABELS = {
    "recorded": "Recorded",
    "corrected": "Corrected",
    "source_cited": "Source cited",
    "linked": "Linked",
    "retracted": "Retracted",
}
_FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "occurred": "Occurred",
    "actors": "Actors",
    "topics": "Topics",
    "location": "Location",
    "details": "Details",
    "note": "Note",
    "sources": "Source",
    "links": "Link",
    "status": "Status",
}


def actor_slugs(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every actor the entries name, in their actors or their details."""
    found: set[str] = set()
    for entry in entries:
        found.update(pair["actor"] for pair in entry.get("actors", ()))
        details = entry.get("details", {})
        for name in _ACTOR_FIELDS:
            value = details.get(name)
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
        found.update(p["actor"] for p in details.get("positions") or ())
    return found


def link_targets(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every entry the entries (or versions' changes) link to."""
    return {link["target"] for entry in entries for link in entry.get("links") or ()}


# Read as "<the other entry> <relation> this entry".
_INCOMING = {"part_of": "is part of"}


def incoming_rows(entry: Mapping[str, Any], titles: NamesById) -> list[dict[str, Any]]:
    """The links other entries made to `entry` (`incoming_links`), each with the
    relation in words and the linking entry's title (its id when it has none)."""
    return [
        {
            "entry": link["entry"],
            "title": titles.get(link["entry"], link["entry"]),
            "relation": _INCOMING.get(link["relation"], link["relation"].replace("_", " ")),
        }
        for link in entry.get("incoming_links") or ()
    ]


def link_rows(links: Iterable[Mapping[str, Any]], titles: NamesById) -> list[dict[str, Any]]:
    """An entry's links to others, each with the relation in words and the other's
    title (its id when it has none as of the page's moment)."""
    return [
        {
            **link,
            "title": titles.get(link["target"], link["target"]),
            "relation": link["relation"].replace("_", " "),
        }
        for link in links
    ]


def source_slugs(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    return {citation["source"] for entry in entries for citation in entry.get("sources", ())}


def entry_card(entry: Mapping[str, Any], names: NamesById, sources: Sources) -> dict[str, Any]:
    """The entry with its date in words, its actors named (an actor with several
    roles once), its citations with their sources, and its statement quotes."""
    people: dict[str, list[str]] = {}
    for pair in entry["actors"]:
        people.setdefault(pair["actor"], []).append(pair["role"])
    details = entry.get("details", {})
    return {
        **entry,
        "when": display_date(entry["occurred"], entry["occurred_start"], entry["occurred_end"]),
        "people": [
            {"id": slug, "name": names.get(slug, slug), "role": ", ".join(roles)}
            for slug, roles in people.items()
        ],
        "citations": [
            {
                "quote": citation.get("quote"),
                "locator": citation.get("locator"),
                "source": sources.get(citation["source"]) or {"title": citation["source"]},
                "html": Markup(cite(_cited(citation, sources), _HTML)),  # _HTML escapes each part
            }
            for citation in entry["sources"]
        ],
        "quotes": list(details.get("quotes") or ()),
    }


@dataclass(frozen=True)
class _Source:
    title: str
    publisher: str | None
    authors: tuple[str, ...]
    url: str | None
    published: str | None


@dataclass(frozen=True)
class _Cited:
    source: _Source
    quote: str | None
    locator: str | None


def _cited(citation: Mapping[str, Any], sources: Sources) -> _Cited:
    """A citation of an entry with its source as the pages know it (its id as its
    title when the store does not hold it)."""
    source = sources.get(citation["source"]) or {}
    return _Cited(
        _Source(
            title=source.get("title") or citation["source"],
            publisher=source.get("publisher"),
            authors=tuple(source.get("authors") or ()),
            url=source.get("url"),
            published=source.get("published"),
        ),
        citation.get("quote"),
        citation.get("locator"),
    )


def _linked_title(title: str, url: str | None) -> str:
    if url:
        return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(title)}</a>'
    return f"<cite>{escape(title)}</cite>"


# The shared citation (`projections.presentation.citations`) as the pages write it: HTML
# in a list of sources, plain text in a version's changes; dates in words.
_HTML = CitationMarkup(
    text=lambda text: str(escape(text)),
    title=_linked_title,
    quote=lambda quote: f"<q>{escape(quote)}</q>",
    url=None,
    date=lambda text: str(escape(display_date(text))),
)
_TEXT = replace(PLAIN, date=display_date)


def month_groups(
    cards: Sequence[Mapping[str, Any]], *, descending: bool = False
) -> list[dict[str, Any]]:
    """Consecutive cards under the month their date says it starts in, each month
    once: `~Nov - 28 Dec 2023` under November, though `~` widened its lower bound
    into October. The cards come in occurred order (by that lower bound) and keep
    it: where a widened date's month would break the order of the headings, it
    stands under the month of the entries beside it, so no heading comes twice.
    A plain date always stands under its own month. The Markdown and HTML exports
    head theirs by the same rule (`projections.presentation.exports.months`), streamed."""
    stated = [stated_month(card["occurred"], card["occurred_start"]) for card in cards]
    if descending:
        keys = list(accumulate(stated, min))
    else:
        keys = list(accumulate(reversed(stated), min))[::-1]
    groups: list[dict[str, Any]] = []
    for key, card in zip(keys, cards, strict=True):
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "heading": heading(key), "entries": []})
        groups[-1]["entries"].append(card)
    return groups


def detail_rows(details: Mapping[str, Any], names: NamesById) -> list[dict[str, Any]]:
    """The kind's details as labelled rows: `actors` rows link, `quotes` rows quote,
    `positions` rows pair an actor with their stance, `text` rows read as they are."""
    rows: list[dict[str, Any]] = []
    for key, value in details.items():
        if value is None or (key == "unit" and "value" in details):
            continue
        label = _DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())
        if key in _ACTOR_FIELDS:
            slugs = value if isinstance(value, list) else [value]
            actors = [{"id": s, "name": names.get(s, s)} for s in slugs]
            rows.append({"label": label, "type": "actors", "actors": actors})
        elif key == "quotes":
            rows.append({"label": label, "type": "quotes", "quotes": list(value)})
        elif key == "positions":
            stances = [
                {
                    "id": p["actor"],
                    "name": names.get(p["actor"], p["actor"]),
                    "text": p["position"],
                }
                for p in value
            ]
            rows.append({"label": label, "type": "positions", "positions": stances})
        else:
            rows.append(
                {"label": label, "type": "text", "text": _detail_text(key, value, details)}
            )
    return rows


def _detail_text(key: str, value: Any, details: Mapping[str, Any]) -> str:
    if key == "value":
        unit = details.get("unit")
        return f"{_number(value)} {unit}" if unit else _number(value)
    if key == "duration_minutes":
        return f"{value} minutes"
    if key == "period":
        return display_date(str(value))
    if key == "measure" and isinstance(value, Mapping):
        text = f"{_number(value.get('value'))} {value.get('unit', '')}".strip()
        period = value.get("period")
        return f"{text} ({display_date(period)})" if period else text
    if key == "vote" and isinstance(value, Mapping):
        return f"{value.get('yeas')} yeas, {value.get('nays')} nays"
    if isinstance(value, str) and key in ("format", "medium", "status", "chamber", "instrument"):
        return value.replace("_", " ").capitalize()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _number(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.10g}"
    return str(value)


def role_period(role: Mapping[str, Any]) -> str:
    """When an actor held a role, in words: both dates as a range, `since` a start
    alone, `until` an end alone, nothing when neither is known."""
    start, end = role.get("start"), role.get("end")
    if start and end:
        return display_date(f"{start}/{end}")
    if start:
        return f"since {display_date(start)}"
    if end:
        return f"until {display_date(end)}"
    return ""


def version_rows(
    history: Iterable[Mapping[str, Any]], names: NamesById, sources: Sources, titles: NamesById
) -> list[dict[str, Any]]:
    """Every version, newest first, with its event, time, author, reason and changes
    (each with the value it replaced: `old`); `titles` names linked entries by id."""
    rows = []
    state: dict[str, Any] = {}
    for item in history:
        rows.append(
            {
                **item,
                "label": _EVENT_LABELS.get(item["event"], item["event"]),
                "when": display_moment(item["recorded_at"]),
                "changed": []
                if item["event"] == "recorded"
                else _change_rows(item, names, sources, titles, state),
            }
        )
        # A version's `changes` hold its new values only: the one before holds the old.
        state.update(item["changes"])
    return rows[::-1]


def _change_rows(
    item: Mapping[str, Any],
    names: NamesById,
    sources: Sources,
    titles: NamesById,
    before: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """What one version changed, field by field: `{label, text, href}`, and `old`, the
    text of the value it replaced, for a field `before` (the state until then) held."""
    rows: list[dict[str, Any]] = []
    for key, value in item["changes"].items():
        label = _FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
        if key == "links":
            for link in value:
                rows.append(
                    {
                        "label": label,
                        "text": f"{link['relation'].replace('_', ' ')}: "
                        f"{titles.get(link['target'], link['target'])}",
                        "href": f"/entries/{link['target']}",
                    }
                )
            continue
        row = {"label": label, "text": _change_text(key, value, names, sources)}
        if before is not None and key in before and item["event"] == "corrected":
            row["old"] = _change_text(key, before[key], names, sources)
        rows.append(row)
    return rows


def _change_text(key: str, value: Any, names: NamesById, sources: Sources) -> str:
    if key == "occurred":
        return f"{display_date(str(value))} ({value})"
    if key == "actors":
        return ", ".join(f"{names.get(p['actor'], p['actor'])} ({p['role']})" for p in value)
    if key == "topics":
        return ", ".join(value)
    if key == "sources":
        return "; ".join(cite(_cited(citation, sources), _TEXT) for citation in value)
    if key == "details" and isinstance(value, Mapping):
        return "; ".join(f"{row['label']}: {_row_text(row)}" for row in detail_rows(value, names))
    return str(value)


def _row_text(row: Mapping[str, Any]) -> str:
    if row["type"] == "actors":
        return ", ".join(a["name"] for a in row["actors"])
    if row["type"] == "quotes":
        return " / ".join(f"“{q}”" for q in row["quotes"])
    if row["type"] == "positions":
        return "; ".join(f"{p['name']}: {p['text']}" for p in row["positions"])
    return str(row["text"])
