"""Valid bodies for every kind, from the seed report, to vary one field at a time."""

from __future__ import annotations

import copy
from typing import Any

from domain import TimelineApp

ACTORS: list[dict[str, Any]] = [
    {
        "name": "Antony Blinken",
        "kind": "person",
        "roles": [
            {
                "title": "Secretary of State",
                "organization": "US Department of State",
                "start": "2021-01-26",
            }
        ],
    },
    {"name": "Alejandro Mayorkas", "kind": "person", "aliases": ["Mayorkas"]},
    {"name": "Andrés Manuel López Obrador", "kind": "person", "aliases": ["AMLO"]},
    {"name": "Joe Biden", "kind": "person"},
    {"id": "border-patrol", "name": "U.S. Border Patrol", "kind": "organization"},
    {"id": "congress", "name": "United States Congress", "kind": "organization"},
]
# A well-formed entry id that no entry has. Fixed, not drawn: test ids show it, and
# parallel workers (pytest-xdist) must collect the same tests.
UNKNOWN_ID = "5f0e2c1a-0000-4000-8000-00000000dead"
SOURCE: dict[str, Any] = {
    "id": "cbs-2023-12-28",
    "title": 'White House says meeting with Mexican president was "productive"',
    "publisher": "CBS News",
    "authors": ["Caitlin Yilek"],
    "published": "2023-12-28",
    "note": "Read in a copy republished 2025-04-18; the dateline is the republication's.",
}


def seed(app: TimelineApp) -> None:
    """Register the actors and the source every body below refers to."""
    for actor in ACTORS:
        app.register_actor(actor, by="tests")
    app.register_source(SOURCE, by="tests")


BODIES: dict[str, dict[str, Any]] = {
    "meeting": {
        "kind": "meeting",
        "title": "US officials meet López Obrador in Mexico City",
        "summary": "Blinken and Mayorkas meet the Mexican president on migration.",
        "occurred": "2023-12-27",
        "actors": [{"actor": "antony-blinken", "role": "participant"}],
        "topics": ["border-security", "migration"],
        "location": "Mexico City",
        "details": {
            "participants": ["antony-blinken", "andres-manuel-lopez-obrador"],
            "format": "in_person",
            "duration_minutes": 120,
        },
        "sources": [{"source": "cbs-2023-12-28", "quote": "the meeting lasted over two hours"}],
    },
    "call": {
        "kind": "call",
        "title": "Biden speaks to López Obrador",
        "summary": "The two leaders discuss migratory flows.",
        "occurred": "2023-12-18/2023-12-22",
        "actors": [],
        "topics": ["migration"],
        "details": {
            "participants": ["joe-biden", "andres-manuel-lopez-obrador"],
            "medium": "phone",
        },
        "sources": [{"source": "cbs-2023-12-28"}],
    },
    "statement": {
        "kind": "statement",
        "title": "López Obrador on the causes of migration",
        "summary": "He wants more aid to the region.",
        "occurred": "2023-12-21~",
        "actors": [],
        "topics": ["migration", "sanctions"],
        "details": {
            "speaker": "andres-manuel-lopez-obrador",
            "quotes": ["The ideal thing is to help poor countries"],
            "medium": "remarks",
        },
        "sources": [{"source": "cbs-2023-12-28"}],
    },
    "enforcement_action": {
        "kind": "enforcement_action",
        "title": "Border Patrol apprehensions in November",
        "summary": "More than 191,000 apprehended.",
        "occurred": "2023-11",
        "actors": [],
        "topics": ["border-security"],
        "details": {
            "agency": "border-patrol",
            "action": "apprehensions",
            "measure": {"value": 191000, "unit": "migrants", "period": "2023-11"},
        },
        "sources": [{"source": "cbs-2023-12-28"}],
    },
    "congressional_negotiation": {
        "kind": "congressional_negotiation",
        "title": "Border policy inside the Ukraine and Israel aid package",
        "summary": "Democrats consider limits on asylum.",
        "occurred": "2023-12?",
        "actors": [],
        "topics": ["border-security", "ukraine-aid", "israel-aid", "asylum"],
        "details": {
            "package": "Ukraine/Israel aid and border security",
            "status": "ongoing",
            "chamber": "senate",
            "positions": [{"actor": "congress", "position": "no consensus"}],
        },
        "sources": [{"source": "cbs-2023-12-28"}],
    },
    "statistic": {
        "kind": "statistic",
        "title": "Nearly 50,000 processed in five days",
        "summary": "Border Patrol processed nearly 50,000 migrants.",
        "occurred": "2023-12-18/2023-12-22",
        "actors": [],
        "topics": ["border-security"],
        "details": {
            "metric": "migrants processed",
            "value": 50000,
            "unit": "people",
            "period": "2023-12-18/2023-12-22",
            "agency": "border-patrol",
        },
        "sources": [{"source": "cbs-2023-12-28"}],
    },
    "policy_action": {
        "kind": "policy_action",
        "title": "Ports of entry to be reopened",
        "summary": "Leaders agree enforcement is needed so ports can reopen.",
        "occurred": "2023-12",
        "actors": [],
        "topics": ["border-security"],
        "details": {"instrument": "program", "agency": "border-patrol"},
        "sources": [{"source": "cbs-2023-12-28"}],
    },
}


def body(kind: str = "meeting", /, **changes: Any) -> dict[str, Any]:
    """A valid body of `kind`, with top-level fields replaced by `changes`."""
    result = copy.deepcopy(BODIES[kind])
    result.update(changes)
    return result


def details(kind: str, /, **changes: Any) -> dict[str, Any]:
    """A valid body of `kind` whose details are changed; a value of None drops the key."""
    result = body(kind)
    for key, value in changes.items():
        if value is None:
            result["details"].pop(key, None)
        else:
            result["details"][key] = value
    return result
