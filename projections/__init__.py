"""Read models built from the event log: timelines, actor histories, versions, search.

`ReadModels` (`projections.read_models`) holds the read side: the views'
database (the store's own SQLite file or PostgreSQL database), the projector
that keeps them up with the log, and the queries the API asks.
`projections.bootstrap` builds it, with the write service, for the API and
every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.lazy import lazy_names

if TYPE_CHECKING:
    from projections.audit.ledger import Ledger
    from projections.database import Database, RebuildRunning
    from projections.dialect import Dialect
    from projections.projector import VIEW_CLASSES, Projector, RebuildReport
    from projections.queries import AsOf, Page, Queries, Tally, TimelineFilters, ViewsBehind
    from projections.read_models import ReadModels, ViewLag
    from projections.trust.checkpoints import SignedCheckpoints
    from projections.trust.signer import CheckpointSigner
    from projections.views.view import View

__all__ = [
    "VIEW_CLASSES",
    "AsOf",
    "CheckpointSigner",
    "Database",
    "Dialect",
    "Ledger",
    "Page",
    "Projector",
    "Queries",
    "ReadModels",
    "RebuildReport",
    "RebuildRunning",
    "SignedCheckpoints",
    "Tally",
    "TimelineFilters",
    "View",
    "ViewLag",
    "ViewsBehind",
]

# Each name's module, imported when the name is first asked for, as in `domain`:
# a module of the package (the views' database, the signer) is then imported
# without the projector and the write side's classes it reads the log with.
_HOMES: dict[str, str] = {
    "AsOf": "projections.queries",
    "CheckpointSigner": "projections.trust.signer",
    "Database": "projections.database",
    "Dialect": "projections.dialect",
    "Ledger": "projections.audit.ledger",
    "Page": "projections.queries",
    "Projector": "projections.projector",
    "Queries": "projections.queries",
    "ReadModels": "projections.read_models",
    "RebuildReport": "projections.projector",
    "RebuildRunning": "projections.database",
    "SignedCheckpoints": "projections.trust.checkpoints",
    "Tally": "projections.queries",
    "TimelineFilters": "projections.queries",
    "VIEW_CLASSES": "projections.projector",
    "View": "projections.views.view",
    "ViewLag": "projections.read_models",
    "ViewsBehind": "projections.queries",
}


__getattr__ = lazy_names(__name__, _HOMES)
