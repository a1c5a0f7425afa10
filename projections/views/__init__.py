"""The read models: tracking views over tables of their own, one class each.

- `view`: `View`, the base every view derives from (the audit ledger's too):
  rows and tracking position commit in one transaction.
- `handlers`: a view's handler table, keyed by the domain's event classes.
- `changes`: stored events decoded as the views see them (orjson alone).
- `entries`: an entry as the read side returns it, and how each event evolves it.
- `timeline`, `history`, `actors`, `coactors`, `references`: the five read models
  (`TimelineView`, `EntryHistoryView`, `ActorDirectoryView`, `CoActorView`,
  `ReferencesView`: sources, who cites them, and links between entries).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.lazy import lazy_names

if TYPE_CHECKING:
    from projections.views.actors import ActorDirectoryView
    from projections.views.changes import Change
    from projections.views.coactors import CoActorView
    from projections.views.handlers import Handlers
    from projections.views.history import EntryHistoryView
    from projections.views.references import ReferencesView
    from projections.views.timeline import TimelineView
    from projections.views.view import View

__all__ = [
    "ActorDirectoryView",
    "Change",
    "CoActorView",
    "EntryHistoryView",
    "Handlers",
    "ReferencesView",
    "TimelineView",
    "View",
]

# Imported on first use, as in `projections`: a light module of the package
# (`packing`) comes without the views' handler tables, which are keyed by the
# write side's event classes.
_HOMES: dict[str, str] = {
    "ActorDirectoryView": "projections.views.actors",
    "Change": "projections.views.changes",
    "CoActorView": "projections.views.coactors",
    "EntryHistoryView": "projections.views.history",
    "Handlers": "projections.views.handlers",
    "ReferencesView": "projections.views.references",
    "TimelineView": "projections.views.timeline",
    "View": "projections.views.view",
}

__getattr__ = lazy_names(__name__, _HOMES)
