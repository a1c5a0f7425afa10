"""Control characters in a URL are refused before any route reads them.

A NUL byte in a path parameter or a query value reaches the store as text:
PostgreSQL refuses it with an error of its own (a 500), SQLite takes it and
answers as if the filter were absent. Neither is an answer to the question,
so a C0 control character is refused by one app-wide dependency, before any
route reads it, on both stores: as a 422 problem naming the parameter under
`/api/`, as the 422 page elsewhere (the web pages refuse their other bad
filters the same way). Tab and newline stay allowed in query values, where
free text is; no id holds either.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

from api.problems import problem
from api.web.render import html_page

__all__ = ["ControlCharacter", "refuse_control_characters", "refused_control_character"]

API_PATH = "/api/"
_IN_ID = re.compile(r"[\x00-\x1f]")
_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f]")
MESSAGE = (
    "expected text without control characters (C0 codes such as NUL; tab and newline are text)"
)


class ControlCharacter(Exception):
    """A URL's parameter holds a control character; `loc` names it (`["query", "q"]`)."""

    def __init__(self, loc: list[str]) -> None:
        super().__init__(f"{'.'.join(loc[1:])}: {MESSAGE}")
        self.loc = loc


async def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: raise ControlCharacter for a control character in a
    path parameter or a query value (or name). It runs once the route is matched,
    so a path parameter is named, and before any other dependency reads one."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _IN_ID.search(value):
            raise ControlCharacter(["path", name])
    query = request.scope.get("query_string", b"")
    if b"%" not in query and not _IN_TEXT.search(query.decode("latin-1")):
        return  # the common case: nothing escaped, so nothing to decode
    for name, value in request.query_params.multi_items():
        if _IN_TEXT.search(name) or _IN_TEXT.search(value):
            raise ControlCharacter(["query", name])


async def refused_control_character(request: Request, error: Exception) -> Response:
    """The 422 for a ControlCharacter: a problem under `/api/`, the 422 page elsewhere."""
    assert isinstance(error, ControlCharacter)
    if request.url.path.startswith(API_PATH):
        errors = [{"loc": error.loc, "msg": MESSAGE}]
        return problem(422, str(error), kind="validation", errors=errors)
    return html_page("error.html", status=422, title="Not a valid request", message=f"{error}.")
