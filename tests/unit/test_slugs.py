"""Slugs made from names in any script, and the keys actor search compares."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actors import parse_actor
from domain.values import fold, is_slug, search_key, slugify


def slug_before_transliteration(text: str) -> str:
    """The derivation every stored slug was made with, before names in any script."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Andrés Manuel López Obrador", "andres-manuel-lopez-obrador"),
        ("Łukasz Wałęsa", "lukasz-walesa"),
        ("Søren Ørsted", "soren-orsted"),
        ("Володимир Зеленський", "volodimir-zelenskiy"),
        ("习近平", "xi-jin-ping"),
        ("محمد بن سلمان", "mhmd-bn-slmn"),
        ("Nguyễn Phú Trọng", "nguyen-phu-trong"),
        ("Đặng Thị Ngọc Thịnh", "dang-thi-ngoc-thinh"),
        ("Κυριάκος Μητσοτάκης", "kyriakos-mitsotakis"),
        ("문재인", "mun-jae-in"),
        ("Æsir Straße", "aesir-strasse"),
    ],
)
def test_a_name_in_any_script_gets_a_readable_ascii_slug(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert is_slug(slug)


def test_a_name_in_cyrillic_or_chinese_alone_registers_with_a_derived_id() -> None:
    assert parse_actor({"name": "习近平", "kind": "person"}).slug == "xi-jin-ping"
    actor = parse_actor({"name": "Володимир Зеленський", "kind": "person"})
    assert (actor.slug, actor.name) == ("volodimir-zelenskiy", "Володимир Зеленський")


@pytest.mark.parametrize(
    "name",
    [
        "Andrés Manuel López Obrador",
        "Nguyễn Phú Trọng",
        "Joe\u200bBiden",
        "O\u2019Brien",
        "Ólafur Ragnar Grímsson",
        "Recep Tayyip Erdoğan",
        "ﬁnance ① ministry",
        "Fund€x",
    ],
)
def test_a_name_fold_could_spell_keeps_the_slug_it_always_had(name: str) -> None:
    assert slugify(name) == slug_before_transliteration(name)


# Every letter, mark and digit folds to ASCII: then nothing was ever lost.
_SPELLED = st.characters(codec="utf-8").filter(
    lambda c: unicodedata.category(c)[0] not in "LMN" or fold(c).isascii(),
)


@given(st.text(_SPELLED, max_size=40))
def test_no_slug_fold_could_derive_ever_changes(name: str) -> None:
    assert slugify(name) == slug_before_transliteration(name)


@given(st.text(max_size=40))
def test_a_slug_is_always_ascii_lower_case_words_and_hyphens(name: str) -> None:
    slug = slugify(name)
    assert slug == "" or is_slug(slug)


def test_a_long_name_transliterates_to_a_slug_no_longer_than_a_given_id() -> None:
    assert len(slugify("\ufdfa" * 300)) <= 200
    assert is_slug(slugify("习近平" * 100))
    assert len(slugify("a" * 300)) == 300  # as fold always derived it


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("zelensky", "Володимир Зеленський"),
        ("Zelenskyi", "Володимир Зеленський"),
        ("zelenskiy", "Володимир Зеленський"),
        ("volodymyr", "Володимир Зеленський"),
        ("xi jinping", "习近平"),
        ("lukasz walesa", "Łukasz Wałęsa"),
        ("soren", "Søren Ørsted"),
        ("mitsotakis", "Κυριάκος Μητσοτάκης"),
        ("nguyen phu trong", "Nguyễn Phú Trọng"),
    ],
)
def test_a_transliterated_query_finds_the_name_by_its_key(query: str, name: str) -> None:
    assert search_key(query) in search_key(name)


def test_a_key_tells_different_names_apart() -> None:
    assert search_key("putin") not in search_key("Володимир Зеленський")
    assert search_key("") == ""
