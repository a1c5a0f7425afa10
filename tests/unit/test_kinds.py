"""The table of kinds against the parsers it names: each says the same fields and values."""

from __future__ import annotations

import pytest

from domain import ENTRY_CLASSES, ValidationError
from domain.details import KINDS, parse_details
from domain.entries import parse_entry
from scripts.bench_import import synthetic_records
from tests.builders import details

CHOICES = [
    (kind.name, detail.name, choice)
    for kind in KINDS.values()
    for detail in kind.details
    if detail.type == "choice"
    for choice in detail.choices
]
REQUIRED = [
    (kind.name, detail.name)
    for kind in KINDS.values()
    for detail in kind.details
    if detail.required
]


def test_the_kinds_are_listed_in_the_same_order_as_their_aggregates() -> None:
    assert list(ENTRY_CLASSES) == list(KINDS)


def test_every_kind_has_a_label_for_people() -> None:
    assert all(kind.label and kind.label[0].isupper() for kind in KINDS.values())


def test_details_filling_every_field_of_the_table_are_kept_whole() -> None:
    entries = [r for r in synthetic_records(len(KINDS)) if r["type"] == "entry"]
    assert [e["kind"] for e in entries] == list(KINDS)
    for entry in entries:
        kept, _ = parse_details(entry["kind"], entry["details"])
        assert list(kept) == list(KINDS[entry["kind"]].names)
        assert kept == entry["details"]


@pytest.mark.parametrize(("kind", "field"), REQUIRED)
def test_a_field_the_table_calls_required_is_required(kind: str, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_entry(details(kind, **{field: None}))
    assert error.value.field == f"details.{field}"
    assert error.value.message.startswith("required")


@pytest.mark.parametrize(("kind", "field", "choice"), CHOICES)
def test_every_value_the_table_allows_is_accepted(kind: str, field: str, choice: str) -> None:
    assert parse_entry(details(kind, **{field: choice})).details[field] == choice


@pytest.mark.parametrize(("kind", "field"), sorted({(k, f) for k, f, _ in CHOICES}))
def test_a_value_the_table_does_not_allow_is_refused(kind: str, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_entry(details(kind, **{field: "carrier_pigeon"}))
    assert error.value.field == f"details.{field}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_field_the_table_does_not_name_is_refused_with_those_it_does(kind: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_entry(details(kind, colour="blue"))
    assert error.value.field == "details.colour"
    assert error.value.message.endswith(", ".join(KINDS[kind].names))
