"""iCalendar (RFC 5545): an all-day, multi-day or timed VEVENT per entry, sources described.

The VCALENDAR's head is built and serialised by the `icalendar` package and
cut before its END line. Each VEVENT's values are formatted and escaped by
`icalendar`'s own value types (`vText`, `vDDDTypes`, `vCategory`, ...), or
in fewer steps where those would change nothing (`_escaped`, `_value`,
`_moment`), but its content lines are written here, in the order a
component would write them, and folded by `_fold`, which cuts where
`icalendar` does: a Component per entry, and `icalendar`'s folding a
character at a time, cost 0.8 ms an entry, a million entries thirteen
minutes (tests/unit/test_ics_lines.py holds the lines to `icalendar`'s own,
tests/integration/test_exports.py the whole calendar, and
tests/integration/test_ics_golden.py a fixed chronology to its bytes).

Dates: DTSTART and DTEND are DATE values spanning the entry's recorded
bounds, DTEND exclusive (the day after). A day is a one-day event; an
interval spans its days; a month, season or year spans the whole period,
and an approximate date the widened bounds the record gave it; the
description says which. A date with a time of day is a moment: DTSTART is
a DATE-TIME, in UTC when the EDTF text gives a zone, else a floating local
time, and there is no DTEND. Qualified dates are marked in SUMMARY
(`(approximate date)`, `(uncertain date)`), in DESCRIPTION, and in
`X-DATE-QUALIFIER`; `X-EDTF` keeps the text as recorded. A retracted entry
is STATUS:CANCELLED, an uncertain one TENTATIVE. DTSTAMP is the recorded
time of the version shown, never the clock, so the same record gives the
same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from icalendar import Calendar, vCategory, vDDDTypes, vText
from icalendar.parser import _escape_char

from projections.presentation.dates import occurred_of
from projections.presentation.exports.chronology import Chronology, ExportMeta
from projections.presentation.exports.entry import (
    ExportEntry,
    citation_text,
    detail_items,
    kind_label,
)
from projections.presentation.exports.stream import buffered_bytes

__all__ = ["PRODID", "render"]

PRODID = "-//policy-timeline//chronology export//EN"
_END = b"END:VCALENDAR\r\n"
_TRANSP = b"TRANSP:TRANSPARENT\r\n"
_CONFIRMED = b"STATUS:CONFIRMED\r\n" + _TRANSP
_RETRACTED = b"STATUS:CANCELLED\r\n" + _TRANSP
_LIMIT = 75
"""Octets a folded piece stays under, the line break excluded: `icalendar`'s limit."""
_ESCAPES = frozenset(b"\\^")
"""Octets a piece may not end in, lest an escape be split across a fold."""


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as one VCALENDAR, in chunks of UTF-8."""
    return buffered_bytes(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[bytes]:
    head = _calendar(chronology.meta).to_ical(sorted=False)
    if not head.endswith(_END):
        raise RuntimeError("icalendar wrote a calendar that does not end with END:VCALENDAR")
    yield head[: -len(_END)]
    export = _text(_export_line(chronology.meta))
    for entry in chronology.entries():
        yield _event(entry, export)
    yield _END


def _calendar(meta: ExportMeta) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = f"Chronology as of log position {meta.position}"
    description = f"{meta.describe()} Filters: {meta.filters_text()}."
    calendar.add("name", name)
    calendar.add("description", description)
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-policy-timeline-log-position", vText(str(meta.position)))
    calendar.add("x-policy-timeline-head-hash", vText(meta.head_hash))
    # A query string: its commas and semicolons are percent-encoded, so the raw
    # property value and the unescaped text are the same.
    calendar.add("x-policy-timeline-filters", vText(meta.filters_query()))
    if (checkpoint := meta.checkpoint_base64()) is not None:
        calendar.add("x-policy-timeline-checkpoint", vText(checkpoint))
    return calendar


def _event(entry: ExportEntry, export: bytes) -> bytes:
    """The entry's VEVENT in UTF-8, folded content lines each ending in CRLF.

    The properties, their order and their values are what `Event.add` of each
    in turn and `to_ical(sorted=False)` give. `export` ends every description,
    escaped once for all of them.
    """
    body = entry.body
    # Keyed by the strings `entry.occurred` was read from: hashing an Occurred costs more.
    dated = _dated(body["occurred"], body["occurred_start"], body["occurred_end"])
    updated = _moment(body["updated_at"])
    # A first version's: recorded when last modified, so formatted once.
    recorded = body["recorded_at"]
    created = updated if recorded == body["updated_at"] else _moment(recorded)
    retracted = entry.retracted
    summary = " ".join(entry.title.split()) + dated.summary_mark
    if retracted:
        summary = "[Retracted] " + summary
    summary_line = b"SUMMARY:" + _text(summary)
    # UID (an entry id is a UUID) to SEQUENCE, STATUS, TRANSP and the X- lines
    # are short and ASCII, nothing to escape: only recorded text is escaped and folded.
    pieces = [
        f"BEGIN:VEVENT\r\nUID:{entry.id}@policy-timeline\r\n"
        f"DTSTAMP:{updated}\r\nCREATED:{created}\r\nLAST-MODIFIED:{updated}\r\n"
        f"SEQUENCE:{int(body['version']) - 1}\r\n".encode(),
        dated.when,
        summary_line + b"\r\n" if len(summary_line) < _LIMIT else _fold(summary_line),
        # Escaping is line by line, so the description's last line, the same in
        # every event, is escaped once.
        _fold(b"DESCRIPTION:" + _text(_description(entry, dated.description)) + export),
    ]
    if body.get("location"):
        pieces.append(_fold(b"LOCATION:" + _text(body["location"])))
    if topics := body["topics"]:
        pieces.append(_categories(tuple(topics)))
    pieces.append(_RETRACTED if retracted else dated.status)
    for citation in entry.citations:
        if url := citation.source.url:
            # A URI value: written as it is, nothing escaped (icalendar's vUri).
            pieces.append(_fold(b"URL:" + url.encode()))
            break
    pieces += [
        dated.marks,
        _kind(entry.kind),
        f"X-POLICY-TIMELINE-POSITION:{body['position']}\r\nEND:VEVENT\r\n".encode(),
    ]
    return b"".join(pieces)


@dataclass(frozen=True)
class _Dated:
    """What a VEVENT says of its date, lines folded and ended: the same for every
    entry of one date, and an export comes date by date."""

    when: bytes  # DTSTART, and DTEND for all-day events
    marks: bytes  # X-EDTF, X-DATE-PRECISION, X-DATE-QUALIFIER
    summary_mark: str  # ` (approximate date)`, or nothing
    status: bytes  # STATUS and TRANSP, unless retracted: TENTATIVE for an uncertain date
    description: str  # the description's `Date: ...` line


@lru_cache(maxsize=4096)
def _dated(text: str, start: str, end: str) -> _Dated:
    occurred = occurred_of(text, start, end)
    if (moment := occurred.moment) is not None:
        # A moment, not an all-day event: in UTC when the zone is known, else the
        # local time of the place (a "floating" time, RFC 5545 3.3.5). No DTEND:
        # the event ends as it starts.
        when: list[tuple[bytes, date]] = [
            (b"DTSTART", moment.astimezone(UTC) if moment.tzinfo else moment)
        ]
    else:
        when = [(b"DTSTART", occurred.start), (b"DTEND", occurred.last_day_exclusive)]
    # Precision and qualifier come from a handful of words: their lines are kept.
    marks = _fold(b"X-EDTF:" + _text(occurred.text)) + _mark(
        b"X-DATE-PRECISION", occurred.precision
    )
    if (qualifier := occurred.qualifier) is not None:
        marks += _mark(b"X-DATE-QUALIFIER", qualifier)
    described = f"Date: {occurred.label()} (EDTF {occurred.text})"
    if (span := occurred.span_note()) is not None:
        described += f"; the event spans {span}"
    return _Dated(
        when=b"".join(_fold(name + _value(value)) for name, value in when),
        marks=marks,
        summary_mark="" if qualifier is None else f" ({qualifier} date)",
        status=b"STATUS:TENTATIVE\r\n" + _TRANSP if occurred.uncertain else _CONFIRMED,
        description=described,
    )


def _text(value: str) -> bytes:
    """A TEXT value escaped (backslash, semicolon, comma, newline) as `vText` escapes it.

    By the function `vText.to_ical` calls, not through a `vText`: making one
    (its parameters, its checks) cost more than the escaping, twice an entry.
    tests/unit/test_ics_lines.py holds the two to the same bytes.
    """
    return _escaped(value).encode()


def _escaped(value: str) -> str:
    """`_escape_char(value)`, in three passes when `value` holds no backslash and no
    carriage return, as recorded text almost never does: `_escape_char`'s other four
    passes (`\\N`, backslashes, CRLF, lone CR) then change nothing, and its seven
    passes over every description were a tenth of an export's time."""
    if "\\" in value or "\r" in value:
        return _escape_char(value)
    return value.replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


@lru_cache(maxsize=256)
def _kind(kind: str) -> bytes:
    """The X-POLICY-TIMELINE-KIND line, folded and ended."""
    return _fold(b"X-POLICY-TIMELINE-KIND:" + _text(kind))


@lru_cache(maxsize=4096)
def _categories(topics: tuple[str, ...]) -> bytes:
    """The CATEGORIES line, folded and ended: the topics, each escaped, joined by commas."""
    return _fold(b"CATEGORIES:" + vCategory(list(topics)).to_ical())


@lru_cache(maxsize=64)
def _mark(name: bytes, text: str) -> bytes:
    """An X- line of a date's precision or qualifier, folded and ended."""
    return _fold(name + b":" + _text(text))


def _value(value: date) -> bytes:
    """`;VALUE=DATE:20240102` or `:20240102T101500Z`: the parameters, a colon, the value.

    A date (an export's every all-day event, two a date, most of them new: it
    comes date by date) gets the parameters `vDDDTypes` gives every date and
    the digits `vDate` writes; making a `vDDDTypes` and its parameters for each
    was half the cost of a new date. tests/unit/test_ics_lines.py holds the two
    to the same bytes.
    """
    if type(value) is date:
        return b"%s%04d%02d%02d" % (_DATE_PARAMS, value.year, value.month, value.day)
    return _typed_value(value)


