from __future__ import annotations

from pathlib import Path

import pytest

from domain import StoreURLError, store_env


def test_the_default_sqlite_url_is_a_path_relative_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = store_env("sqlite:///var/timeline.db")
    assert env["SQLITE_DBNAME"] == "var/timeline.db"
    assert (tmp_path / "var").is_dir()


def test_an_absolute_sqlite_path_keeps_its_leading_slash(tmp_path: Path) -> None:
    env = store_env(f"sqlite:///{tmp_path}/x.db")
    assert env["SQLITE_DBNAME"] == f"{tmp_path}/x.db"


def test_a_postgresql_url_becomes_the_library_settings() -> None:
    env = store_env("postgresql://alice:s%40cret@db.internal:6543/timeline?schema=news")
    assert env["PERSISTENCE_MODULE"] == "domain.store.postgres:PostgresStore"
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("alice", "s@cret")
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.internal", "6543")
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"]) == ("timeline", "news")


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "postgresql://host:5432/", "x"])
def test_an_unsupported_url_says_what_is_accepted(url: str) -> None:
    with pytest.raises(StoreURLError, match="accepted: sqlite:///PATH"):
        store_env(url)
