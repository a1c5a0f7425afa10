"""Changes to an actor as records: the bodies the API's actor routes take, plus the actor's id.

One reading of each body, shared by `import` (record types `rename`, `alias`,
`role`, `role_end`, `merge`) and the `policy-timeline actors` commands, so
a file and a command line accept the same thing as the HTTP routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain import actor_commands
from domain.actor_commands import ActorCommand, CommonArgs
from domain.application import CommandResult, TimelineApp
from domain.errors import ValidationError
from domain.values import reject_unknown, require_mapping, require_slug

__all__ = ["ACTOR_RECORD_TYPES", "apply_actor_record", "read_actor_record"]


Read = Callable[[str, Mapping[str, Any], CommonArgs], ActorCommand]


def _given(body: Mapping[str, Any], name: str) -> Any:
    """The field as written, None when absent: the domain checks its type."""
    return body.get(name)


def _rename(slug: str, body: Mapping[str, Any], common: CommonArgs) -> ActorCommand:
    name, reason = _given(body, "name"), body.get("reason")
    return actor_commands.rename_actor(slug, name, reason=reason, **common)


def _alias(slug: str, body: Mapping[str, Any], common: CommonArgs) -> ActorCommand:
    return actor_commands.add_alias(slug, _given(body, "alias"), **common)


def _role(slug: str, body: Mapping[str, Any], common: CommonArgs) -> ActorCommand:
    if body.get("start") is None:
        raise ValidationError("start", "expected the EDTF date the role began, e.g. 2021-02-02")
    role = {name: body[name] for name in ("title", "organization", "start", "end") if name in body}
    return actor_commands.assume_role(slug, role, **common)


def _role_end(slug: str, body: Mapping[str, Any], common: CommonArgs) -> ActorCommand:
    title, end = _given(body, "title"), _given(body, "end")
    return actor_commands.end_role(slug, title, end, **common)


def _merge(slug: str, body: Mapping[str, Any], common: CommonArgs) -> ActorCommand:
    if body.get("reason") is None:
        raise ValidationError("reason", "expected why the actor is a duplicate")
    into = require_slug(body.get("into"), "into")
    return actor_commands.merge_actor(slug, into, reason=body.get("reason"), **common)


# Each record type: its fields besides `id` and `expected_version`, and its command.
_RECORDS: dict[str, tuple[tuple[str, ...], Read]] = {
    "rename": (("name", "reason"), _rename),
    "alias": (("alias",), _alias),
    "role": (("title", "organization", "start", "end"), _role),
    "role_end": (("title", "end"), _role_end),
    "merge": (("into", "reason"), _merge),
}
ACTOR_RECORD_TYPES = tuple(_RECORDS)
"""The record types that change an existing actor."""


def read_actor_record(
    kind: str, body: Mapping[str, Any], *, by: str, idempotency_key: str | None = None
) -> ActorCommand:
    """The change `kind` (one of ACTOR_RECORD_TYPES) that `body` describes on the actor
    `body["id"]`, ready to run; raise ValidationError for a body it cannot read.
    """
    fields, read = _RECORDS[kind]
    body = require_mapping(body, "body")
    reject_unknown(body, ("id", *fields, "expected_version"), "")
    slug = require_slug(body.get("id"), "id")
    common = CommonArgs(
        expected_version=body.get("expected_version"), by=by, idempotency_key=idempotency_key
    )
    return read(slug, body, common)


def apply_actor_record(
    app: TimelineApp,
    kind: str,
    body: Mapping[str, Any],
    *,
    by: str,
    idempotency_key: str | None = None,
) -> CommandResult:
    """Run the change `kind` that `body` describes (`read_actor_record`); raise
    ValidationError, ActorNotFound or Conflict as the command does.
    """
    return app.change_actor(read_actor_record(kind, body, by=by, idempotency_key=idempotency_key))
