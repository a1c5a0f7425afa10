"""What schemathesis, run from outside (docs/schemathesis.md), found the OpenAPI
document not saying: each finding fixed, each kept fixed here.

A client that generates requests from the document (schemathesis, a typed
client) takes what it says as the truth: a bound it cannot read is no bound,
and a parameter without a pattern takes any text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api import Settings, create_app

# Pydantic's names for bounds; JSON Schema's are minimum, maximum and the exclusive ones.
NOT_JSON_SCHEMA = {"ge", "le", "gt", "lt"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder: Path = tmp_path_factory.mktemp("document")
    return create_app(Settings(db=f"sqlite:///{folder / 't.db'}")).openapi()


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _parameters(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                yield f"{method.upper()} {path} {parameter['name']}", parameter


def test_every_bound_is_written_as_json_schema_says_bounds(document: dict[str, Any]) -> None:
    unread = [
        schema for schema in _schemas(document) if NOT_JSON_SCHEMA & schema.keys()
    ]  # fmt: skip

    assert unread == []


def test_an_expected_version_is_documented_from_one(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("CorrectionIn", "RetractionIn"):
        version = schemas[name]["properties"]["expected_version"]
        assert version["minimum"] == 1, name
        assert version["maximum"] == 2**53 - 1, name
    link = schemas["LinkIn"]["properties"]["expected_version"]["anyOf"][0]
    assert link["minimum"] == 1


def test_every_text_parameter_says_the_control_characters_it_refuses(
    document: dict[str, Any],
) -> None:
    checked = 0
    for name, parameter in _parameters(document):
        schema = parameter["schema"]
        if schema.get("type") != "string" or parameter["in"] == "header":
            continue
        pattern = re.compile(schema["pattern"])
        assert not pattern.search("a\x00b"), name
        assert not pattern.search("a\x1bb"), name
        free_text = "enum" not in schema and "[a-z0-9]" not in pattern.pattern  # not a slug
        if parameter["in"] == "query" and free_text:
            assert pattern.search("border\tcrossings\n"), name  # tabs and newlines are text
        checked += 1

    assert checked > 20


def test_the_idempotency_key_is_documented_as_the_text_it_is(document: dict[str, Any]) -> None:
    keys = [p for name, p in _parameters(document) if name.endswith(" idempotency-key")]
    assert keys
    for parameter in keys:
        pattern = re.compile(parameter["schema"]["pattern"])
        for refused in ("", "  ", "a\x00b", "a\x7fb", "a\nb"):
            assert not pattern.search(refused), refused
        for taken in ("retry-7", "batch\t7", "clé 42"):
            assert pattern.search(taken), taken
