"""Dates as people read them on the pages: an EDTF text shown exactly as precisely as it is known.

    2023-12-27             27 Dec 2023
    2023-12                Dec 2023
    2023                   2023
    2023-12-21~            ~21 Dec 2023          (approximate)
    2023-12?               Dec 2023?             (uncertain)
    2023-12-21%            ~21 Dec 2023?         (both)
    2023-12-18/2023-12-22  18–22 Dec 2023
    2023-11-28/2023-12-02  28 Nov – 2 Dec 2023
    2023-11~/2023-12-28    ~Nov – 28 Dec 2023
    2023-12-01/..          from 1 Dec 2023       (open end)
    ../2023-12-01          until 1 Dec 2023
    2023-12-01/            1 Dec 2023 – ?        (unknown end)

The words are the exports' describer at its short length
(`projections.presentation.dates.short_date`), which reads the text with the
domain's one EDTF pattern; nothing here takes a date apart. A text these
rules do not read (a time of day, an unspecified digit) is shown as its
bounds when they are given, else as the text itself.
"""

# The en dash is what ranges are written with; ruff would have it be a hyphen.
# ruff: noqa: RUF002

from __future__ import annotations

from datetime import UTC, datetime

from projections.presentation.dates import SHORT_MONTHS
from projections.presentation.dates import short_date as display_date

__all__ = ["display_date", "display_moment"]


def display_moment(iso: str | None) -> str:
    """A recorded time (ISO 8601 with an offset) in UTC, to the second:
    `29 Nov 2026, 23:29:06 UTC`; the text itself when it is not such a time."""
    if iso is None:
        return "the beginning"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {SHORT_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M:%S} UTC"
