"""Request bodies of the API are JSON, whatever their Content-Type says, and read strictly.

* Read as JSON without a Content-Type, or with another one: `curl -d` sends
  `application/x-www-form-urlencoded`, and every body of this API is JSON, so
  the header is taken as a client's default rather than as what it meant.
* A body that is not JSON (or not UTF-8) is a 400 naming the media type
  expected, `application/json`, whichever Content-Type it came with.
* A JSON body that names a key twice in one object is refused, not read as
  its last. `{"name": "A", "name": "B"}` is valid JSON, and every JSON reader
  keeps one of the two, most the last; a proxy, a signer or a reviewer that
  read the first would have approved another body than the one stored. So
  the body is read once more as it arrives, with an `object_pairs_hook`, and
  a repeated key is a 422 naming it.

This is the one place a request's JSON is checked for these.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "DuplicateKey",
    "NotJson",
    "RefuseDuplicateKeys",
    "duplicate_key_in",
    "json_object",
    "json_problem",
]

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


class NotJson(HTTPException):
    """A request body that is not JSON: `msg` says why, and what is expected."""

    def __init__(self, why: str) -> None:
        self.loc: list[str | int] = ["body"]
        self.msg = f"{why}; expected JSON, media type {MEDIA_TYPE}"
        super().__init__(400, detail=self.msg)


MEDIA_TYPE = "application/json"
# Python's reader stops at some thousand levels; a body of this API needs fewer than ten.
TOO_DEEP = "the body nests arrays or objects too deep to read (a thousand levels or more)"
API_PATH = "/api/"


def json_problem(body: bytes) -> str | None:
    """Why `body` is no JSON text, or None when it is one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"the body is not UTF-8 (byte {error.start})"
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"the body is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    except ValueError as error:
        return f"the body is not JSON: {error}"
    except RecursionError:
        return TOO_DEEP
    return None


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


def json_object(body: bytes) -> Any:
    """`body` read as JSON, as the routes read it; ValueError when it is not JSON or
    repeats a key in one object (RecursionError when it nests too deep)."""
    try:
        return json.loads(body, object_pairs_hook=_flag)
    except _Repeated:
        raise ValueError("a key is repeated in one object") from None


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


def _check(body: bytes) -> None:
    """Raise NotJson or DuplicateKey for `body`, read once when nothing is wrong."""
    if not body.strip():
        return  # no body: the route says whether it needs one
    try:
        json.loads(body, object_pairs_hook=_flag)
    except _Repeated:
        loc = _where(json.loads(body, object_pairs_hook=_Pairs), [])
        raise DuplicateKey(loc or ["body"]) from None
    except ValueError:
        raise NotJson(json_problem(body) or "the body is not JSON") from None
    except RecursionError:
        # FastAPI's own reading would meet it too, and answer a bare 400.
        raise NotJson(TOO_DEEP) from None


def _is_api_body(scope: Scope) -> bool:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path.removeprefix(root).startswith(API_PATH) and scope["method"] in (
        "POST",
        "PUT",
        "PATCH",
    )


def _as_json(scope: Scope) -> Scope:
    """`scope` with its Content-Type made `application/json`, unless it already names JSON
    (`application/json; charset=utf-8`, `application/merge-patch+json` keep theirs)."""
    headers = [(name, value) for name, value in scope["headers"] if name != b"content-type"]
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind: bytes = value.split(b";")[0].strip().lower()
            if kind == b"application/json" or (
                kind.startswith(b"application/") and kind.endswith(b"+json")
            ):
                return scope
    return {**scope, "headers": [*headers, (b"content-type", MEDIA_TYPE.encode())]}


class RefuseDuplicateKeys:
    """ASGI middleware for the API's bodies: read each as JSON, raise NotJson from
    `receive` once a body, read whole, is not JSON, and DuplicateKey once it repeats
    a key. It sits inside `api.limits.BodyLimit`, so what it holds is never more
    than the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_api_body(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checked() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    _check(b"".join(chunks))
            return message

        await self.app(_as_json(scope), checked, send)
