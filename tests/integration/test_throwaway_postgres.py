"""The throwaway PostgreSQL server the soak and the tests share: it runs with the
settings it is given, durable unless told otherwise, and leaves nothing behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg
import pytest

from scripts.throwaway_postgres import throwaway_postgres
from tests.postgres import PostgresServer

pytestmark = pytest.mark.postgres


def _setting(url: str, name: str) -> str:
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(f"SHOW {name}").fetchone()
    assert row is not None
    return str(row[0])


def test_a_server_runs_with_its_settings_and_is_removed_afterwards() -> None:
    with throwaway_postgres({"max_connections": "37"}, prefix="timeline-pg-check-") as server:
        url = server.url()
        settings = {name: _setting(url, name) for name in ("max_connections", "fsync")}
        folders = list(Path(tempfile.gettempdir()).glob("timeline-pg-check-*"))
    assert settings == {"max_connections": "37", "fsync": "on"}
    assert folders
    assert not any(folder.exists() for folder in folders)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2).close()


def test_the_tests_server_does_not_wait_for_the_disk(postgres: PostgresServer) -> None:
    url = postgres.url("postgres")
    assert (_setting(url, "fsync"), _setting(url, "synchronous_commit")) == ("off", "off")
