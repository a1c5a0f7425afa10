"""The backends' differences live in one Dialect; no module tells them apart by strings."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from domain import PostgresConfig, SQLiteConfig, parse_store_url
from projections.dialect import POSTGRESQL, SQLITE, Dialect, dialect_of

ROOT = Path(__file__).resolve().parents[2]
# A comparison with a backend's name, or a look at the environment's strings to learn it.
BRANCH = re.compile(
    r"dialect\s*[!=]=|dialect\.name\s*[!=]=|[\"'](POSTGRES_DBNAME|PERSISTENCE_MODULE)[\"']"
)
# The store's own module writes the environment the library reads.
MAY_NAME_THE_ENVIRONMENT = {"domain/store/__init__.py"}


def test_no_module_branches_on_the_backend_outside_the_dialect() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("domain", "projections", "api", "scripts")
        for path in (ROOT / package).rglob("*.py")
        if str(path.relative_to(ROOT)) not in MAY_NAME_THE_ENVIRONMENT
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BRANCH.search(line)
    ]
    assert not offenders


@pytest.mark.parametrize(
    ("url", "config", "dialect"),
    [
        ("sqlite:///var/timeline.db", SQLiteConfig, SQLITE),
        ("postgresql://u:p@db.internal:6543/timeline", PostgresConfig, POSTGRESQL),
    ],
)
def test_a_store_url_is_parsed_once_into_a_typed_config_with_its_dialect(
    url: str, config: type, dialect: Dialect
) -> None:
    parsed = parse_store_url(url)
    assert isinstance(parsed, config)
    assert dialect_of(parsed) is dialect


def test_both_dialects_say_every_difference() -> None:
    for field in fields(Dialect):
        assert getattr(SQLITE, field.name) != getattr(POSTGRESQL, field.name) or (
            field.name == "search_index"  # only PostgreSQL needs a second statement
        )
