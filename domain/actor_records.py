"""Changes to an actor as records: the bodies the API's actor routes take, plus the actor's id.

One reading of each body, shared by `import` (record types `rename`, `alias`,
`role`, `role_end`, `merge`) and the `policy-timeline actors` commands, so
a file and a command line accept the same thing as the HTTP routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.application import CommandResult, TimelineApp
from domain.errors import ValidationError
from domain.values import reject_unknown, require_mapping, require_slug

__all__ = ["ACTOR_RECORD_TYPES", "apply_actor_record"]

Run = Callable[[TimelineApp, str, Mapping[str, Any], str, str | None], CommandResult]


def _rename(
    app: TimelineApp, slug: str, body: Mapping[str, Any], by: str, key: str | None
) -> CommandResult:
    return app.rename_actor(
        slug,
        body.get("name"),  # type: ignore[arg-type]  # the domain checks it is text
        reason=body.get("reason"),
        expected_version=body.get("expected_version"),
        by=by,
        idempotency_key=key,
    )


def _alias(
    app: TimelineApp, slug: str, body: Mapping[str, Any], by: str, key: str | None
) -> CommandResult:
    return app.add_alias(
        slug,
        body.get("alias"),  # type: ignore[arg-type]
        expected_version=body.get("expected_version"),
        by=by,
        idempotency_key=key,
    )


def _role(
    app: TimelineApp, slug: str, body: Mapping[str, Any], by: str, key: str | None
) -> CommandResult:
    if body.get("start") is None:
        raise ValidationError("start", "expected the EDTF date the role began, e.g. 2021-02-02")
    role = {name: body[name] for name in ("title", "organization", "start", "end") if name in body}
    return app.assume_role(
        slug, role, expected_version=body.get("expected_version"), by=by, idempotency_key=key
    )


def _role_end(
    app: TimelineApp, slug: str, body: Mapping[str, Any], by: str, key: str | None
) -> CommandResult:
    return app.end_role(
        slug,
        body.get("title"),  # type: ignore[arg-type]
        body.get("end"),  # type: ignore[arg-type]
        expected_version=body.get("expected_version"),
        by=by,
        idempotency_key=key,
    )


def _merge(
    app: TimelineApp, slug: str, body: Mapping[str, Any], by: str, key: str | None
) -> CommandResult:
    if body.get("reason") is None:
        raise ValidationError("reason", "expected why the actor is a duplicate")
    return app.merge_actor(
        slug,
        require_slug(body.get("into"), "into"),
        reason=body.get("reason"),
        expected_version=body.get("expected_version"),
        by=by,
        idempotency_key=key,
    )


# Each record type: its fields besides `id` and `expected_version`, and its command.
_RECORDS: dict[str, tuple[tuple[str, ...], Run]] = {
    "rename": (("name", "reason"), _rename),
    "alias": (("alias",), _alias),
    "role": (("title", "organization", "start", "end"), _role),
    "role_end": (("title", "end"), _role_end),
    "merge": (("into", "reason"), _merge),
}
ACTOR_RECORD_TYPES = tuple(_RECORDS)
"""The record types that change an existing actor."""


def apply_actor_record(
    app: TimelineApp,
    kind: str,
    body: Mapping[str, Any],
    *,
    by: str,
    idempotency_key: str | None = None,
) -> CommandResult:
    """Run the change `kind` (one of ACTOR_RECORD_TYPES) that `body` describes on the
    actor `body["id"]`; raise ValidationError, ActorNotFound or Conflict as the command does.
    """
    fields, run = _RECORDS[kind]
    body = require_mapping(body, "body")
    reject_unknown(body, ("id", *fields, "expected_version"), "")
    slug = require_slug(body.get("id"), "id")
    return run(app, slug, body, by, idempotency_key)
