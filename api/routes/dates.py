"""`/dates/resolve`: a date phrase ("last week") as the EDTF it stands for.

The web pages' date field asks it as the person types; the command line's
`policy-timeline dates resolve` answers the same from `domain.relative_dates`.
It reads nothing from the store, but follows the read rule all the same: while
the server protects reads, it needs a token with scope `read`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.reads import READ, ReadModelsForRead
from api.responses import JSONBytes, answer
from api.schemas import DateResolution
from domain import ValidationError
from domain.relative_dates import resolve

__all__ = ["router"]

router = APIRouter(prefix="/dates", tags=["dates"])


@router.get(
    "/resolve",
    openapi_extra=READ,
    response_class=JSONBytes,
    responses={200: {"model": DateResolution, "description": "The EDTF the phrase stands for"}},
    summary="Resolve a date phrase against a reference date",
)
def resolve_date(
    read_models: ReadModelsForRead,
    phrase: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description='EDTF, or a phrase such as "last week", "late Wednesday", "in November"',
        ),
    ],
    reference: Annotated[
        date,
        Query(description="The date the phrase was written: the report's original publication"),
    ],
) -> Response:
    """The EDTF `phrase` stands for in a report published on `reference`, its strict
    bounds, and a `basis` sentence for the entry's note; 422 naming `phrase`, with
    the phrases accepted, for one the helper does not know."""
    try:
        found = resolve(phrase, reference)
    except (OverflowError, ValueError):
        # Arithmetic on a reference at the calendar's edge (year 1, year 9999).
        raise ValidationError(
            "reference", "a date whose phrase stays within years 1 to 9999"
        ) from None
    return answer(found.to_json(), read_models.queries.position())
