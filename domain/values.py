"""Small values shared by the aggregates: ids, slugs, citations, roles.

Events hold plain JSON-shaped data (TypedDicts are dicts at run time), so the
read models can decode stored events with orjson alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sized
from functools import lru_cache
from typing import Any, NotRequired, TypedDict, TypeGuard
from uuid import UUID, uuid5

from anyascii import anyascii

from domain.errors import ValidationError

__all__ = [
    "MAX_ITEMS",
    "SEQUENCES",
    "ActorRole",
    "Citation",
    "RoleHeld",
    "actor_uuid",
    "fold",
    "is_slug",
    "optional_text",
    "plain_citation",
    "require_bounded",
    "require_text",
    "search_fold",
    "search_key",
    "slug_problem",
    "slugify",
    "source_uuid",
    "text_list",
    "transliterate",
    "valid_text",
]

# Fixed namespaces: an actor's or source's aggregate id is derived from its
# slug, so registering the same slug twice collides in the store itself.
ACTOR_NAMESPACE = UUID("6f1c2d0e-5c43-4a8e-9a56-2b7f0f3e8a11")
SOURCE_NAMESPACE = UUID("0b6e9a4d-8f55-4c0c-b7f2-39c1d6a2e7b4")

CITATION_FIELDS = ("source", "quote", "locator")
_CITATION_FIELD_SET = frozenset(CITATION_FIELDS)
# \Z, not $: $ also matches before a trailing newline and would let "abc\n" in.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_TEXT = 20_000
MAX_ITEMS = 200
"""The most items any list in a body may hold (actors, topics, sources, aliases,
roles, authors, quotes, participants, positions): far above any real record, and
low enough that no single write can hold a core for long."""
# Control characters but tab, line feed and carriage return: never meant in a
# quote or a title, and PostgreSQL refuses NUL in text, which would stop its
# views at that event for good.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A tuple of types, not `list | tuple`: the union would be rebuilt at every
# call, and validation runs once per record of a large import.
SEQUENCES = (list, tuple)


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
    if text.isascii():  # nothing to decompose or strip: most text, and a replay's hot path
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def search_fold(text: str) -> str:
    """`fold(text)` without Unicode format characters (category Cf: zero-width
    space and joiners, soft hyphen, bidi marks): they are invisible, so a search
    for 'Bi\u200bden' means 'Biden'. For searching only: slugs keep `fold`, since
    ids made from names are stored and must not change."""
    folded = fold(text)
    if folded.isascii():  # no format character is ASCII
        return folded
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def transliterate(text: str) -> str:
    """`text` in lower-case ASCII: 'Łukasz Wałęsa' -> 'lukasz walesa',
    'Володимир Зеленський' -> "volodimir zelenskiy", '习近平' -> ' xi  jin  ping '.

    What `fold` already turns into ASCII stays exactly as `fold` has it, and any
    other character but a letter, mark or digit separates words as it did, so a
    slug changes only where `fold` had dropped a letter ('ukasz-wa-esa');
    letters, marks and digits go through anyascii, one character at a time.
    """
    folded = fold(text)
    if folded.isascii():
        return folded
    return "".join(_transliterated(c) for c in unicodedata.normalize("NFC", text))


@lru_cache(maxsize=16_384)
def _transliterated(char: str) -> str:
    folded = fold(char)
    if folded.isascii():
        return folded
    category = unicodedata.category(char)
    if category[0] not in "LMN":
        # Punctuation, symbols, spaces and format characters kept apart the words
        # around them, as `fold` did: 'Joe\u200bBiden' is still 'joe-biden'.
        return " "
    ascii_text = anyascii(char)
    if category[0] == "L":
        # anyascii writes the Cyrillic soft and hard signs and the modifier
        # apostrophe as quotes; inside a word they would split its slug.
        ascii_text = ascii_text.replace("'", "").replace('"', "")
        # A caseless letter it capitalizes is a syllable of its own (a Chinese
        # character, a Hangul block): 习近平 reads 'xi jin ping', not 'xijinping'.
        if ascii_text[:1].isupper() and char.lower() == char.upper():
            return f" {ascii_text.lower()} "
    return ascii_text.lower()


def search_key(text: str) -> str:
    """The transliteration of `text` as search compares it, loosely: letters and
    digits only, 'y' read as 'i' and a doubled letter as one. So 'zelensky',
    'Zelenskyi' and 'Зеленський' all find 'Volodymyr Zelenskyi', and
    'xi jinping' finds '习近平'. Compare only keys with keys: they are not words."""
    key = _NOT_ALNUM.sub("", transliterate(text)).replace("y", "i")
    return _DOUBLED.sub(r"\1", key)


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"(.)\1+")


def slugify(text: str) -> str:
    """The slug an id is made of: 'Andrés Manuel López Obrador' ->
    'andres-manuel-lopez-obrador', 'Łukasz Wałęsa' -> 'lukasz-walesa',
    '习近平' -> 'xi-jin-ping' (`transliterate`, then hyphens between words)."""
    slug = _NOT_ALNUM.sub("-", transliterate(text)).strip("-")
    if len(slug) > MAX_TRANSLITERATED_SLUG and not fold(text).isascii():
        return slug[:MAX_TRANSLITERATED_SLUG].rstrip("-")
    return slug


MAX_TRANSLITERATED_SLUG = 200
"""The longest slug a transliteration makes: as long as an id a request may
give, so that entries can name the actor. One character can transliterate to
29 letters ('ﷺ'), so a 300-character name could make a slug of thousands.
Slugs `fold` spells were never cut, and are not now."""


@lru_cache(maxsize=65_536)
def actor_uuid(slug: str) -> UUID:
    return uuid5(ACTOR_NAMESPACE, slug)


@lru_cache(maxsize=65_536)
def source_uuid(slug: str) -> UUID:
    return uuid5(SOURCE_NAMESPACE, slug)


def is_slug(value: object) -> TypeGuard[str]:
    """Whether `value` is a slug; callers name the field only when it is not."""
    if type(value) is str:
        return _matches_slug(value)
    return isinstance(value, str) and SLUG_PATTERN.match(value) is not None


# Imports repeat the same few hundred actor, source and topic slugs.
@lru_cache(maxsize=65_536)
def _matches_slug(value: str) -> bool:
    return SLUG_PATTERN.match(value) is not None


def require_slug(value: object, field: str) -> str:
    if is_slug(value):
        return value
    raise ValidationError(field, slug_problem(value))


def slug_problem(value: object) -> str:
    """Why `value` is no id, in the words every entry point uses: a name given
    where its id belongs ('Ken Salazar') is answered with the id to use."""
    accepted = "a slug of lower-case letters, digits and single hyphens"
    if isinstance(value, str) and (suggested := slugify(value)) and suggested != value:
        return f"{value[:60]!r} is not an id; use the id {suggested} ({accepted})"
    return f"expected an id, {accepted}"


def valid_text(value: object, limit: int = MAX_TEXT) -> str:
    """`value` stripped when it is acceptable text, else "" (then call require_text)."""
    if type(value) is str and len(value) <= limit and not CONTROL.search(value):
        return value.strip()
    return ""


def require_text(value: object, field: str, *, limit: int = MAX_TEXT) -> str:
    stripped = valid_text(value, limit)
    if stripped:
        return stripped
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "expected non-empty text")
    if len(value) > limit:
        raise ValidationError(field, f"expected at most {limit} characters")
    if CONTROL.search(value):
        raise ValidationError(
            field, "expected text without control characters (tab and line breaks are fine)"
        )
    return value.strip()


def optional_text(value: object, field: str) -> str | None:
    return None if value is None else require_text(value, field)


def require_bounded(value: Sized, field: str) -> None:
    """Refuse a list of more than MAX_ITEMS items, before a single one is read."""
    if len(value) > MAX_ITEMS:
        raise ValidationError(field, f"expected at most {MAX_ITEMS} items, got {len(value)}")


def text_list(value: object, field: str, *, minimum: int = 0) -> list[str]:
    if not isinstance(value, SEQUENCES):
        raise ValidationError(field, "expected a list of texts")
    require_bounded(value, field)
    items = [require_text(item, f"{field}.{i}") for i, item in enumerate(value)]
    if len(items) < minimum:
        raise ValidationError(field, f"expected at least {minimum} item(s)")
    return items


def require_mapping(value: object, field: str) -> Mapping[str, Any]:
    # A dict, as JSON decodes to, skips the slower abstract-class check.
    if type(value) is not dict and not isinstance(value, Mapping):
        raise ValidationError(field, "expected an object")
    return value


def reject_unknown(data: Mapping[str, Any], accepted: tuple[str, ...], field: str) -> None:
    if _accepted_set(accepted).issuperset(data):
        return
    for key in data:
        if key not in accepted:
            where = f"{field}.{key}" if field else str(key)
            raise ValidationError(where, f"unknown field; accepted: {', '.join(accepted)}")


@lru_cache(maxsize=256)
def _accepted_set(accepted: tuple[str, ...]) -> frozenset[str]:
    return frozenset(accepted)


def plain_citation(value: object) -> Citation | None:
    """`parse_citation` of a citation with nothing wrong, else None.

    For a caller validating many: it formats no field path, which costs more
    than the checks; on None, `parse_citation` words what is wrong.
    """
    if type(value) is not dict or not _CITATION_FIELD_SET.issuperset(value):
        return None
    source = value.get("source")
    if not is_slug(source):
        return None
    citation: Citation = {"source": source}
    quote = value.get("quote")
    if quote is not None:
        if not (text := valid_text(quote)):
            return None
        citation["quote"] = text
    locator = value.get("locator")
    if locator is not None:
        if not (text := valid_text(locator)):
            return None
        citation["locator"] = text
    return citation


def parse_citation(value: object, field: str) -> Citation:
    """A citation `{source, quote?, locator?}` found at `field`; "" when it is the whole body."""
    data = require_mapping(value, field or "body")
    reject_unknown(data, CITATION_FIELDS, field)
    # Field paths are built only for an error: formatting them costs more
    # than the checks themselves.
    at = f"{field}." if field else ""
    source = data.get("source")
    citation: Citation = {
        "source": source if is_slug(source) else require_slug(source, f"{at}source")
    }
    quote = data.get("quote")
    if quote is not None:
        citation["quote"] = valid_text(quote) or require_text(quote, f"{at}quote")
    locator = data.get("locator")
    if locator is not None:
        citation["locator"] = valid_text(locator) or require_text(locator, f"{at}locator")
    return citation
