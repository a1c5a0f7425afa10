"""Opening a store creates its tables: many openers at once must not trip on each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from domain import TimelineApp, store_env
from tests.postgres import PostgresServer


@pytest.mark.postgres
def test_many_processes_opening_a_new_postgresql_store_at_once_all_succeed(
    postgres: PostgresServer,
) -> None:
    # `project` starts its followers, and API workers start together: each
    # opens the store and runs the library's CREATE TABLE IF NOT EXISTS statements.
    for _ in range(3):
        with postgres.database() as url, ThreadPoolExecutor(8) as pool:
            assert list(pool.map(_open_and_close, [store_env(url)] * 8)) == [0] * 8


def _open_and_close(env: dict[str, str]) -> int:
    app = TimelineApp(env)
    try:
        return app.head_position()
    finally:
        app.close()
