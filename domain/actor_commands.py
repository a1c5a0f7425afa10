"""The changes to an existing actor, each defined once: its payload and its decision.

The payload is what the command's idempotency key is held to; the decision is
what it does to the Actor aggregate. The write service (`TimelineApp`) runs a
command on the actor in the store and saves it; `import --dry-run`
(`domain.import_check`) runs the same command on a copy held in memory, so a
rule changed here holds in both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from domain.actors import Actor
from domain.errors import ActorNotFound, UnknownReference

__all__ = [
    "ActorCommand",
    "CommonArgs",
    "FindActor",
    "add_alias",
    "assume_role",
    "end_role",
    "merge_actor",
    "rename_actor",
]

FindActor = Callable[[str], Actor]
"""The registered actor a slug names, as the runner holds it; raise ActorNotFound."""


class CommonArgs(TypedDict):
    """What every actor command takes besides the actor and its own fields."""

    expected_version: int | None
    by: str
    idempotency_key: str | None


@dataclass(frozen=True)
class ActorCommand:
    """One change to the actor `slug`, by `by`, ready to run."""

    name: str  # the command, as its idempotency key's fingerprint names it
    slug: str
    fields: Mapping[str, Any]  # the payload besides `id` and `expected_version`
    expected_version: int | None
    by: str
    idempotency_key: str | None
    decide: Callable[[Actor, FindActor], None]  # applied after the version check
    described: str  # what it does, in words: the dry run's plan

    @property
    def payload(self) -> dict[str, Any]:
        """What the idempotency key is held to, with the command's name."""
        return {"id": self.slug, **self.fields, "expected_version": self.expected_version}


def rename_actor(
    slug: str,
    name: str,
    *,
    by: str,
    reason: str | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> ActorCommand:
    """Change the actor's display name; the old one stays as an alias."""
    return ActorCommand(
        "rename_actor",
        slug,
        {"name": name, "reason": reason},
        expected_version,
        by,
        idempotency_key,
        lambda actor, _: actor.rename(name, by=by, reason=reason, idempotency_key=idempotency_key),
        f"rename actor {slug!r} to {name!r}",
    )


def add_alias(
    slug: str,
    alias: str,
    *,
    by: str,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> ActorCommand:
    """Add another name the actor is known by."""
    return ActorCommand(
        "add_alias",
        slug,
        {"alias": alias},
        expected_version,
        by,
        idempotency_key,
        lambda actor, _: actor.add_alias(alias, by=by, idempotency_key=idempotency_key),
        f"add alias {alias!r} to actor {slug!r}",
    )


def assume_role(
    slug: str,
    role: Mapping[str, Any],
    *,
    by: str,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> ActorCommand:
    """Record a role the actor took: `{title, organization?, start?, end?}`."""
    return ActorCommand(
        "assume_role",
        slug,
        {"role": role},
        expected_version,
        by,
        idempotency_key,
        lambda actor, _: actor.assume_role(role, by=by, idempotency_key=idempotency_key),
        f"give actor {slug!r} the role {role.get('title')!r}",
    )


def end_role(
    slug: str,
    title: str,
    end: str,
    *,
    by: str,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> ActorCommand:
    """End an open role; the decision raises Conflict when the actor holds none of that title."""
    return ActorCommand(
        "end_role",
        slug,
        {"title": title, "end": end},
        expected_version,
        by,
        idempotency_key,
        lambda actor, _: actor.end_role(title, end, by=by, idempotency_key=idempotency_key),
        f"end the role {title!r} of actor {slug!r}",
    )


def merge_actor(
    slug: str,
    into: str,
    *,
    by: str,
    reason: str | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> ActorCommand:
    """Mark `slug` a duplicate of `into`; the decision raises UnknownReference for an
    unregistered `into`, Conflict for a merge into itself or into (or of) an actor
    merged already."""

    def merge(actor: Actor, find: FindActor) -> None:
        try:
            target = find(into)
        except ActorNotFound:
            raise UnknownReference(
                "into", f"no actor {into!r} is registered; register it first"
            ) from None
        actor.merge_into(target, by=by, reason=reason, idempotency_key=idempotency_key)

    return ActorCommand(
        "merge_actor",
        slug,
        {"into": into, "reason": reason},
        expected_version,
        by,
        idempotency_key,
        merge,
        f"merge actor {slug!r} into {into!r}",
    )
