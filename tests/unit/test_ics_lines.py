"""The iCalendar exporter writes its events' lines itself (for speed); these hold its
escaping and folding to the bytes `icalendar`'s own Event writes for the same values."""

from __future__ import annotations

import pytest
from icalendar import Event, vText

from projections.presentation.exports.ics import _fold, _text

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


def _icalendar_line(name: str, value: str) -> bytes:
    event = Event()
    event.add(name, value)
    written: bytes = event.to_ical(sorted=False)
    return written.removeprefix(b"BEGIN:VEVENT\r\n").removesuffix(b"END:VEVENT\r\n")


@pytest.mark.parametrize("value", _values())
def test_a_line_is_escaped_and_folded_where_icalendar_folds_it(value: str) -> None:
    folded = _fold(b"SUMMARY:" + _text(value))
    assert folded == _icalendar_line("summary", value)
    assert all(len(piece) <= 75 for piece in folded.split(b"\r\n"))
