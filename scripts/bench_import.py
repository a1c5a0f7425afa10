"""A synthetic import file for `policy-timeline bench`: every kind, varied dates and actors.

The entries' details are made from the domain's table of kinds, every field
filled, so a kind or a field added there is measured here too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from domain.details import KINDS, Detail, EntryKind

__all__ = ["synthetic_records", "write_synthetic_file"]

TOPICS = ("border-security", "migration", "ukraine-aid", "israel-aid", "asylum", "sanctions")


def write_synthetic_file(path: Path, entries: int) -> None:
    """An NDJSON file: registered actors and sources, then `entries` entries."""
    with path.open("wb") as file:
        for record in synthetic_records(entries):
            file.write(orjson.dumps(record) + b"\n")


def synthetic_records(entries: int, *, actors: int = 40, sources: int = 8) -> Iterator[Any]:
    """The records of the file; the same every run (a fixed random seed)."""
    rng = random.Random(7)
    slugs = [f"bench-actor-{i}" for i in range(actors)]
    for i, slug in enumerate(slugs):
        actor_kind = "person" if i % 2 else "organization"
        yield {"type": "actor", "id": slug, "name": f"Bench Actor {i}", "kind": actor_kind}
    citable = [f"bench-source-{i}" for i in range(sources)]
    for i, slug in enumerate(citable):
        yield {
            "type": "source",
            "id": slug,
            "title": f"Bench report {i}",
            "publisher": "Bench",
            "published": f"2023-12-{1 + i:02d}",
        }
    kinds = list(KINDS.values())
    for i in range(entries):
        kind = kinds[i % len(kinds)]
        first, second = rng.sample(slugs, 2)
        yield {
            "type": "entry",
            "key": f"bench-{i}",
            "kind": kind.name,
            "title": f"Synthetic {kind.label.lower()} {i}",
            "summary": "A synthetic entry used to measure the import path.",
            "occurred": _occurred(i),
            "actors": [{"actor": first, "role": "subject"}],
            "topics": rng.sample(TOPICS, 2),
            "details": _details(kind, i, first, second),
            "sources": [{"source": rng.choice(citable), "quote": f"Quote {i}"}],
        }


def _occurred(i: int) -> str:
    year, month, day = 2020 + i % 4, 1 + i % 12, 1 + i % 28
    forms = (
        f"{year}-{month:02d}-{day:02d}",
        f"{year}-{month:02d}",
        f"{year}-{month:02d}-{day:02d}~",
        f"{year}-{month:02d}?",
        f"{year}-{month:02d}-01/{year}-{month:02d}-{day:02d}",
        f"{year}",
    )
    return forms[i % len(forms)]


def _details(kind: EntryKind, i: int, first: str, second: str) -> dict[str, Any]:
    month = f"{2020 + i % 4}-{1 + i % 12:02d}"
    details = {}
    for detail in kind.details:
        if detail.least is None:
            details[detail.name] = _value(detail, i, first, month)
        else:
            details[detail.name] = [_value(detail, i, actor, month) for actor in (first, second)]
    return details


def _value(detail: Detail, i: int, actor: str, month: str) -> Any:
    """A value `detail` accepts; `actor` for an actor id, the others varied by `i`."""
    if detail.record is not None:
        return {field.name: _value(field, i, actor, month) for field in detail.record.fields}
    values: dict[str, Any] = {
        "actor": actor,
        "text": f"{detail.name.replace('_', ' ').capitalize()} {i}.",
        "count": i % 90,
        "number": 1000 + i,
        "edtf": month,
    }
    if detail.type == "choice":
        return detail.choices[i % len(detail.choices)]
    return values[detail.type]
