"""Reading the read side's pre-serialized answers back in tests."""

from __future__ import annotations

from typing import Any

import orjson

from projections import Page


def loads(raw: bytes) -> dict[str, Any]:
    item: dict[str, Any] = orjson.loads(raw)
    return item


def items(page: Page) -> list[dict[str, Any]]:
    return [loads(raw) for raw in page.items]


def ids(page: Page) -> list[str]:
    return [item["id"] for item in items(page)]
