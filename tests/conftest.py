"""Shared fixtures: one scenario runs against each backend through `store_url`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import TimelineApp, store_env
from projections import ReadModels
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
def store(store_url: str) -> dict[str, str]:
    """The store's environment, made once and shared by the write and read sides.

    Made once because `sqlite:///:memory:` names a new memory database per call.
    """
    return store_env(store_url)


@pytest.fixture
def app(store: dict[str, str]) -> Iterator[TimelineApp]:
    timeline = TimelineApp(store)
    try:
        yield timeline
    finally:
        timeline.close()


@pytest.fixture
def read_models(app: TimelineApp, store: dict[str, str]) -> Iterator[ReadModels]:
    """The views of `app`'s store, caught up by this process on both backends."""
    models = ReadModels(app, store, in_process=True)
    try:
        yield models
    finally:
        models.close()
