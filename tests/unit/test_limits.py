"""Every list in a body has a maximum, in the domain and in the API's schema alike."""

from __future__ import annotations

import time
from typing import Any

import pytest

from api import Settings, create_app
from domain import ValidationError
from domain.actors import parse_actor
from domain.entries import parse_entry
from domain.sources import parse_source
from domain.values import MAX_ITEMS
from tests.builders import body, details

TOO_MANY = MAX_ITEMS + 1
# The schemas of request bodies: `...In`, each kind's details, a correction's changes.
INPUTS = ("In", "Details", "EntryChanges", "Measure", "Position", "Vote")


def refused_field(parse: Any, value: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        parse(value)
    assert f"expected at most {MAX_ITEMS} items, got {TOO_MANY}" in refused.value.message
    return refused.value.field


@pytest.mark.parametrize(
    ("field", "entry"),
    [
        ("topics", body("meeting", topics=[f"t-{i}" for i in range(TOO_MANY)])),
        ("actors", body("meeting", actors=[{"actor": "a", "role": "r"}] * TOO_MANY)),
        ("sources", body("meeting", sources=[{"source": "s"}] * TOO_MANY)),
        ("details.participants", details("meeting", participants=["a", "b"] * TOO_MANY)),
        ("details.quotes", details("statement", quotes=["q"] * TOO_MANY)),
        (
            "details.positions",
            details(
                "congressional_negotiation", positions=[{"actor": "a", "position": "p"}] * TOO_MANY
            ),
        ),
    ],
)
def test_an_entry_list_over_the_maximum_is_refused_by_name(
    field: str, entry: dict[str, Any]
) -> None:
    if field == "details.participants":
        del entry["details"]["participants"][TOO_MANY:]
    assert refused_field(parse_entry, entry) == field


def test_actor_and_source_lists_over_the_maximum_are_refused_by_name() -> None:
    person = {"name": "Ana Pérez", "kind": "person"}
    assert refused_field(parse_actor, {**person, "aliases": ["x"] * TOO_MANY}) == "aliases"
    roles = [{"title": "Mayor"}] * TOO_MANY
    assert refused_field(parse_actor, {**person, "roles": roles}) == "roles"
    source = {"title": "Report", "publisher": "Paper", "authors": ["A"] * TOO_MANY}
    assert refused_field(parse_source, source) == "authors"


def test_topics_keep_their_first_order_without_repeats_in_one_pass() -> None:
    topics = ["migration", "asylum", "migration", "border-security", "asylum"]
    fields = parse_entry(body("meeting", topics=topics))
    assert fields.topics == ["migration", "asylum", "border-security"]
    # The maximum of distinct topics, each repeated: linear, so a blink, not minutes.
    many = [f"topic-{i % MAX_ITEMS}" for i in range(MAX_ITEMS)]
    started = time.perf_counter()
    assert len(parse_entry(body("meeting", topics=many)).topics) == MAX_ITEMS
    assert time.perf_counter() - started < 1.0


def test_every_list_in_a_request_body_has_the_domains_maximum_in_the_schema() -> None:
    schema = create_app(Settings(db="sqlite:///unused.db")).openapi()
    found: list[tuple[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array" and path.split("/")[1].endswith(INPUTS):
                found.append((path, node.get("maxItems")))
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema["components"]["schemas"], "#")
    assert found, "no list in any input schema"
    unbounded = [path for path, most in found if most != MAX_ITEMS]
    assert unbounded == []
