"""What every read takes: access, read-your-writes, and its query, in one dependency each.

FastAPI resolves each declared parameter and sub-dependency on every request,
with type introspection each time; a timeline page with its dozen parameters
and three small dependencies spent more there than in its query. So a read
takes `ReadModelsForRead` (the token check when reads are protected, then the
wait for `min_position`), and a paged read parses its query string into one
Pydantic model in one call (`query_model`). The OpenAPI document still lists
every parameter: `READ` and `query_parameters` put them there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from api.auth import bearer, require_reader
from api.consistency import reach_asked
from projections import ReadModels

__all__ = ["READ", "ReadModelsForRead", "query_model", "query_parameters"]

M = TypeVar("M", bound=BaseModel)

_POSITION = {"type": "integer", "minimum": 0}
READ: dict[str, Any] = {
    # `api.app` adds `{}` to the security of reads while they are open.
    "x-read": True,
    "security": [{"HTTPBearer": []}],
    "parameters": [
        {
            "name": "min_position",
            "in": "query",
            "required": False,
            "schema": _POSITION,
            "description": "Answer only once the views reflect this log position "
            "(a write's `Log-Position`)",
        },
        {
            "name": "Min-Log-Position",
            "in": "header",
            "required": False,
            "schema": _POSITION,
            "description": "As `min_position`, as a header",
        },
    ],
}


async def _open_read(request: Request) -> ReadModels:
    await require_reader(request, await bearer(request))
    read_models: ReadModels = request.app.state.read_models
    wanted = max(
        _position(request.query_params.get("min_position"), ("query", "min_position")),
        _position(request.headers.get("min-log-position"), ("header", "Min-Log-Position")),
    )
    if wanted:
        await reach_asked(request, read_models, wanted)
    return read_models


ReadModelsForRead = Annotated[ReadModels, Depends(_open_read)]
"""The read models, once the reader may read and they reflect its `min_position`."""


def _position(raw: str | None, loc: tuple[str, str]) -> int:
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise RequestValidationError(
            [{"type": "int_parsing", "loc": loc, "msg": "expected a log position, 0 or more"}]
        )
    return int(raw)


def query_model(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that reads the query string into `model`, in one validation.

    Errors are located as FastAPI locates them: `["query", "limit"]`.
    """

    async def parse(request: Request) -> M:
        try:
            return model.model_validate(dict(request.query_params))
        except SchemaError as error:
            raise RequestValidationError(
                [{**e, "loc": ("query", *e["loc"])} for e in error.errors()]
            ) from None

    return parse


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The OpenAPI parameters of `model`'s fields, for a route's `openapi_extra`."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        description = field.pop("description", None)
        field.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters
