"""The actor directory: current names, aliases and roles, found accent-blind.

Look-up folds case and accents, and drops format characters such as the
zero-width space, on both sides, so "lopez obrador" finds
"Andrés Manuel López Obrador" and "amlo" finds the actor aliased AMLO. It also
compares transliterations (`domain.values.search_key`), so "zelensky" finds
"Володимир Зеленський" and "xi jinping" finds "习近平".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from domain import Actor, Entry, Source
from domain.values import search_fold, search_key
from projections.database import Cursor
from projections.views.changes import Change
from projections.views.handlers import Handlers
from projections.views.view import View

__all__ = ["ActorDirectoryView", "folded_names"]


def folded_names(body: dict[str, Any]) -> str:
    """The searchable text of an actor, one a line: its slug, name and aliases
    folded for search (`domain.values.search_fold`), then the name's and each
    alias's `search_key`."""
    names = [body["name"], *body["aliases"]]
    return "\n".join(
        [*(search_fold(text) for text in [body["id"], *names]), *map(search_key, names)]
    )


@dataclass
class _Bodies:
    """The actors a batch touches: each one's body as it now stands."""

    view: ActorDirectoryView
    c: Cursor
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)


def _registered(batch: _Bodies, change: Change) -> None:
    state = change.state
    batch.bodies[change.originator_id] = {
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
    batch.created.add(change.originator_id)


ActorHandler = Callable[[_Bodies, Change], None]


def _changed(sets: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]) -> ActorHandler:
    """A handler that sets what `sets(body, state)` returns, then the version and position."""

    def handle(batch: _Bodies, change: Change) -> None:
        actor = change.originator_id
        body = batch.bodies.get(actor) or batch.view._load(batch.c, change)
        batch.bodies[actor] = {
            **body,
            **sets(body, change.state),
            "version": change.version,
            "position": change.position,
        }

    return handle


def _renamed(body: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    kept = state["kept_alias"]
    aliases = body["aliases"] if kept is None else [*body["aliases"], kept]
    return {"name": state["name"], "aliases": aliases}


def _role_ended(body: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    return {
        "roles": [
            {**role, "end": state["end"]}
            if role["title"] == state["title"] and "end" not in role
            else role
            for role in body["roles"]
        ]
    }


HANDLERS = Handlers[_Bodies](
    "actors",
    {
        Actor.Registered: _registered,
        Actor.Renamed: _changed(_renamed),
        Actor.AliasAdded: _changed(
            lambda body, state: {"aliases": [*body["aliases"], state["alias"]]}
        ),
        Actor.RoleAssumed: _changed(
            lambda body, state: {"roles": [*body["roles"], state["role"]]}
        ),
        Actor.RoleEnded: _changed(_role_ended),
        Actor.MergedInto: _changed(lambda body, state: {"merged_into": state["target"]}),
    },
    ignore=(Entry.Event, Source.Event),
)


class ActorDirectoryView(View):
    name = "actors"
    tables = ("actor_directory",)
    events = HANDLERS
    shape = 2
    """2: `folded` holds the transliterations too."""

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
        batch = _Bodies(self, c)
        for change in changes:
            HANDLERS(batch, change)
        for actor, body in batch.bodies.items():
            row = (fold_body := folded_names(body), body["version"], orjson.dumps(body))
            if actor in batch.created:
                c.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)", (actor, body["id"], *row))
            else:
                c.execute(
                    f"UPDATE {table} SET folded = ?, version = ?, body = ? WHERE actor_id = ?",
                    (fold_body, body["version"], row[2], actor),
                )

    def reshape(self, c: Cursor, stored: int) -> None:
        """Refill `folded` from each body in place: it depends on nothing else, so
        the directory need not be rebuilt from the log."""
        table = self.t("actor_directory")
        c.execute(f"SELECT actor_id, body FROM {table}")
        for actor, body in c.fetchall():
            c.execute(
                f"UPDATE {table} SET folded = ? WHERE actor_id = ?",
                (folded_names(orjson.loads(bytes(body))), actor),
            )

    def _load(self, c: Cursor, change: Change) -> dict[str, Any]:
        row = self.fetch_state(
            c,
            f"SELECT body FROM {self.t('actor_directory')} WHERE actor_id = ?",
            (change.originator_id,),
            f"actor {change.originator_id} for the event at position {change.position}",
        )
        body: dict[str, Any] = orjson.loads(bytes(row[0]))
        return body
