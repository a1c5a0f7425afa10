"""JSON answers written from bytes, each saying the log position it reflects.

The views keep every entry pre-serialized, so a page is joined from those
bytes rather than rebuilt through Pydantic: the schemas in `api.schemas`
document these bodies, they do not produce them.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

from projections import Page

__all__ = ["POSITION_HEADER", "JSONBytes", "answer", "id_page_body", "page_body"]

POSITION_HEADER = "Log-Position"


class JSONBytes(JSONResponse):
    """A JSON response whose body is already serialized, or serialized with orjson.

    A JSONResponse, so the OpenAPI document takes its schema from the route's
    documented model rather than calling the body a string.
    """

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)


def answer(body: bytes | Any, position: int, status: int = 200) -> JSONBytes:
    """`body` (bytes, or data for orjson) with the position it reflects in `Log-Position`."""
    return JSONBytes(body, status_code=status, headers={POSITION_HEADER: str(position)})


def page_body(page: Page) -> bytes:
    """`{items, next_cursor, as_of}` with the items' bytes joined as they are."""
    tail = orjson.dumps(
        {
            "next_cursor": page.next_cursor,
            "as_of": {"position": page.as_of.position, "recorded_at": page.as_of.recorded_at},
        }
    )
    return b'{"items":[' + b",".join(page.items) + b"]," + tail[1:]


def id_page_body(items: list[bytes], limit: int) -> bytes:
    """`{items, next_cursor}` from up to `limit` + 1 items in id order, as asked of the
    views: an item past `limit` says there is a next page, which starts after the id
    of the last item shown."""
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = orjson.loads(items[-1])["id"]
    tail = orjson.dumps({"next_cursor": next_cursor})
    return b'{"items":[' + b",".join(items) + b"]," + tail[1:]
