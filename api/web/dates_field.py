"""The date field's server side: what a form's date text becomes without JavaScript.

With JavaScript, `static/dates.js` shows the person what their phrase
becomes as they type; without it the form sends the text as typed, and the
route that receives it calls `resolve_field` to read it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import ValidationError
from domain.relative_dates import Resolution, resolve

__all__ = ["FieldError", "resolve_field", "spelled_bounds"]

# Spelled in English whatever the server's locale: the pages are in English.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class FieldError:
    """Why a date field's text was refused: the field and a message a person can act on."""

    field: str
    message: str


def resolve_field(value: str, reference: str | None) -> Resolution | FieldError:
    """`value` (EDTF or a phrase) read against `reference` (YYYY-MM-DD, the report's
    publication), or why not. Without a reference only EDTF is read: today
    would silently stand in for the report's date."""
    text = value.strip()
    if not text:
        return FieldError("phrase", "a date is needed: EDTF or a phrase such as last week")
    given = (reference or "").strip()
    try:
        on = date.fromisoformat(given) if given else None
    except ValueError:
        return FieldError("reference", f"{given!r} is not a date: write it as YYYY-MM-DD")
    try:
        if on is None:
            found = resolve(text, date.today())
            if found.basis != "as written":
                return FieldError(
                    "reference", "a phrase needs the reference date: the report's publication"
                )
            return found
        return resolve(text, on)
    except ValidationError as error:
        return FieldError(error.field, error.message)
    except (OverflowError, ValueError):
        return FieldError("reference", "a date whose phrase stays within years 1 to 9999")


def spelled_bounds(found: Resolution) -> str:
    """The strict bounds in words: "between 18 December 2023 and 24 December 2023"."""
    if found.start == found.end:
        return f"on {_spelled(found.start)}"
    return f"between {_spelled(found.start)} and {_spelled(found.end)}"


def _spelled(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
