"""A real, throwaway PostgreSQL server for the tests (`scripts.throwaway_postgres`),
without durability: nothing it holds outlives the test session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import uuid4

import psycopg

from scripts.throwaway_postgres import NO_DURABILITY, ThrowawayServer, throwaway_postgres

__all__ = ["PostgresServer", "postgres_server"]


@dataclass(frozen=True)
class PostgresServer:
    server: ThrowawayServer

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, dbname: str) -> str:
        return self.server.url(dbname)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test; dropped afterwards."""
        name = f"t_{uuid4().hex[:16]}"
        with self.admin() as db:
            db.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            with self.admin() as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    with throwaway_postgres(NO_DURABILITY) as server:
        yield PostgresServer(server)
