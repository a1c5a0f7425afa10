"""Control characters in a URL are refused before any route reads them.

A NUL byte in a path parameter or a query value reaches the store as text:
PostgreSQL refuses it with an error of its own (a 500), SQLite takes it and
answers as if the filter were absent. Neither is an answer to the question,
so a C0 control character is refused by one app-wide dependency, before any
route reads it, on both stores: as a 422 problem naming the parameter under
`/api/`, as the 422 page elsewhere (the web pages refuse their other bad
filters the same way). Tab and newline stay allowed in query values, where
free text is; no id holds either.

The headers the app reads (Authorization, Idempotency-Key, Last-Event-ID,
Min-Log-Position) are refused the same way, as 422 naming the header, for a
C0 control character other than tab or for DEL: HTTP servers in front
differ in what they let through (uvicorn's h11 drops such a request, ASGI
servers with other parsers may not), and a token or a key holding NUL is
no token or key, whatever a lookup would answer.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

from api.problems import problem
from api.web.render import html_page

__all__ = [
    "READ_HEADERS",
    "ControlCharacter",
    "refuse_control_characters",
    "refused_control_character",
    "refuses_nothing",
]

API_PATH = "/api/"
_IN_ID = re.compile(r"[\x00-\x1f]")
_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f]")
_IN_HEADER = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# The headers some route reads, by the name ASGI gives them, with the name to report.
READ_HEADERS = {
    name.lower().encode(): name
    for name in ("Authorization", "Idempotency-Key", "Last-Event-ID", "Min-Log-Position")
}
MESSAGE = (
    "expected text without control characters (C0 codes such as NUL; tab and newline are text)"
)
HEADER_MESSAGE = "expected text without control characters (C0 codes such as NUL, or DEL)"


class ControlCharacter(Exception):
    """A URL's parameter or a header holds a control character; `loc` names it
    (`["query", "q"]`, `["header", "Idempotency-Key"]`)."""

    def __init__(self, loc: list[str], message: str = MESSAGE) -> None:
        super().__init__(f"{'.'.join(loc[1:])}: {message}")
        self.loc = loc
        self.message = message


async def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: raise ControlCharacter for a control character in a
    path parameter, a query value (or name) or a header the app reads. It runs
    once the route is matched, so a path parameter is named, and before any
    other dependency reads one."""
    for name, value in request.scope["headers"]:
        if name in READ_HEADERS and _IN_HEADER.search(value):
            raise ControlCharacter(["header", READ_HEADERS[name]], HEADER_MESSAGE)
    for name, value in request.path_params.items():
        if isinstance(value, str) and _IN_ID.search(value):
            raise ControlCharacter(["path", name])
    if refuses_nothing(request.scope.get("query_string", b"")):
        return  # the common case: nothing escaped, so nothing to decode
    for name, value in request.query_params.multi_items():
        if _IN_TEXT.search(name) or _IN_TEXT.search(value):
            raise ControlCharacter(["query", name])


def refuses_nothing(query: bytes) -> bool:
    """Whether a query string is plain: nothing escaped, no control character in it."""
    return b"%" not in query and not _IN_TEXT.search(query.decode("latin-1"))


async def refused_control_character(request: Request, error: Exception) -> Response:
    """The 422 for a ControlCharacter: a problem under `/api/`, the 422 page elsewhere."""
    assert isinstance(error, ControlCharacter)
    if request.url.path.startswith(API_PATH):
        errors = [{"loc": error.loc, "msg": error.message}]
        return problem(422, str(error), kind="validation", errors=errors)
    return html_page("error.html", status=422, title="Not a valid request", message=f"{error}.")
