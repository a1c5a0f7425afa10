"""The OpenAPI document against the domain's tables: the same kinds, fields and allowed values.

The conformance test accepts a 422 for a schema-valid body, so a schema that
allows what the domain refuses would pass it; these tests compare the two
directly.
"""

from __future__ import annotations

from typing import Any

import pytest

from api import Settings, create_app
from domain import RELATIONS
from domain.actors import ACTOR_KINDS
from domain.details import KINDS, Detail, Record

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    url = f"sqlite:///{tmp_path_factory.mktemp('vocabulary') / 'timeline.db'}"
    openapi: Schema = create_app(Settings(db=url)).openapi()
    return openapi


def _component(document: Schema, ref: str) -> Schema:
    schema: Schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _not_null(schema: Schema) -> Schema:
    """An optional field's schema without its `null` alternative."""
    if "anyOf" not in schema:
        return schema
    kept = [s for s in schema["anyOf"] if s != {"type": "null"}]
    return kept[0] if len(kept) == 1 else {"anyOf": kept}


def _enum(schema: Schema) -> list[str]:
    (enum,) = [s["enum"] for s in schema.get("anyOf", [schema]) if "enum" in s]
    return list(enum)


def _assert_fields_match(document: Schema, schema: Schema, fields: tuple[Detail, ...]) -> None:
    assert list(schema["properties"]) == [f.name for f in fields]
    assert schema.get("required", []) == [f.name for f in fields if f.required]
    assert schema["additionalProperties"] is False
    for field in fields:
        where = field.name
        one = _not_null(schema["properties"][field.name])
        if field.least is not None:
            assert one["type"] == "array", where
            assert one.get("minItems", 0) == field.least, where
            one = one["items"]
        if field.type == "choice":
            assert one["enum"] == list(field.choices), where
        if field.record is not None:
            _assert_record_matches(document, one, field.record)


def _assert_record_matches(document: Schema, schema: Schema, record: Record) -> None:
    _assert_fields_match(document, _component(document, schema["$ref"]), record.fields)


def _kinds_of(body: Schema) -> list[str]:
    return list(body["discriminator"]["mapping"])


def test_an_entry_body_is_one_of_the_domains_kinds_and_no_other(document: Schema) -> None:
    body = document["paths"]["/api/v1/entries"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert _kinds_of(schema) == list(KINDS)
    for kind, ref in schema["discriminator"]["mapping"].items():
        assert _component(document, ref)["properties"]["kind"]["const"] == kind


@pytest.mark.parametrize("suffix", ["In", "Out"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kinds_details_have_the_domains_fields_and_allowed_values(
    document: Schema, kind: str, suffix: str
) -> None:
    body = document["paths"]["/api/v1/entries"]["post"]["requestBody"]
    mapping = body["content"]["application/json"]["schema"]["discriminator"]["mapping"]
    entry = _component(document, mapping[kind].replace("In", suffix))
    assert entry["properties"]["kind"]["const"] == kind
    details = _component(document, entry["properties"]["details"]["$ref"])
    _assert_fields_match(document, details, KINDS[kind].details)


def test_a_correction_takes_the_details_of_any_kind_and_only_those(document: Schema) -> None:
    details = document["components"]["schemas"]["EntryChanges"]["properties"]["details"]
    refs = [s["$ref"] for s in details["anyOf"] if "$ref" in s]
    assert len(refs) == len(KINDS)
    for ref, kind in zip(refs, KINDS.values(), strict=True):
        _assert_fields_match(document, _component(document, ref), kind.details)


@pytest.mark.parametrize(("path", "method"), [("timeline", "get"), ("exports/chronology", "get")])
def test_the_kind_filter_offers_the_domains_kinds(
    document: Schema, path: str, method: str
) -> None:
    parameters = document["paths"][f"/api/v1/{path}"][method]["parameters"]
    (kind,) = [p for p in parameters if p["name"] == "kind"]
    assert _enum(kind["schema"]) == list(KINDS)


def test_links_and_actors_offer_the_domains_relations_and_actor_kinds(document: Schema) -> None:
    schemas = document["components"]["schemas"]
    assert _enum(schemas["LinkIn"]["properties"]["relation"]) == list(RELATIONS)
    assert _enum(schemas["Link"]["properties"]["relation"]) == list(RELATIONS)
    assert _enum(schemas["ActorIn"]["properties"]["kind"]) == list(ACTOR_KINDS)
    assert _enum(schemas["ActorOut"]["properties"]["kind"]) == list(ACTOR_KINDS)
