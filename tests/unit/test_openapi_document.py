"""The OpenAPI document holds together: every reference resolves, and what JSON
Schema calls an integer is read as one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from api import Settings, create_app
from api.schemas import CorrectionIn, RetractionIn


def document() -> dict[str, Any]:
    return create_app(Settings(db="sqlite:///unused.db")).openapi()


def test_every_reference_in_the_document_resolves_from_its_root() -> None:
    root = document()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(root)
    assert refs
    for ref in set(refs):
        assert ref.startswith("#/"), ref
        node: Any = root
        for part in ref[2:].split("/"):
            assert isinstance(node, dict), f"{ref} does not resolve"
            assert part in node, f"{ref} does not resolve"
            node = node[part]


def test_a_whole_number_written_with_a_point_is_a_version_and_a_fraction_is_not() -> None:
    body = {"expected_version": 42217.0, "changes": {"title": "New"}, "reason": "typo"}
    assert CorrectionIn.model_validate(body).expected_version == 42217
    assert (
        RetractionIn.model_validate({"expected_version": 3.0, "reason": "r"}).expected_version == 3
    )
    with pytest.raises(ValidationError):
        CorrectionIn.model_validate({**body, "expected_version": 1.5})


def test_no_parameter_is_declared_nullable_since_none_can_be_sent_as_null() -> None:
    parameters = [
        parameter
        for operations in document()["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", ())
    ]
    nullable = [p["name"] for p in parameters if {"type": "null"} in p["schema"].get("anyOf", ())]

    assert not nullable
    (last_event_id,) = [p for p in parameters if p["name"] == "Last-Event-ID"]
    assert last_event_id["schema"]["type"] == "integer"
    assert last_event_id["schema"]["minimum"] == 0
    assert last_event_id["required"] is False
