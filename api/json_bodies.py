"""A JSON body that names a key twice in one object is refused, not read as its last.

`{"name": "A", "name": "B"}` is valid JSON, and every JSON reader keeps one of
the two, most the last; a proxy, a signer or a reviewer that read the first
would have approved another body than the one stored. So the body is read
once more as it arrives, with an `object_pairs_hook`, and a repeated key is a
422 naming it. This is the one place a request's JSON is checked for it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DuplicateKey", "RefuseDuplicateKeys", "duplicate_key_in"]

MESSAGE = "this key appears more than once in its object; send it once"
"""What a DuplicateKey's problem says of the key it names."""


class DuplicateKey(HTTPException):
    """A JSON body holds a key twice in one object; `loc` is where (`["actors", 0, "role"]`).

    An HTTPException, raised from `receive`, so that FastAPI lets it through to
    the problem handlers rather than answering 400 (as `api.limits` does)."""

    def __init__(self, loc: list[str | int]) -> None:
        super().__init__(422, detail=f"{'.'.join(map(str, loc))}: {MESSAGE}")
        self.loc = loc
        self.msg = MESSAGE


class _Pairs(list[tuple[str, Any]]):
    """An object as read, every key kept in order, repeated ones too."""


class _Repeated(Exception):
    """Some object repeats a key: where is found by a second, slower reading."""


def _flag(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    read = dict(pairs)
    if len(read) != len(pairs):
        raise _Repeated
    return read


def duplicate_key_in(body: bytes) -> list[str | int] | None:
    """Where `body`, read as JSON, first repeats a key in one object; None when it
    never does, or is no JSON at all (FastAPI's own reading says why then)."""
    try:
        json.loads(body, object_pairs_hook=_flag)
    except _Repeated:
        return _where(json.loads(body, object_pairs_hook=_Pairs), [])
    except ValueError:  # not JSON, or not UTF-8
        return None
    return None


def _where(node: Any, loc: list[str | int]) -> list[str | int] | None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, _ in node:
            if key in seen:
                return [*loc, key]
            seen.add(key)
        for key, value in node:
            if (found := _where(value, [*loc, key])) is not None:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if (found := _where(value, [*loc, index])) is not None:
                return found
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind: bytes = value.split(b";")[0].strip().lower()
            return kind == b"application/json" or (
                kind.startswith(b"application/") and kind.endswith(b"+json")
            )
    return False


class RefuseDuplicateKeys:
    """ASGI middleware: raise DuplicateKey from `receive` once a JSON body, read
    whole, repeats a key. It sits inside `api.limits.BodyLimit`, so what it holds
    is never more than the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checked() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    loc = duplicate_key_in(b"".join(chunks))
                    if loc is not None:
                        raise DuplicateKey(loc)
            return message

        await self.app(scope, checked, send)
