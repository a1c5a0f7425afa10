"""Touches to the OpenAPI document FastAPI builds, each for a reason it cannot see."""

from __future__ import annotations

from typing import Any

__all__ = ["parameters_as_sent"]

_NULL = {"type": "null"}


def parameters_as_sent(schema: dict[str, Any]) -> None:
    """Declare each optional parameter as it is accepted, not as `X | null`.

    A route's `int | None = None` means "may be absent", and FastAPI writes it
    as `anyOf: [X, {type: null}]`; but a query value or a header is text, and
    no text is null (`Last-Event-ID: null` is refused as 422). So the null
    member goes, and the parameter keeps `required: false`.
    """
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                kept = parameter.get("schema", {})
                members = kept.get("anyOf")
                if not members or _NULL not in members:
                    continue
                rest = [member for member in members if member != _NULL]
                del kept["anyOf"]
                if len(rest) == 1:
                    kept.update(rest[0])
                else:
                    kept["anyOf"] = rest
