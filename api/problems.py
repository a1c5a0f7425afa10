"""Every error leaves the API as RFC 9457 problem+json, mapped here and only here."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from domain import Conflict, DomainError, NotFound, ValidationError

__all__ = ["ProblemResponse", "install_problem_handlers", "problem"]


class ProblemResponse(Response):
    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem(
    status: int,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return ProblemResponse(body, status_code=status, headers=headers)


def _status_of(error: DomainError) -> tuple[int, str]:
    if isinstance(error, ValidationError):
        return 422, "Invalid input"
    if isinstance(error, NotFound):
        return 404, "Not found"
    if isinstance(error, Conflict):
        return 409, "Conflict"
    return 400, "Bad request"


def install_problem_handlers(app: FastAPI) -> None:
    async def domain_error(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, DomainError)
        status, title = _status_of(error)
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationError):
            extra["errors"] = [{"loc": error.field.split("."), "msg": error.message}]
        return problem(status, title, str(error), **extra)

    async def invalid_request(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, RequestValidationError)
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
        return problem(
            422, "Invalid input", "the request does not match the schema", errors=errors
        )

    async def http_error(_: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, HTTPException)
        # Keep the headers a route or Starlette set: WWW-Authenticate on a 401, Allow on a 405.
        return problem(
            error.status_code, _reason(error.status_code), str(error.detail), headers=error.headers
        )

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
