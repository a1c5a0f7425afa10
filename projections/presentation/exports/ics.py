"""iCalendar (RFC 5545): an all-day, multi-day or timed VEVENT per entry, sources described.

Each VEVENT is built and serialised by the `icalendar` package (escaping,
line folding); the VCALENDAR around them is streamed here, its head
serialised by `icalendar` too and cut before its END line.

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
from datetime import UTC, datetime

from icalendar import Calendar, Event, vText

from projections.presentation.exports.chronology import Chronology, ExportMeta
from projections.presentation.exports.entry import (
    ExportEntry,
    citation_text,
    detail_items,
    kind_label,
)
from projections.presentation.exports.stream import buffered

__all__ = ["PRODID", "render"]

PRODID = "-//policy-timeline//chronology export//EN"
_END = "END:VCALENDAR\r\n"


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as one VCALENDAR, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    head = _calendar(chronology.meta).to_ical(sorted=False).decode()
    if not head.endswith(_END):
        raise RuntimeError("icalendar wrote a calendar that does not end with END:VCALENDAR")
    yield head[: -len(_END)]
    export = _export_line(chronology.meta)
    for entry in chronology.entries():
        yield _event(entry, export).to_ical(sorted=False).decode()
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


def _event(entry: ExportEntry, export: str) -> Event:
    body = entry.body
    occurred = entry.occurred
    event = Event()
    event.add("uid", f"{entry.id}@policy-timeline")
    event.add("dtstamp", _moment(body["updated_at"]))
    event.add("created", _moment(body["recorded_at"]))
    event.add("last-modified", _moment(body["updated_at"]))
    event.add("sequence", int(body["version"]) - 1)
    if (moment := occurred.moment) is not None:
        # A moment, not an all-day event: in UTC when the zone is known, else the
        # local time of the place (a "floating" time, RFC 5545 3.3.5). No DTEND:
        # the event ends as it starts.
        event.add("dtstart", moment.astimezone(UTC) if moment.tzinfo else moment)
    else:
        event.add("dtstart", occurred.start)
        event.add("dtend", occurred.last_day_exclusive)
    event.add("summary", _summary(entry))
    event.add("description", _description(entry, export))
    if body.get("location"):
        event.add("location", body["location"])
    if entry.topics:
        event.add("categories", list(entry.topics))
    if entry.retracted:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "TENTATIVE" if occurred.uncertain else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    url = next((c.source.url for c in entry.citations if c.source.url), None)
    if url is not None:
        event.add("url", url)
    event.add("x-edtf", vText(occurred.text))
    event.add("x-date-precision", vText(occurred.precision))
    if occurred.qualifier is not None:
        event.add("x-date-qualifier", vText(occurred.qualifier))
    event.add("x-policy-timeline-kind", vText(entry.kind))
    event.add("x-policy-timeline-position", vText(str(body["position"])))
    return event


def _summary(entry: ExportEntry) -> str:
    summary = " ".join(entry.title.split())
    if entry.occurred.qualifier is not None:
        summary += f" ({entry.occurred.qualifier} date)"
    return f"[Retracted] {summary}" if entry.retracted else summary


def _description(entry: ExportEntry, export: str) -> str:
    occurred = entry.occurred
    date = f"Date: {occurred.label()} (EDTF {occurred.text})"
    if (span := occurred.span_note()) is not None:
        date += f"; the event spans {span}"
    lines = [entry.summary, "", date, f"Kind: {kind_label(entry.kind)}"]
    if (retraction := entry.retraction_line()) is not None:
        lines.append(retraction)
    if entry.actors:
        lines.append("Actors: " + "; ".join(f"{a.name} ({a.role})" for a in entry.actors))
    if entry.topics:
        lines.append("Topics: " + ", ".join(entry.topics))
    lines += [f"{label}: {text}" for label, text in detail_items(entry)]
    lines += [f"Quote: “{quote}”" for quote in entry.quotes]
    lines += [f"Link: {link['relation']} {link['target']}" for link in entry.body["links"]]
    if entry.body.get("note"):
        lines.append(f"Note: {entry.body['note']}")
    lines.append(f"Record: {entry.status_line()}")
    lines += ["", "Sources:"]
    lines += [citation_text(citation) for citation in entry.citations]
    lines += ["", export]
    return "\n".join(lines)


def _export_line(meta: ExportMeta) -> str:
    return (
        f"Export: log position {meta.position}, head hash {meta.head_hash}, "
        f"filters {meta.filters_text()}."
    )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
