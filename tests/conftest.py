"""Shared fixtures: one scenario runs against each backend through `store_url`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import TimelineApp, open_app
from tests.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'timeline.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.database() as url:
        yield url


@pytest.fixture
def app(store_url: str) -> Iterator[TimelineApp]:
    timeline = open_app(store_url)
    try:
        yield timeline
    finally:
        timeline.close()
