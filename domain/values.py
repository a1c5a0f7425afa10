"""Small values shared by the aggregates: ids, slugs, citations, roles.

Events hold plain JSON-shaped data (TypedDicts are dicts at run time), so the
read models can decode stored events with orjson alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NotRequired, TypedDict
from uuid import UUID, uuid5

from domain.errors import ValidationError

__all__ = [
    "ActorRole",
    "Citation",
    "RoleHeld",
    "actor_uuid",
    "fold",
    "optional_text",
    "require_text",
    "slugify",
    "source_uuid",
    "text_list",
]

# Fixed namespaces: an actor's or source's aggregate id is derived from its
# slug, so registering the same slug twice collides in the store itself.
ACTOR_NAMESPACE = UUID("6f1c2d0e-5c43-4a8e-9a56-2b7f0f3e8a11")
SOURCE_NAMESPACE = UUID("0b6e9a4d-8f55-4c0c-b7f2-39c1d6a2e7b4")

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TEXT = 20_000


class ActorRole(TypedDict):
    actor: str
    role: str


class Citation(TypedDict):
    source: str
    quote: NotRequired[str]
    locator: NotRequired[str]


class RoleHeld(TypedDict):
    title: str
    organization: NotRequired[str]
    start: NotRequired[str]
    end: NotRequired[str]


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents: 'López' and 'LOPEZ' fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def slugify(text: str) -> str:
    """'Andrés Manuel López Obrador' -> 'andres-manuel-lopez-obrador'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


@lru_cache(maxsize=65_536)
def actor_uuid(slug: str) -> UUID:
    return uuid5(ACTOR_NAMESPACE, slug)


@lru_cache(maxsize=65_536)
def source_uuid(slug: str) -> UUID:
    return uuid5(SOURCE_NAMESPACE, slug)


def require_slug(value: object, field: str) -> str:
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        raise ValidationError(
            field, "expected a slug of lower-case letters, digits and single hyphens"
        )
    return value


def require_text(value: object, field: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "expected non-empty text")
    if len(value) > limit:
        raise ValidationError(field, f"expected at most {limit} characters")
    return value.strip()


def optional_text(value: object, field: str) -> str | None:
    return None if value is None else require_text(value, field)


def text_list(value: object, field: str, *, minimum: int = 0) -> list[str]:
    if not isinstance(value, list | tuple):
        raise ValidationError(field, "expected a list of texts")
    items = [require_text(item, f"{field}.{i}") for i, item in enumerate(value)]
    if len(items) < minimum:
        raise ValidationError(field, f"expected at least {minimum} item(s)")
    return items


def require_mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(field, "expected an object")
    return value


def reject_unknown(data: Mapping[str, Any], accepted: tuple[str, ...], field: str) -> None:
    for key in data:
        if key not in accepted:
            where = f"{field}.{key}" if field else str(key)
            raise ValidationError(where, f"unknown field; accepted: {', '.join(accepted)}")


def parse_citation(value: object, field: str) -> Citation:
    data = require_mapping(value, field)
    reject_unknown(data, ("source", "quote", "locator"), field)
    citation: Citation = {"source": require_slug(data.get("source"), f"{field}.source")}
    if data.get("quote") is not None:
        citation["quote"] = require_text(data["quote"], f"{field}.quote")
    if data.get("locator") is not None:
        citation["locator"] = require_text(data["locator"], f"{field}.locator")
    return citation