@lru_cache(maxsize=4096)
def _typed_value(value: date) -> bytes:
    """`_value` through `vDDDTypes`: its parameters, a colon, its value."""
    typed = vDDDTypes(value)
    written: bytes = typed.to_ical()
    if typed.params:
        params: bytes = typed.params.to_ical(sorted=False)
        return b";" + params + b":" + written
    return b":" + written


def _fold(line: bytes) -> bytes:
    """`line` folded as `icalendar` folds a content line (RFC 5545 3.1), and ended by CRLF.

    A piece holds at most `_LIMIT - 1` octets, is never cut inside a UTF-8
    sequence, and does not end in a backslash or caret, so no escape is split
    across a fold (icalendar's issue #1501). Cut a slice at a time, not
    `icalendar`'s character at a time: that was most of an export's time.
    """
    if len(line) < _LIMIT:
        return line + b"\r\n"
    pieces = []
    start = 0
    if line.isascii():  # no UTF-8 sequence to keep whole: the common case, cut faster
        last = len(line) - _LIMIT
        while start <= last:
            cut = start + _LIMIT - 1
            if line[cut - 1] in _ESCAPES:
                cut -= 1
            pieces.append(line[start:cut])
            start = cut
        pieces.append(line[start:])
        return b"\r\n ".join(pieces) + b"\r\n"
    while len(line) - start >= _LIMIT:
        cut = start + _LIMIT - 1
        while line[cut] & 0xC0 == 0x80:  # a continuation octet: cut before its lead
            cut -= 1
        if line[cut - 1] in b"\\^" and cut - start > 1:
            cut -= 1
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _description(entry: ExportEntry, date: str) -> str:
    """The description up to its last line, the export's, which follows the newline
    this ends with."""
    body = entry.body
    lines = [entry.summary, "", date, _kind_line(entry.kind)]
    if (retraction := entry.retraction_line()) is not None:
        lines.append(retraction)
    if actors := entry.actors:
        lines.append("Actors: " + "; ".join([f"{a.name} ({a.role})" for a in actors]))
    if topics := entry.topics:
        lines.append("Topics: " + ", ".join(topics))
    # Most entries have no quotes, links or note: no list made for them.
    lines += [f"{label}: {text}" for label, text in detail_items(entry)]
    if quotes := entry.quotes:
        lines += [f"Quote: “{quote}”" for quote in quotes]
    if links := body["links"]:
        lines += [f"Link: {link['relation']} {link['target']}" for link in links]
    if note := body.get("note"):
        lines.append(f"Note: {note}")
    lines.append(f"Record: {entry.status_line()}")
    lines.append("")
    lines.append("Sources:")
    lines += [citation_text(citation) for citation in entry.citations]
    lines.append("\n")
    return "\n".join(lines)


@lru_cache(maxsize=256)
def _kind_line(kind: str) -> str:
    """The description's `Kind: Congressional negotiation` line."""
    return f"Kind: {kind_label(kind)}"


def _export_line(meta: ExportMeta) -> str:
    return (
        f"Export: log position {meta.position}, head hash {meta.head_hash}, "
        f"filters {meta.filters_text()}."
    )


def _moment(text: str) -> str:
    """A recorded time as a UTC DATE-TIME value, `20240102T101500Z` (RFC 5545 3.3.5).

    Formatted here, not by `vDatetime`, which spends most of its time looking
    up the time zone's TZID, a parameter a UTC value does not have.
    """
    if len(text) in _UTC_LENGTHS and text.endswith("+00:00") and text[10] == "T":
        # Already UTC, as the engine records every time: the digits as they stand
        # (a fraction of a second is dropped, as below), no datetime made.
        return f"{text[0:4]}{text[5:7]}{text[8:10]}T{text[11:13]}{text[14:16]}{text[17:19]}Z"
    t = datetime.fromisoformat(text).astimezone(UTC)
    return f"{t.year:04}{t.month:02}{t.day:02}T{t.hour:02}{t.minute:02}{t.second:02}Z"


# `2024-01-02T10:15:00+00:00`, and with microseconds `2024-01-02T10:15:00.123456+00:00`.
_UTC_LENGTHS = frozenset({25, 32})


_DATE_PARAMS = _typed_value(date(2000, 1, 1)).removesuffix(b"20000101")
"""`;VALUE=DATE:`, as `vDDDTypes` writes a date's parameters and the colon."""
