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
    # `project` starts a follower per view, and API workers start together: each
    # opens the store and runs the library's CREATE TABLE IF NOT EXISTS statements.
    for _ in range(3):
        with postgres.database() as url:
            env = store_env(url)

            def open_and_close(_: int) -> int:
                app = TimelineApp(env)
                try:
                    return app.head_position()
                finally:
                    app.close()

            with ThreadPoolExecutor(8) as pool:
                assert list(pool.map(open_and_close, range(8))) == [0] * 8
