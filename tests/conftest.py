"""Shared fixtures: one scenario runs against each backend through `store_url`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import StoreConfig, TimelineApp, parse_store_url
from projections import ReadModels
from projections.database import open_database
from tests.postgres import PostgresServer, postgres_server

# The longest file first: `make test` runs a file whole on one worker (pytest-xdist,
# loadfile), and started last it would run alone at the end while the others wait.
LONGEST_FIRST = ("tests/e2e/test_openapi_conformance.py",)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the bytecode of the commands the tests start in one folder for the run.

    Where PYTHONDONTWRITEBYTECODE is set (as on this project's machines), in a
    checkout never run, every `policy-timeline` a test starts would compile the
    project's modules again: a fifth of a second for an export, more for a
    server. An installed package has them compiled. The workers of
    pytest-xdist inherit the folder from the process that starts them.
    """
    if (
        hasattr(config, "workerinput")
        or not os.environ.get("PYTHONDONTWRITEBYTECODE")
        or "PYTHONPYCACHEPREFIX" in os.environ
    ):
        return
    folder = tempfile.mkdtemp(prefix="policy-timeline-bytecode-")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.partition("::")[0] not in LONGEST_FIRST)


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
def store_config(store_url: str) -> StoreConfig:
    """The store's URL parsed, once, and shared by the write and read sides.

    Once because `sqlite:///:memory:` names a new memory database per parse.
    """
    return parse_store_url(store_url)


@pytest.fixture
def store(store_config: StoreConfig) -> dict[str, str]:
    """The store's environment, as the write service reads it."""
    return store_config.env()


@pytest.fixture
def app(store: dict[str, str]) -> Iterator[TimelineApp]:
    timeline = TimelineApp(store)
    try:
        yield timeline
    finally:
        timeline.close()


@pytest.fixture
def read_models(app: TimelineApp, store_config: StoreConfig) -> Iterator[ReadModels]:
    """The views of `app`'s store, caught up by this process on both backends."""
    models = ReadModels(app, open_database(store_config), in_process=True)
    try:
        yield models
    finally:
        models.close()
