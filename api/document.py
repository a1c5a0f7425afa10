"""Touches to the OpenAPI document FastAPI builds, each for a reason it cannot see."""

from __future__ import annotations

from typing import Any

__all__ = ["parameters_as_sent"]

_NULL = {"type": "null"}
# What api.controls refuses, said where a client can read it: no C0 control
# character in a path parameter; tab and newline allowed in a query value.
_NO_CONTROL = {"path": r"^[^\x00-\x1f]*$", "query": r"^[^\x00-\x08\x0b-\x1f]*$"}


def parameters_as_sent(schema: dict[str, Any]) -> None:
    """Declare each optional parameter as it is accepted, not as `X | null`.

    A route's `int | None = None` means "may be absent", and FastAPI writes it
    as `anyOf: [X, {type: null}]`; but a query value or a header is text, and
    no text is null (`Last-Event-ID: null` is refused as 422). So the null
    member goes, and the parameter keeps `required: false`.

    A text parameter without a pattern of its own gets one saying which
    control characters are refused (api.controls refuses them before any
    route reads the parameter); the patterns there (slugs) exclude them already.
    """
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                kept = parameter.get("schema", {})
                _say_control_characters_refused(parameter["in"], kept)
                members = kept.get("anyOf")
                if not members or _NULL not in members:
                    continue
                rest = [member for member in members if member != _NULL]
                del kept["anyOf"]
                if len(rest) == 1:
                    kept.update(rest[0])
                else:
                    kept["anyOf"] = rest


def _say_control_characters_refused(place: str, kept: dict[str, Any]) -> None:
    pattern = _NO_CONTROL.get(place)
    if pattern is None or "pattern" in kept:
        return
    if kept.get("type") == "string":
        kept["pattern"] = pattern
    for member in kept.get("anyOf", ()):
        if member.get("type") == "string" and "pattern" not in member:
            member["pattern"] = pattern
