"""The iCalendar exporter writes its events' lines itself (for speed); these hold its
escaping and folding to the bytes `icalendar`'s own Event writes for the same values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Event, vText

from projections.presentation.exports.ics import _fold, _moment, _text, _value

TRICKY_TEXT = [
    "plain",
    "a, b; c\\d",
    "line one\nline two\r\nthree\rfour",
    "a literal \\N and \\n",
    "ñandú, Zürich, 東京 — fin 🎉",
    "",
]


@pytest.mark.parametrize("value", TRICKY_TEXT)
def test_text_is_escaped_as_vtext_escapes_it(value: str) -> None:
    assert _text(value) == vText(value).to_ical()


def _values() -> list[str]:
    values = [*TRICKY_TEXT, "東京, " * 60, ";" * 100]
    values += ["x" * n for n in range(55, 170)]
    # A character of every UTF-8 width, and each escaped one, at every offset near a cut.
    for char in ("é", "東", "🎉", ",", ";", "\n", "\\", "^"):
        values += [f"{'y' * n}{char}{'z' * 90}" for n in range(55, 80)]
    return values


def _icalendar_line(name: str, value: str | date) -> bytes:
    event = Event()
    event.add(name, value)
    written: bytes = event.to_ical(sorted=False)
    return written.removeprefix(b"BEGIN:VEVENT\r\n").removesuffix(b"END:VEVENT\r\n")


@pytest.mark.parametrize("value", _values())
def test_a_line_is_escaped_and_folded_where_icalendar_folds_it(value: str) -> None:
    folded = _fold(b"SUMMARY:" + _text(value))
    assert folded == _icalendar_line("summary", value)
    assert all(len(piece) <= 75 for piece in folded.split(b"\r\n"))


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 1, 2),
        date(1, 1, 1),
        date(9999, 12, 31),
        datetime(2023, 12, 27, 10, 15, tzinfo=UTC),
        datetime(2023, 12, 27, 9, 15, 30),
    ],
)
def test_a_date_or_time_is_written_as_icalendar_writes_it(value: date) -> None:
    assert _fold(b"DTSTART" + _value(value)) == _icalendar_line("dtstart", value)


@pytest.mark.parametrize(
    "recorded",
    [
        "2024-01-02T10:15:07+00:00",
        "2024-01-02T10:15:07.123456+00:00",
        "2024-01-02T23:15:07-05:00",
        "2024-01-02T10:15:07Z",
        "2024-01-02T10:15:07.5+00:00",
    ],
)
def test_a_recorded_time_is_stamped_as_icalendar_stamps_it(recorded: str) -> None:
    moment = datetime.fromisoformat(recorded).astimezone(UTC).replace(microsecond=0)
    assert f"DTSTAMP:{_moment(recorded)}\r\n".encode() == _icalendar_line("dtstamp", moment)
