"""The actor directory: current names, aliases and roles, found accent-blind.

Look-up folds case and accents on both sides, so "lopez obrador" finds
"Andrés Manuel López Obrador" and "amlo" finds the actor aliased AMLO.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from domain.values import fold
from projections.changes import Change
from projections.database import Cursor
from projections.view import View

__all__ = ["ActorDirectoryView", "folded_names"]


def folded_names(body: dict[str, Any]) -> str:
    """The searchable text of an actor: its slug, name and aliases, folded, one a line."""
    return "\n".join(fold(text) for text in [body["id"], body["name"], *body["aliases"]])


class ActorDirectoryView(View):
    name = "actors"
    tables = ("actor_directory",)

    def create_statements(self, token: str) -> list[str]:
        table = self.t("actor_directory")
        return [
            f"CREATE TABLE {table} ("
            "actor_id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, folded TEXT NOT NULL, "
            f"version INTEGER NOT NULL, body {self.blob} NOT NULL)"
        ]

    def ordered_tables(self) -> list[tuple[str, str]]:
        return [("actor_directory", "slug")]

    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        table = self.t("actor_directory")
        bodies: dict[str, dict[str, Any]] = {}
        created: set[str] = set()
        for change in changes:
            if not change.is_actor:
                continue
            actor = change.originator_id
            state = change.state
            if change.event == "Registered":
                bodies[actor] = {
                    "id": state["slug"],
                    "name": state["name"],
                    "kind": state["kind"],
                    "aliases": state["aliases"],
                    "roles": state["roles"],
                    "merged_into": None,
                    "version": change.version,
                    "position": change.position,
                    "registered_at": change.recorded_at,
                }
                created.add(actor)
                continue
            body = bodies.get(actor) or self._load(c, table, change)
            bodies[actor] = _evolve(body, change)
        for actor, body in bodies.items():
            row = (fold_body := folded_names(body), body["version"], orjson.dumps(body))
            if actor in created:
                c.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)", (actor, body["id"], *row))
            else:
                c.execute(
                    f"UPDATE {table} SET folded = ?, version = ?, body = ? WHERE actor_id = ?",
                    (fold_body, body["version"], row[2], actor),
                )

    def _load(self, c: Cursor, table: str, change: Change) -> dict[str, Any]:
        row = self.fetch_state(
            c,
            f"SELECT body FROM {table} WHERE actor_id = ?",
            (change.originator_id,),
            f"actor {change.originator_id} for the event at position {change.position}",
        )
        body: dict[str, Any] = orjson.loads(bytes(row[0]))
        return body


def _evolve(body: dict[str, Any], change: Change) -> dict[str, Any]:
    state = change.state
    event = change.event
    following = dict(body)
    if event == "Renamed":
        following["name"] = state["name"]
    elif event == "AliasAdded":
        following["aliases"] = [*body["aliases"], state["alias"]]
    elif event == "RoleAssumed":
        following["roles"] = [*body["roles"], state["role"]]
    elif event == "RoleEnded":
        following["roles"] = [
            {**role, "end": state["end"]}
            if role["title"] == state["title"] and "end" not in role
            else role
            for role in body["roles"]
        ]
    elif event == "MergedInto":
        following["merged_into"] = state["target"]
    else:
        raise ValueError(f"the actor directory has no rule for {change.topic!r}")
    following["version"] = change.version
    following["position"] = change.position
    return following
