"""Actors: people and organisations, with names, aliases and roles over time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

from domain.dates import EdtfDate, parse_edtf_date
from domain.errors import Conflict, ValidationError
from domain.values import (
    SEQUENCES,
    RoleHeld,
    actor_uuid,
    fold,
    optional_text,
    reject_unknown,
    require_bounded,
    require_mapping,
    require_slug,
    require_text,
    slugify,
    text_list,
)

__all__ = ["ACTOR_KINDS", "Actor", "ActorFields", "parse_actor", "parse_role"]

ACTOR_KINDS = ("person", "organization")


@dataclass(frozen=True)
class ActorFields:
    slug: str
    name: str
    kind: str
    aliases: list[str]
    roles: list[RoleHeld]


def parse_actor(body: Mapping[str, Any]) -> ActorFields:
    """Validate an actor body; the slug is derived from the name when absent."""
    body = require_mapping(body, "body")
    reject_unknown(body, ("id", "name", "kind", "aliases", "roles"), "")
    name = require_text(body.get("name"), "name", limit=300)
    kind = body.get("kind")
    if kind not in ACTOR_KINDS:
        raise ValidationError("kind", f"expected one of: {', '.join(ACTOR_KINDS)}")
    slug = body.get("id")
    slug = slugify(name) if slug is None else require_slug(slug, "id")
    if not slug:
        raise ValidationError("name", "needs at least one letter or digit to derive an id")
    aliases = text_list(body.get("aliases") or [], "aliases")
    roles = body.get("roles") or []
    if not isinstance(roles, SEQUENCES):
        raise ValidationError("roles", "expected a list of {title, organization?, start?, end?}")
    require_bounded(roles, "roles")
    return ActorFields(
        slug=slug,
        name=name,
        kind=str(kind),
        aliases=_unique(aliases),
        roles=[parse_role(r, f"roles.{i}") for i, r in enumerate(roles)],
    )


def parse_role(value: object, field: str) -> RoleHeld:
    data = require_mapping(value, field or "body")
    reject_unknown(data, ("title", "organization", "start", "end"), field)
    role: RoleHeld = {"title": require_text(data.get("title"), _at(field, "title"), limit=300)}
    organization = optional_text(data.get("organization"), _at(field, "organization"))
    if organization is not None:
        role["organization"] = organization
    start = _optional_date(data.get("start"), _at(field, "start"))
    end = _optional_date(data.get("end"), _at(field, "end"))
    if start is not None:
        role["start"] = start.text
    if end is not None:
        role["end"] = end.text
    if start is not None and end is not None and end.end < start.start:
        raise ValidationError(_at(field, "end"), "the role ends before it starts")
    return role


def _at(field: str, name: str) -> str:
    """`name` inside `field`: `roles.0.end`, or `end` where the role is the whole body."""
    return f"{field}.{name}" if field else name


def _optional_date(value: object, field: str) -> EdtfDate | None:
    return None if value is None else parse_edtf_date(value, field)


def _unique(texts: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for text in texts:
        if fold(text) not in seen:
            seen.add(fold(text))
            unique.append(text)
    return unique


class Actor(Aggregate):
    """A person or organisation; its aggregate id is derived from its slug."""

    class Registered(Aggregate.Created):
        slug: str
        name: str
        kind: str
        aliases: list[str]
        roles: list[RoleHeld]
        by: str
        idempotency_key: str | None

    class Renamed(Aggregate.Event):
        """Version 2 added `reason` and `kept_alias`: the old name, kept as an alias
        (None when an alias already held it). A version 1 rename kept no alias."""

        class_version = 2
        name: str
        by: str
        idempotency_key: str | None
        reason: str | None
        kept_alias: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None
            state["kept_alias"] = None

    class AliasAdded(Aggregate.Event):
        alias: str
        by: str
        idempotency_key: str | None

    class RoleAssumed(Aggregate.Event):
        role: RoleHeld
        by: str
        idempotency_key: str | None

    class RoleEnded(Aggregate.Event):
        title: str
        end: str
        by: str
        idempotency_key: str | None

    class MergedInto(Aggregate.Event):
        """Version 2 added `reason`."""

        class_version = 2
        target: str
        by: str
        idempotency_key: str | None
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    def __init__(
        self,
        slug: str,
        name: str,
        kind: str,
        aliases: list[str],
        roles: list[RoleHeld],
        by: str,
        idempotency_key: str | None,
    ) -> None:
        self.slug = slug
        self.name = name
        self.kind = kind
        self.aliases = aliases
        self.roles = roles
        self.merged_into: str | None = None

    @staticmethod
    def register(fields: ActorFields, *, by: str, idempotency_key: str | None = None) -> Actor:
        return Actor._create(
            Actor.Registered,
            id=actor_uuid(fields.slug),
            slug=fields.slug,
            name=fields.name,
            kind=fields.kind,
            aliases=fields.aliases,
            roles=fields.roles,
            by=by,
            idempotency_key=idempotency_key,
        )

    def rename(
        self,
        name: str,
        *,
        by: str,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change the display name from now on; the old name stays as an alias."""
        self._require_not_merged()
        name = require_text(name, "name", limit=300)
        reason = _optional_reason(reason)
        if name == self.name:
            raise ValidationError("name", "is already the actor's name")
        # The old name is kept unless an alias, or the new name, already holds it
        # (a rename that only fixes case or accents).
        held = {fold(a) for a in [name, *self.aliases]}
        kept = None if fold(self.name) in held else self.name
        self._renamed(
            name=name, by=by, idempotency_key=idempotency_key, reason=reason, kept_alias=kept
        )

    def add_alias(self, alias: str, *, by: str, idempotency_key: str | None = None) -> None:
        self._require_not_merged()
        alias = require_text(alias, "alias", limit=300)
        if fold(alias) in {fold(a) for a in [self.name, *self.aliases]}:
            raise ValidationError("alias", "the actor already has that name or alias")
        self._alias_added(alias=alias, by=by, idempotency_key=idempotency_key)

    def assume_role(self, role: object, *, by: str, idempotency_key: str | None = None) -> None:
        self._require_not_merged()
        # The role is the whole body of the route and of the import record.
        self._role_assumed(role=parse_role(role, ""), by=by, idempotency_key=idempotency_key)

    def end_role(
        self, title: str, end: str, *, by: str, idempotency_key: str | None = None
    ) -> None:
        """End an open role; raise Conflict when the actor holds no open role `title`."""
        self._require_not_merged()
        title = require_text(title, "title", limit=300)
        ended = parse_edtf_date(end, "end")
        open_roles = [r for r in self.roles if r["title"] == title and "end" not in r]
        if not open_roles:
            held = ", ".join(r["title"] for r in self.roles if "end" not in r) or "none"
            raise Conflict(f"actor {self.slug!r} holds no open role {title!r}; open roles: {held}")
        start = open_roles[0].get("start")
        if start is not None and ended.end < parse_edtf_date(start, "start").start:
            raise ValidationError("end", f"the role ends before it starts ({start})")
        self._role_ended(title=title, end=ended.text, by=by, idempotency_key=idempotency_key)

    def merge_into(
        self,
        target: Actor,
        *,
        by: str,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Mark this actor a duplicate of `target`; raise Conflict when either is
        merged already or they are the same actor."""
        self._require_not_merged()
        reason = _optional_reason(reason)
        if target.id == self.id:
            raise Conflict(f"actor {self.slug!r} cannot be merged into itself")
        if target.merged_into is not None:
            raise Conflict(
                f"actor {target.slug!r} was itself merged into {target.merged_into!r}; "
                f"merge into {target.merged_into!r} instead"
            )
        self._merged_into(
            target=target.slug, by=by, idempotency_key=idempotency_key, reason=reason
        )

    def _require_not_merged(self) -> None:
        if self.merged_into is not None:
            raise Conflict(
                f"actor {self.slug!r} was merged into {self.merged_into!r}; change that one"
            )

    @event(Renamed)
    def _renamed(
        self,
        name: str,
        by: str,
        idempotency_key: str | None,
        reason: str | None,
        kept_alias: str | None,
    ) -> None:
        self.name = name
        if kept_alias is not None:
            self.aliases = [*self.aliases, kept_alias]

    @event(AliasAdded)
    def _alias_added(self, alias: str, by: str, idempotency_key: str | None) -> None:
        self.aliases = [*self.aliases, alias]

    @event(RoleAssumed)
    def _role_assumed(self, role: RoleHeld, by: str, idempotency_key: str | None) -> None:
        self.roles = [*self.roles, role]

    @event(RoleEnded)
    def _role_ended(self, title: str, end: str, by: str, idempotency_key: str | None) -> None:
        roles = []
        for role in self.roles:
            if role["title"] == title and "end" not in role:
                role = role.copy()
                role["end"] = end
            roles.append(role)
        self.roles = roles

    @event(MergedInto)
    def _merged_into(
        self, target: str, by: str, idempotency_key: str | None, reason: str | None
    ) -> None:
        self.merged_into = target


def _optional_reason(value: object) -> str | None:
    return None if value is None else require_text(value, "reason")
