"""Actor versions and merges: every event on an actor, and which actor became which.

`actor_versions` lists each event on an actor as its history shows it
(`GET /actors/{id}/versions`). `actor_merges` holds one row per merge: the
duplicate's slug, the survivor's and the log position of the merge. The
queries resolve an actor through it as of any position, so an actor's
history, the timeline's `actor=` filter and the actor's page take in its
duplicates from the merge on, and not before.

One view holds both because a merge names the duplicate by its aggregate id
only, and this view knows each actor's slug from its first version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from domain import Actor, Entry, Source
from projections.database import Cursor
from projections.views.changes import Change
from projections.views.handlers import Handlers
from projections.views.view import View

__all__ = ["EVENT_NAMES", "ActorVersionsView", "version_item"]


def _registered(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": state["slug"],
        "name": state["name"],
        "kind": state["kind"],
        "aliases": state["aliases"],
        "roles": state["roles"],
    }


def _renamed(state: dict[str, Any]) -> dict[str, Any]:
    kept = state["kept_alias"]
    return {"name": state["name"]} if kept is None else {"name": state["name"], "aliases": [kept]}


# Each event's name in an actor's versions, and the `changes` it lists there.
_VERSIONS: dict[type[Any], tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    Actor.Registered: ("registered", _registered),
    Actor.Renamed: ("renamed", _renamed),
    Actor.AliasAdded: ("alias_added", lambda state: {"aliases": [state["alias"]]}),
    Actor.RoleAssumed: ("role_assumed", lambda state: {"roles": [state["role"]]}),
    Actor.RoleEnded: (
        "role_ended",
        lambda state: {"roles": [{"title": state["title"], "end": state["end"]}]},
    ),
    Actor.MergedInto: ("merged", lambda state: {"merged_into": state["target"]}),
}
EVENT_NAMES = tuple(name for name, _ in _VERSIONS.values())
"""Every `event` an actor's versions may name."""


def version_item(change: Change) -> dict[str, Any]:
    """One line of an actor's versions: who did what, when, why."""
    event, changes = _VERSIONS[change.event_class]
    state = change.state
    return {
        "version": change.version,
        "event": event,
        "recorded_at": change.recorded_at,
        "by": state["by"],
        "reason": state.get("reason"),
        "changes": changes(state),
        "position": change.position,
    }


@dataclass
class _Rows:
    """What a batch writes: version rows, merge rows, and the slugs it registered."""

    view: ActorVersionsView
    c: Cursor
    versions: list[tuple[Any, ...]] = field(default_factory=list)
    merges: list[tuple[str, str, int]] = field(default_factory=list)
    slugs: dict[str, str] = field(default_factory=dict)


def _version(rows: _Rows, change: Change) -> None:
    item = version_item(change)
    rows.versions.append(
        (change.originator_id, change.version, change.position, orjson.dumps(item))
    )
    if change.version == 1:
        rows.slugs[change.originator_id] = change.state["slug"]


def _merged(rows: _Rows, change: Change) -> None:
    _version(rows, change)
    actor = change.originator_id
    slug = rows.slugs.get(actor) or rows.view.slug_of(rows.c, change)
    rows.merges.append((slug, change.state["target"], change.position))


HANDLERS = Handlers[_Rows](
    "actor_versions",
    {**dict.fromkeys(_VERSIONS, _version), Actor.MergedInto: _merged},
    ignore=(Entry.Event, Source.Event),
)


class ActorVersionsView(View):
    name = "actor_versions"
    tables = ("actor_versions", "actor_merges")
    events = HANDLERS

    def create_statements(self, token: str) -> list[str]:
        versions, merges = self.t("actor_versions"), self.t("actor_merges")
        return [
            f"CREATE TABLE {versions} ("
            "actor_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, "
            f"item {self.blob} NOT NULL, PRIMARY KEY (actor_id, version))",
            # A duplicate is merged once (the domain refuses a second merge).
            f"CREATE TABLE {merges} (slug TEXT PRIMARY KEY, survivor TEXT NOT NULL, "
            "position BIGINT NOT NULL)",
        ]

    def read_index_statements(self, token: str) -> list[str]:
        merges = self.t("actor_merges")
        return [f"CREATE INDEX ix_{merges}_survivor_{token} ON {merges} (survivor, position)"]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [("actor_versions", "actor_id, version"), ("actor_merges", "slug")]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        rows = _Rows(self, c)
        for change in changes:
            HANDLERS(rows, change)
        if rows.versions:
            c.executemany(
                f"INSERT INTO {self.t('actor_versions')} VALUES (?, ?, ?, ?)", rows.versions
            )
        if rows.merges:
            c.executemany(f"INSERT INTO {self.t('actor_merges')} VALUES (?, ?, ?)", rows.merges)

    def slug_of(self, c: Cursor, change: Change) -> str:
        """The slug of the actor `change` is on, from its first version."""
        row = self.fetch_state(
            c,
            f"SELECT item FROM {self.t('actor_versions')} WHERE actor_id = ? AND version = 1",
            (change.originator_id,),
            f"actor {change.originator_id} for the event at position {change.position}",
        )
        item: dict[str, Any] = orjson.loads(bytes(row[0]))
        slug: str = item["changes"]["id"]
        return slug
