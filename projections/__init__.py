"""Read models built from the event log: timelines, actor histories, versions, search.

`ReadModels` is the read side's composition root: the views' database (the
store's own SQLite file or PostgreSQL database), the projector that keeps
them up with the log, and the queries the API asks.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import TimelineApp
from projections.database import Database, RebuildRunning, open_database
from projections.projector import VIEW_CLASSES, Projector, RebuildReport
from projections.queries import AsOf, Page, Queries, TimelineFilters
from projections.view import View

__all__ = [
    "VIEW_CLASSES",
    "AsOf",
    "Database",
    "Page",
    "Projector",
    "Queries",
    "ReadModels",
    "RebuildReport",
    "RebuildRunning",
    "TimelineFilters",
    "View",
    "open_database",
]


class ReadModels:
    """The views of one store, kept up with its log, and the questions asked of them.

    `in_process` (the default on SQLite) makes this process apply new events
    itself, after writes and before reads that wait; without it (the default
    on PostgreSQL) `policy-timeline project` does, and readers wait for it.
    """

    def __init__(
        self, app: TimelineApp, env: Mapping[str, str], *, in_process: bool | None = None
    ) -> None:
        self.db = open_database(env)
        self.projector = Projector(app, self.db)
        self.queries = Queries(self.db)
        self.in_process = self.db.dialect == "sqlite" if in_process is None else in_process
        self.projector.create()
        if self.in_process:
            self.projector.catch_up()

    def written(self) -> None:
        """Call after a write: on SQLite the views catch up now."""
        if self.in_process:
            self.projector.catch_up()

    def wait_for(self, position: int, timeout: float = 5.0) -> int:
        """Block until the views reflect `position`; raise TimeoutError."""
        return self.projector.wait_for(position, timeout, in_process=self.in_process)

    def close(self) -> None:
        self.db.close()
