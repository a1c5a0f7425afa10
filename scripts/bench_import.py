"""A synthetic import file for `policy-timeline bench`: every kind, varied dates and actors."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

__all__ = ["synthetic_records", "write_synthetic_file"]

KINDS = (
    "meeting",
    "call",
    "statement",
    "enforcement_action",
    "congressional_negotiation",
    "statistic",
    "policy_action",
)
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
        kind = "person" if i % 2 else "organization"
        yield {"type": "actor", "id": slug, "name": f"Bench Actor {i}", "kind": kind}
    citable = [f"bench-source-{i}" for i in range(sources)]
    for i, slug in enumerate(citable):
        yield {
            "type": "source",
            "id": slug,
            "title": f"Bench report {i}",
            "publisher": "Bench",
            "published": f"2023-12-{1 + i:02d}",
        }
    for i in range(entries):
        kind = KINDS[i % len(KINDS)]
        first, second = rng.sample(slugs, 2)
        yield {
            "type": "entry",
            "key": f"bench-{i}",
            "kind": kind,
            "title": f"Synthetic {kind.replace('_', ' ')} {i}",
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


def _details(kind: str, i: int, first: str, second: str) -> dict[str, Any]:
    month = f"{2020 + i % 4}-{1 + i % 12:02d}"
    if kind == "meeting":
        return {"participants": [first, second], "format": "in_person", "duration_minutes": i % 90}
    if kind == "call":
        return {"participants": [first, second], "medium": "phone"}
    if kind == "statement":
        return {"speaker": first, "quotes": [f"Quote number {i}."], "medium": "remarks"}
    if kind == "enforcement_action":
        measure = {"value": 1000 + i, "unit": "people", "period": month}
        return {"agency": first, "action": "apprehensions", "measure": measure}
    if kind == "congressional_negotiation":
        positions = [{"actor": first, "position": "for"}, {"actor": second, "position": "against"}]
        return {"package": "Border and aid", "status": "ongoing", "positions": positions}
    if kind == "statistic":
        return {"metric": "crossings", "value": 5000 + i, "unit": "people", "period": month}
    return {"instrument": "rule", "agency": first}
