"""TimelineJS 3 JSON: a title slide and a slide per entry, grouped by topic.

The format (timeline.knightlab.com/docs/json-format.html): `{title, events,
scale}`; a slide has `start_date` and optional `end_date` (date objects of
numbers: `year`, optional `month`, `day`), `text` {`headline`, `text`}
(HTML allowed, so recorded text is escaped), `group`, `display_date` and
`unique_id`. A date object holds only the parts the EDTF text states
(`2023-12` gives `{year, month}`); what numbers cannot say (approximate,
uncertain, a season, a form not taken apart) goes into `display_date`. An
interval gives `end_date` too. `group` is the entry's first topic. An
`export` member, which TimelineJS ignores, says what the export reflects.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import Any

from projections.presentation.citations import CitationMarkup, cite
from projections.presentation.dates import Part, point_label
from projections.presentation.exports.chronology import Chronology
from projections.presentation.exports.entry import ExportEntry, detail_items, kind_label
from projections.presentation.exports.json import dumps, meta_json
from projections.presentation.exports.stream import buffered

__all__ = ["render", "slide"]


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as one TimelineJS JSON document, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    meta = chronology.meta
    title = {
        "text": {
            "headline": "Chronology",
            "text": f"<p>{_e(meta.describe())}</p><p>Filters: {_e(meta.filters_text())}.</p>",
        },
        "unique_id": f"chronology-{meta.position}",
    }
    yield (
        f'{{"export":{dumps(meta_json(meta, "timelinejs"))},\n'
        f'"scale":"human",\n"title":{dumps(title)},\n"events":['
    )
    separator = "\n"
    for entry in chronology.entries():
        yield separator + dumps(slide(entry))
        separator = ",\n"
    yield "\n]}\n"


def slide(entry: ExportEntry) -> dict[str, Any]:
    """The entry as one TimelineJS slide."""
    occurred = entry.occurred
    parts = occurred.parts
    if parts:
        start = _date(parts[0])
    else:
        # A form not taken apart: its recorded lower bound's year, the text to show.
        start = {"year": occurred.start.year, "display_date": occurred.text}
    headline = _e(entry.title)
    if entry.retracted:
        headline = f"[Retracted] {headline}"
    result: dict[str, Any] = {
        "unique_id": f"entry-{entry.id}",
        "start_date": start,
        "display_date": occurred.label(),
        "text": {"headline": headline, "text": _text(entry)},
    }
    if len(parts) == 2:
        result["end_date"] = _date(parts[1])
    if entry.topics:
        result["group"] = entry.topics[0]
    return result


def _date(part: Part) -> dict[str, Any]:
    date: dict[str, Any] = {"year": part.year}
    if part.month is not None:
        date["month"] = part.month
        if part.day is not None:
            date["day"] = part.day
    if part.time is not None:
        # As written: TimelineJS has no zone, so the slide's display_date names it.
        date |= {"hour": part.time.hour, "minute": part.time.minute}
        date["second"] = part.time.second
        date["display_date"] = point_label(part)
    if part.season is not None or part.approximate or part.uncertain:
        date["display_date"] = point_label(part)
    return date


def _text(entry: ExportEntry) -> str:
    occurred = entry.occurred
    html = [f"<p>{_lines(entry.summary)}</p>"]
    if (retraction := entry.retraction_line()) is not None:
        html.append(f"<p><strong>{_e(retraction)}</strong></p>")
    html += [f"<blockquote>{_lines(quote)}</blockquote>" for quote in entry.quotes]
    facts = [
        ("Date", f"{occurred.label()} (EDTF {occurred.text})"),
        ("Kind", kind_label(entry.kind)),
    ]
    if entry.actors:
        facts.append(("Actors", "; ".join(f"{a.name} ({a.role})" for a in entry.actors)))
    if entry.topics:
        facts.append(("Topics", ", ".join(entry.topics)))
    if entry.body.get("location"):
        facts.append(("Location", entry.body["location"]))
    facts += detail_items(entry)
    html.append("<p>" + "<br>".join(f"{_e(k)}: {_e(v)}" for k, v in facts) + "</p>")
    sources = [f"<li>{cite(citation, _MARKUP)}</li>" for citation in entry.citations]
    html.append(f"<p>Sources:</p><ol>{''.join(sources)}</ol>")
    return "".join(html)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _lines(text: str) -> str:
    return "<br>".join(_e(line) for line in text.splitlines())


def _title(title: str, url: str | None) -> str:
    return f'<a href="{_e(url)}">{_e(title)}</a>' if url else _e(title)


_MARKUP = CitationMarkup(
    text=_e, title=_title, quote=lambda quote: f"“{_e(quote)}”", url=None, date=_e
)
