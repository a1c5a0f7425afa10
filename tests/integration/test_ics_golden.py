"""The iCalendar export of a fixed chronology, held to the bytes it was written as.

The exporter writes its events' lines itself, for speed (see exports/ics.py);
this pins what it writes, property by property, so a faster exporter must
write the same file. What the store cannot hold fixed (entry ids, recorded
times, and the head hash and checkpoint that follow from them) is replaced
by placeholders after the lines are unfolded; folding itself is held to
icalendar's by tests/unit/test_ics_lines.py and the round trip in
test_exports.py. To write the golden file anew: ICS_GOLDEN_WRITE=1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from domain import TimelineApp
from projections import ReadModels
from projections.presentation.exports import export, open_chronology
from tests.builders import body
from tests.integration.test_exports import EVERYTHING, record_chronology

GOLDEN = Path(__file__).parent / "golden" / "chronology.ics"
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = re.compile(rb"^(DTSTAMP|CREATED|LAST-MODIFIED):\d{8}T\d{6}Z", re.MULTILINE)
_ISO = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)")
_HASH = re.compile(rb"[0-9a-f]{64}")
_CHECKPOINT = re.compile(rb"(X-POLICY-TIMELINE-CHECKPOINT:)[^\r]*")
# Times of day as recorded, not clock readings: kept as they are.
TIMES = ("2023-12-27T10:00:00Z", "2023-12-27T23:30:15-05:00", "2023-12-27T09:15:00")


def _normalised(raw: bytes) -> bytes:
    text = raw.replace(b"\r\n ", b"")
    ids: dict[bytes, bytes] = {}
    text = _UUID.sub(lambda m: ids.setdefault(m[0], b"<id-%d>" % len(ids)), text)
    kept = {t.encode(): b"<kept-%d>" % i for i, t in enumerate(TIMES)}
    for time, mark in kept.items():
        text = text.replace(time, mark)
    text = _ISO.sub(b"<recorded-time>", text)
    text = _STAMP.sub(rb"\1:<recorded-stamp>", text)
    for time, mark in kept.items():
        text = text.replace(mark, time)
    text = _HASH.sub(b"<head-hash>", text)
    return _CHECKPOINT.sub(rb"\1<checkpoint>", text)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_ics_export_of_a_fixed_chronology_is_the_golden_file(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_chronology(app)
    calls = [
        app.record_entry(body("call", occurred=text, title=f"Call at {text}"), by="t").id
        for text in TIMES
    ]
    # Text the fast paths leave to icalendar: a backslash, carriage returns, a line
    # ending in one; and a note and a link, which no other entry has.
    noted = app.record_entry(
        body(
            "meeting",
            title="A path C:\\temp; a \\N that is no newline",
            summary="Ends in a carriage return\r",
            note="Noted\r\nacross lines, with ; and ,\r",
            location="Zürich, \\ Genève",
        ),
        by="t",
    )
    app.link_entries(str(noted.id), "follows", str(calls[0]), by="t", expected_version=1)
    read_models.written()
    raw = b"".join(export(open_chronology(read_models, EVERYTHING), "ics"))
    written = _normalised(raw)
    if os.environ.get("ICS_GOLDEN_WRITE"):
        GOLDEN.write_bytes(written)
    assert written == GOLDEN.read_bytes()
