"""An entry as every export format reads it: the timeline's body with its references resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from projections.presentation.citations import cite, fields
from projections.presentation.dates import Occurred, occurred_of
from projections.presentation.exports.references import References, SourceInfo

__all__ = [
    "ActorRole",
    "Citation",
    "ExportEntry",
    "citation_json",
    "citation_text",
    "detail_items",
    "kind_label",
]

# Detail fields that name actors by slug, shown by their names.
_ACTOR_FIELDS = frozenset({"participants", "speaker", "agency"})


@dataclass(frozen=True)
class ActorRole:
    id: str
    name: str
    role: str


@dataclass(frozen=True)
class Citation:
    """One citation of the entry: its number in the entry (from 1), source, quote, locator."""

    number: int
    source: SourceInfo
    quote: str | None
    locator: str | None


@dataclass(frozen=True)
class ExportEntry:
    """One entry at the export's position, with actor names and cited sources resolved."""

    body: dict[str, Any]
    occurred: Occurred
    actors: tuple[ActorRole, ...]
    citations: tuple[Citation, ...]
    names: dict[str, str]

    @classmethod
    def build(cls, body: dict[str, Any], references: References) -> ExportEntry:
        names = {pair["actor"]: references.actor_name(pair["actor"]) for pair in body["actors"]}
        for slug in _detail_actor_slugs(body["details"]):
            names.setdefault(slug, references.actor_name(slug))
        return cls(
            body=body,
            occurred=occurred_of(body["occurred"], body["occurred_start"], body["occurred_end"]),
            actors=tuple(
                ActorRole(pair["actor"], names[pair["actor"]], pair["role"])
                for pair in body["actors"]
            ),
            citations=tuple(
                Citation(
                    number,
                    references.source(cited["source"]),
                    cited.get("quote"),
                    cited.get("locator"),
                )
                for number, cited in enumerate(body["sources"], start=1)
            ),
            names=names,
        )

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def title(self) -> str:
        return str(self.body["title"])

    @property
    def summary(self) -> str:
        return str(self.body["summary"])

    @property
    def retracted(self) -> bool:
        return bool(self.body["status"] == "retracted")

    @property
    def corrected(self) -> bool:
        """Whether a correction or a later citation changed it: its version is past 1."""
        return int(self.body["version"]) > 1

    @property
    def quotes(self) -> list[str]:
        """A statement's exact quotes (its details); citations carry their own."""
        quotes: list[str] = self.body["details"].get("quotes") or []
        return quotes

    @property
    def topics(self) -> list[str]:
        topics: list[str] = self.body["topics"]
        return topics

    def status_line(self) -> str:
        """`version 2, recorded at position 35 …`: where this version sits in the record."""
        body = self.body
        line = (
            f"version {body['version']} at log position {body['position']}, "
            f"first recorded {body['recorded_at']}"
        )
        if self.corrected:
            line += f", last changed {body['updated_at']}"
        return line

    def retraction_line(self) -> str | None:
        if not self.retracted:
            return None
        reason = self.body.get("retraction_reason")
        return f"Retracted: {reason}" if reason else "Retracted"


def kind_label(kind: str) -> str:
    """`congressional_negotiation` -> `Congressional negotiation`."""
    return kind.replace("_", " ").capitalize()


def detail_items(entry: ExportEntry) -> list[tuple[str, str]]:
    """The kind-specific details as (label, text) pairs, actors by name; quotes left out
    (each format shows them as quotations). Keys in sorted order, whatever the body's."""
    name: Callable[[str], str] = lambda slug: entry.names.get(slug, slug)  # noqa: E731
    items = []
    for key in sorted(entry.body["details"]):
        if key == "quotes":
            continue
        value = entry.body["details"][key]
        if key in _ACTOR_FIELDS:
            text = "; ".join(name(v) for v in value) if isinstance(value, list) else name(value)
        elif key == "positions":
            text = "; ".join(f"{name(p['actor'])}: {p['position']}" for p in value)
        elif key == "measure" and isinstance(value, dict):
            text = " ".join(str(value[k]) for k in ("value", "unit") if value.get(k) is not None)
            if value.get("period"):
                text += f" ({value['period']})"
        elif key == "vote" and isinstance(value, dict):
            text = f"{value.get('yeas')} yeas, {value.get('nays')} nays"
        else:
            text = _plain(value)
        items.append((key.replace("_", " ").capitalize(), text))
    return items


def citation_json(citation: Citation) -> dict[str, Any]:
    """A citation with its source's fields, as JSON-ready data in a fixed key order."""
    return {"number": citation.number, "source": citation.source.id, **fields(citation)}


def citation_text(citation: Citation) -> str:
    """`[1] Title, Publisher (Authors), published 2023-12-28, URL. “quote” (paragraph 3)`
    on one line: the shared citation (`citations.cite`) as plain text, numbered."""
    return f"[{citation.number}] {cite(citation)}"


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return orjson.dumps(value).decode()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _detail_actor_slugs(details: dict[str, Any]) -> list[str]:
    slugs: list[str] = []
    for key in sorted(details):
        value = details[key]
        if key in _ACTOR_FIELDS:
            slugs.extend(value if isinstance(value, list) else [value])
        elif key == "positions":
            slugs.extend(p["actor"] for p in value)
    return [slug for slug in slugs if isinstance(slug, str)]
