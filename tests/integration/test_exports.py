"""Chronology exports on each backend, read back with a real parser per format.

The entries cover every date form the exports treat apart (a day, a month,
a year, a season, intervals, approximate, uncertain, both), a retraction, a
correction, and text with commas, quotes, line breaks, `<`, `&`, Markdown
and non-ASCII, cited from a source with a URL.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from html import escape
from html.parser import HTMLParser
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from icalendar import Calendar
from markdown_it import MarkdownIt

from domain import StoreConfig, TimelineApp, parse_store_url
from domain.importing import import_file
from projections import ReadModels, TimelineFilters
from projections.database import open_database
from projections.presentation.exports import FORMATS, Chronology, export, open_chronology
from projections.presentation.exports.csv import COLUMNS
from projections.presentation.exports.md import inline
from scripts.load_sample import PRINCIPAL, SAMPLE
from tests.builders import body, seed
from tests.postgres import PostgresServer

BY = "reporter"
TRICKY_QUOTE = "He said, \"No <deal> & no 'maybe'\";\nthen: ñandú, Zürich, 東京 — fin"
TRICKY_SUMMARY = (
    "# not a heading\n1. not a list, *not bold* [not a link](x) | <b>not bold</b> &amp;"
)
TRICKY_SOURCE: dict[str, Any] = {
    "id": "tricky-source",
    "title": 'Le "Monde" <diplomatique>, & more',
    "publisher": "Presse & Cie, Paris",
    "authors": ["Zoë Ångström", "O'Brien"],
    "url": "https://example.org/a?b=1&c=<2>",
    "published": "2023-12",
}
EVERYTHING = TimelineFilters(include_retracted=True)


def record_chronology(app: TimelineApp) -> dict[str, str]:
    """Record the entries these tests read back; return their ids by name."""
    seed(app)
    app.register_source(TRICKY_SOURCE, by=BY)
    ids: dict[str, str] = {}

    def record(name: str, kind: str, **changes: Any) -> None:
        ids[name] = app.record_entry(body(kind, **changes), by=BY).id

    record("day", "meeting")  # 2023-12-27
    record("interval", "call")  # 2023-12-18/2023-12-22
    record(
        "approximate",
        "statement",
        summary=TRICKY_SUMMARY,
        details={"speaker": "andres-manuel-lopez-obrador", "quotes": [TRICKY_QUOTE]},
        sources=[
            {"source": "tricky-source", "quote": TRICKY_QUOTE, "locator": "p. 3, line 2"},
            {"source": "cbs-2023-12-28"},
        ],
    )  # 2023-12-21~
    record("month", "enforcement_action")  # 2023-11
    record("uncertain", "congressional_negotiation")  # 2023-12?
    record("year", "policy_action", occurred="2023", title="A year-long programme")
    record("season", "policy_action", occurred="2023-21", title="A spring programme")
    record("both", "statistic", occurred="2023-12%", title="Approximate and uncertain")
    record("retracted", "policy_action", title="A report later withdrawn")
    app.retract_entry(ids["retracted"], expected_version=1, reason="The source withdrew it", by=BY)
    record("corrected", "statistic", title="First title")
    app.correct_entry(
        ids["corrected"],
        expected_version=1,
        changes={"title": "Corrected title", "occurred": "2023-12-19/2023-12-23"},
        reason="the report was updated",
        by=BY,
    )
    return ids


@pytest.fixture
def chronicled(app: TimelineApp, read_models: ReadModels) -> dict[str, str]:
    ids = record_chronology(app)
    read_models.written()
    return ids


def exported(
    read_models: ReadModels,
    format_name: str,
    filters: TimelineFilters = EVERYTHING,
    as_of: str | int | None = None,
) -> bytes:
    return b"".join(export(open_chronology(read_models, filters, as_of=as_of), format_name))


def exported_with(
    read_models: ReadModels, format_name: str, filters: TimelineFilters = EVERYTHING
) -> tuple[bytes, Chronology]:
    chronology = open_chronology(read_models, filters)
    return b"".join(export(chronology, format_name)), chronology


# iCalendar ----------------------------------------------------------------------


def test_ics_reads_back_with_an_all_day_event_per_entry_spanning_the_recorded_bounds(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    raw, chronology = exported_with(read_models, "ics")
    calendar = Calendar.from_ical(raw)
    events = {str(e["uid"]).removesuffix("@policy-timeline"): e for e in calendar.walk("VEVENT")}
    assert set(events) == set(chronicled.values())
    assert str(calendar["x-policy-timeline-log-position"]) == str(chronology.meta.position)
    assert str(calendar["x-policy-timeline-head-hash"]) == chronology.meta.head_hash
    assert "include_retracted=true" in str(calendar["x-policy-timeline-filters"])

    def span(name: str) -> tuple[date, date]:
        event = events[chronicled[name]]
        assert event["dtstart"].params["VALUE"] == "DATE"
        return event.decoded("dtstart"), event.decoded("dtend")

    assert span("day") == (date(2023, 12, 27), date(2023, 12, 28))  # DTEND is exclusive
    assert span("interval") == (date(2023, 12, 18), date(2023, 12, 23))
    assert span("month") == (date(2023, 11, 1), date(2023, 12, 1))
    assert span("year") == (date(2023, 1, 1), date(2024, 1, 1))
    assert span("season") == (date(2023, 3, 1), date(2023, 6, 1))
    assert span("approximate") == (date(2023, 12, 20), date(2023, 12, 23))
    assert span("corrected") == (date(2023, 12, 19), date(2023, 12, 24))

    month = events[chronicled["month"]]
    assert "the whole month: 1 November 2023 to 30 November 2023" in str(month["description"])
    approximate = events[chronicled["approximate"]]
    assert str(approximate["summary"]).endswith("(approximate date)")
    assert str(approximate["x-date-qualifier"]) == "approximate"
    assert str(approximate["x-edtf"]) == "2023-12-21~"
    uncertain = events[chronicled["uncertain"]]
    assert str(uncertain["summary"]).endswith("(uncertain date)")
    assert str(uncertain["status"]) == "TENTATIVE"
    both = events[chronicled["both"]]
    assert str(both["x-date-qualifier"]) == "approximate and uncertain"
    assert "x-date-qualifier" not in events[chronicled["day"]]
    retracted = events[chronicled["retracted"]]
    assert str(retracted["status"]) == "CANCELLED"
    assert str(retracted["summary"]).startswith("[Retracted]")
    assert "The source withdrew it" in str(retracted["description"])
    assert str(events[chronicled["corrected"]]["summary"]) == "Corrected title"
    assert events[chronicled["corrected"]].decoded("sequence") == 1

    description = str(approximate["description"])  # unescaped by the parser
    assert TRICKY_QUOTE.split("\n")[0] in description
    assert TRICKY_SOURCE["title"] in description
    assert str(TRICKY_SOURCE["url"]) in description
    assert "[2] " + "White House says meeting" in description
    assert str(approximate["url"]) == TRICKY_SOURCE["url"]
    assert f"head hash {chronology.meta.head_hash}" in description
    for event in events.values():  # the record's time, never the clock
        assert event.decoded("dtstamp").year == event.decoded("last-modified").year
    assert raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded as icalendar folds


def test_ics_is_byte_for_byte_what_icalendar_writes_for_the_calendar_it_reads(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    # The events' lines are written by the exporter, not by icalendar's Event:
    # escaping, folding, property order and values must still be icalendar's own.
    raw, _ = exported_with(read_models, "ics")
    assert Calendar.from_ical(raw).to_ical(sorted=False) == raw


# CSV ------------------------------------------------------------------------------


def test_csv_reads_back_a_row_per_entry_with_its_sources_and_provenance_in_columns(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    raw, chronology = exported_with(read_models, "csv")
    rows = list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
    assert tuple(rows[0].keys()) == COLUMNS
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == set(chronicled.values())
    for row in rows:
        assert row["export_position"] == str(chronology.meta.position)
        assert row["export_head_hash"] == chronology.meta.head_hash
        assert row["export_filters"] == "include_retracted=true&order=asc"
    tricky = by_id[chronicled["approximate"]]
    assert tricky["quotes"] == TRICKY_QUOTE
    assert tricky["summary"] == TRICKY_SUMMARY
    assert tricky["date_qualifier"] == "approximate"
    assert tricky["occurred"] == "2023-12-21~"
    assert tricky["source_ids"] == "tricky-source; cbs-2023-12-28"
    assert tricky["source_urls"] == TRICKY_SOURCE["url"]
    citations = json.loads(tricky["citations"])
    assert citations[0]["quote"] == TRICKY_QUOTE
    assert citations[0]["title"] == TRICKY_SOURCE["title"]
    assert citations[0]["locator"] == "p. 3, line 2"
    assert tricky["sources"].splitlines()[0].startswith(f"[1] {TRICKY_SOURCE['title']}, ")
    assert by_id[chronicled["retracted"]]["status"] == "retracted"
    assert by_id[chronicled["retracted"]]["retraction_reason"] == "The source withdrew it"
    assert by_id[chronicled["corrected"]]["version"] == "2"
    assert by_id[chronicled["corrected"]]["title"] == "Corrected title"
    assert by_id[chronicled["month"]]["date_precision"] == "month"
    assert by_id[chronicled["season"]]["date"] == "Spring 2023"


def test_csv_quotes_free_text_a_spreadsheet_would_run_as_a_formula_and_keeps_it_in_citations(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    formula = "=cmd|' /C calc'!A0"
    entry = app.record_entry(
        body(
            "statement",
            title=formula,
            summary="+1 more",
            note="@SUM(A1)",
            details={"speaker": "andres-manuel-lopez-obrador", "quotes": ["-2+3", "x"]},
            sources=[{"source": "cbs-2023-12-28", "quote": '=HYPERLINK("http://x")'}],
        ),
        by=BY,
    ).id
    read_models.written()
    raw = exported(read_models, "csv", EVERYTHING)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(raw.decode(), newline=""))}
    row = rows[entry]
    assert row["title"] == "'" + formula
    assert row["summary"] == "'+1 more"
    assert row["note"] == "'@SUM(A1)"
    assert row["quotes"] == "'-2+3\nx"
    assert row["occurred"] == "2023-12-21~"
    assert json.loads(row["citations"])[0]["quote"] == '=HYPERLINK("http://x")'
    dangerous = [
        (name, value)
        for r in rows.values()
        for name, value in r.items()
        if name != "citations" and value.startswith(("=", "+", "@", "\t", "\r"))
    ]
    assert dangerous == []


# JSON and NDJSON ------------------------------------------------------------------


def test_json_and_ndjson_carry_the_same_entries_with_their_sources_resolved(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    document = json.loads(exported(read_models, "json"))
    lines = [json.loads(line) for line in exported(read_models, "ndjson").splitlines()]
    meta = document["export"]
    assert meta["log_position"] == lines[0]["log_position"]
    assert len(meta["head_hash"]) == 64
    assert meta["filters"] == {"include_retracted": True, "order": "asc"}
    assert lines[0]["type"] == "export"
    assert lines[-1] == {"type": "end", "count": len(chronicled)}
    assert document["count"] == len(chronicled)
    entries = [{k: v for k, v in line.items() if k != "type"} for line in lines[1:-1]]
    assert entries == document["entries"]
    tricky = next(e for e in entries if e["id"] == chronicled["approximate"])
    assert tricky["details"]["quotes"] == [TRICKY_QUOTE]
    assert tricky["sources"][0]["publisher"] == TRICKY_SOURCE["publisher"]
    assert tricky["sources"][0]["authors"] == TRICKY_SOURCE["authors"]
    assert tricky["actors"] == [
        {
            "actor": "andres-manuel-lopez-obrador",
            "name": "Andrés Manuel López Obrador",
            "role": "speaker",
        }
    ]
    assert tricky["date"] == {
        "label": "21 December 2023 (approximate)",
        "precision": "day",
        "approximate": True,
        "uncertain": False,
    }


# TimelineJS -------------------------------------------------------------------------


def test_timelinejs_slides_state_only_the_known_date_parts_grouped_by_topic(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    document = json.loads(exported(read_models, "timelinejs"))
    assert "start_date" not in document["title"]
    assert document["title"]["text"]["headline"] == "Chronology"
    assert document["export"]["head_hash"] in document["title"]["text"]["text"]
    slides = {s["unique_id"].removeprefix("entry-"): s for s in document["events"]}
    assert set(slides) == set(chronicled.values())
    assert len({s["unique_id"] for s in document["events"]}) == len(slides)
    for slide in slides.values():
        # The documented fields: start_date (year required, numbers), text, group.
        assert isinstance(slide["start_date"]["year"], int)
        assert set(slide["text"]) == {"headline", "text"}
        assert isinstance(slide["group"], str)
        assert set(slide) <= {
            "start_date",
            "end_date",
            "text",
            "group",
            "display_date",
            "unique_id",
        }

    def dates(name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        slide = slides[chronicled[name]]
        return slide["start_date"], slide.get("end_date")

    assert dates("day") == ({"year": 2023, "month": 12, "day": 27}, None)
    assert dates("month") == ({"year": 2023, "month": 11}, None)
    assert dates("year") == ({"year": 2023}, None)
    assert dates("season") == ({"year": 2023, "display_date": "Spring 2023"}, None)
    assert dates("interval") == (
        {"year": 2023, "month": 12, "day": 18},
        {"year": 2023, "month": 12, "day": 22},
    )
    assert dates("approximate")[0] == {
        "year": 2023,
        "month": 12,
        "day": 21,
        "display_date": "21 December 2023 (approximate)",
    }
    assert dates("uncertain")[0]["display_date"] == "December 2023 (uncertain)"
    assert slides[chronicled["day"]]["group"] == "border-security"
    assert slides[chronicled["approximate"]]["group"] == "migration"
    assert slides[chronicled["retracted"]]["text"]["headline"].startswith("[Retracted]")
    text = slides[chronicled["approximate"]]["text"]["text"]  # HTML: the text is escaped
    assert "&lt;deal&gt; &amp; no" in text
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in text


# HTML -------------------------------------------------------------------------------


class _Outline(HTMLParser):
    """Headings, articles, links and anything that would load from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.articles: list[str] = []
        self.links: list[str] = []
        self.loads: list[str] = []
        self.text: list[str] = []
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.append((tag, ""))
        if tag == "article":
            self.articles.append(str(values["id"]))
        if tag == "a":
            self.links.append(str(values["href"]))
        if tag in ("script", "img", "iframe", "link") or "src" in values:
            self.loads.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)


def test_html_is_a_standalone_well_formed_document_headed_by_month(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    raw, chronology = exported_with(read_models, "html")
    ET.fromstring(raw)  # well-formed XML: raises otherwise
    outline = _Outline()
    outline.feed(raw.decode())
    outline.close()
    assert outline.loads == []
    assert b"default-src 'none'" in raw
    assert [h for h in outline.headings if h[0] == "h2"] == [
        ("h2", "January 2023"),
        ("h2", "March 2023"),
        ("h2", "November 2023"),
        ("h2", "December 2023"),
    ]
    assert ("h3", "Corrected title") in outline.headings
    assert outline.articles == [f"entry-{chronicled[name]}" for name in _timeline_order()]
    assert TRICKY_SOURCE["url"] in outline.links
    text = "".join(outline.text)
    assert TRICKY_SOURCE["title"] in text
    assert "No <deal> & no 'maybe'" in text
    assert "Retracted: The source withdrew it" in text
    assert chronology.meta.head_hash in text
    assert f'<meta name="log-position" content="{chronology.meta.position}"/>'.encode() in raw


def _timeline_order() -> list[str]:
    # Occurred lower bound, the narrower interval first, then first position.
    return [
        "year",  # 2023-01-01..12-31
        "season",  # 2023-03-01
        "month",  # 2023-11
        "both",  # 2023-12% from 2023-11-01
        "uncertain",  # 2023-12?
        "retracted",  # 2023-12, recorded after the negotiation
        "interval",  # 2023-12-18/22
        "corrected",  # 2023-12-19/23 after its correction
        "approximate",  # 2023-12-21~ from 2023-12-20
        "day",  # 2023-12-27
    ]


# Markdown ---------------------------------------------------------------------------


def test_markdown_renders_month_headings_entries_and_footnotes_with_text_kept_text(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    raw, chronology = exported_with(read_models, "md", TimelineFilters())  # retracted left out
    text = raw.decode()
    renderer = MarkdownIt("commonmark")
    tokens = renderer.parse(text)
    headings = [
        (tokens[i].tag, tokens[i + 1].content)
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    ]
    assert headings[0] == ("h1", "Chronology")
    assert [h for h in headings if h[0] == "h2"] == [
        ("h2", "January 2023"),
        ("h2", "March 2023"),
        ("h2", "November 2023"),
        ("h2", "December 2023"),
    ]
    assert len([h for h in headings if h[0] == "h3"]) == len(chronicled) - 1
    assert ("h3", "A report later withdrawn") not in headings
    # The summary's `#`, `1.`, `*`, link and HTML stay text in one paragraph.
    assert [t.type for t in tokens if t.type in ("ordered_list_open", "html_block")] == []
    html = renderer.render(text)
    assert "# not a heading<br />\n1. not a list, *not bold* [not a link](x)" in html
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp;amp;" in html
    assert "<em>" not in html.split("# not a heading")[1].split("</p>")[0]
    # Footnote marks after each summary, their definitions after the entry.
    footnotes = [line for line in text.splitlines() if line.startswith("[^")]
    assert len(footnotes) == sum(len(e) for e in _citations(read_models))
    assert all(re.match(r"\[\^\d+\]: \*", line) for line in footnotes)
    assert f"*{inline(str(TRICKY_SOURCE['title']))}*, Presse \\& Cie, Paris" in text
    assert "“He said, \"No \\<deal\\> \\& no 'maybe'\"; then: ñandú" in text
    assert chronology.meta.head_hash in text
    assert "include\\_retracted: false" in text


def _citations(read_models: ReadModels) -> list[list[Any]]:
    chronology = open_chronology(read_models, TimelineFilters())
    return [list(entry.citations) for entry in chronology.entries()]


# The sample chronology ----------------------------------------------------------------


@pytest.fixture
def sample(app: TimelineApp, read_models: ReadModels) -> int:
    with as_file(files("scripts").joinpath("sample", SAMPLE)) as path:
        import_file(app, path, by=PRINCIPAL)
    read_models.written()
    return app.head_position()


def test_every_format_exports_the_sample_and_its_parser_reads_every_entry_back(
    read_models: ReadModels, sample: int
) -> None:
    entries = json.loads(exported(read_models, "json", TimelineFilters()))["entries"]
    assert len(entries) >= 20
    ids = [e["id"] for e in entries]
    cited = {c["title"] for e in entries for c in e["sources"]}
    counted = {
        "ics": len(
            Calendar.from_ical(exported(read_models, "ics", TimelineFilters())).walk("VEVENT")
        ),
        "csv": len(
            list(
                csv.DictReader(
                    io.StringIO(
                        exported(read_models, "csv", TimelineFilters()).decode(), newline=""
                    )
                )
            )
        ),
        "ndjson": len(exported(read_models, "ndjson", TimelineFilters()).splitlines()) - 2,
        "timelinejs": len(
            json.loads(exported(read_models, "timelinejs", TimelineFilters()))["events"]
        ),
    }
    assert counted == dict.fromkeys(counted, len(ids))
    html = exported(read_models, "html", TimelineFilters())
    root = ET.fromstring(html)
    articles = list(root.iter("article"))
    assert [a.get("id") for a in articles] == [f"entry-{i}" for i in ids]
    markdown = exported(read_models, "md", TimelineFilters()).decode()
    for title in cited:
        assert f"*{inline(title)}*" in markdown
        assert f"<cite>{escape(title)}</cite>" in html.decode()
    # `2023-11~/2023-12-28` comes first (widened to 1 October) but stands under
    # the month it states, as nothing of October follows it.
    assert re.findall(r"^## (.+)$", markdown, re.MULTILINE) == [
        "November 2023",
        "December 2023",
        "January 2024",
    ]


# Determinism, as of, and the ledger ------------------------------------------------------


def test_an_export_is_the_same_bytes_twice_and_as_of_its_position_after_more_writes(
    app: TimelineApp, read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    first = {f: exported_with(read_models, f) for f in FORMATS}
    position = first["json"][1].meta.position
    for name, (raw, _) in first.items():
        assert exported(read_models, name) == raw, name
    # More writes: a rename of an actor the entries name, a correction, a new entry.
    app.rename_actor("andres-manuel-lopez-obrador", "AMLO (renamed later)", by=BY)
    app.correct_entry(
        chronicled["day"],
        expected_version=1,
        changes={"title": "Changed later"},
        reason="r",
        by=BY,
    )
    app.record_entry(body("meeting", title="Recorded later"), by=BY)
    read_models.written()
    now = exported(read_models, "json")
    assert b"Recorded later" in now
    assert b"AMLO (renamed later)" in now
    for name, (raw, _) in first.items():
        assert exported(read_models, name, as_of=position) == raw, name
        assert exported(read_models, name, as_of=str(position)) == raw, name


def test_an_export_at_position_n_still_verifies_against_the_ledgers_checkpoint_at_n(
    app: TimelineApp, read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    _, chronology = exported_with(read_models, "json")
    position, hash_ = chronology.meta.position, chronology.meta.head_hash
    assert hash_ == read_models.ledger.head(position).root
    for _ in range(3):
        app.record_entry(body("call"), by=BY)
        read_models.written()
    assert read_models.ledger.head().root != hash_
    checkpoint = read_models.ledger.checkpoint_at(position)
    assert checkpoint is not None
    assert (checkpoint.position, checkpoint.root) == (position, hash_)
    assert read_models.ledger.head(position).root == hash_
    # Every version the export shows is in the tree the export names.
    for entry in json.loads(exported(read_models, "json", as_of=position))["entries"]:
        proof = read_models.ledger.inclusion_proof(entry["position"], against=position)
        assert proof.verify()
        assert proof.head.root == hash_


def test_filters_and_order_are_honoured_and_named(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    def ids(filters: TimelineFilters) -> list[str]:
        lines = exported(read_models, "ndjson", filters).splitlines()
        assert json.loads(lines[0])["filters"]["order"] == filters.order
        return [json.loads(line)["id"] for line in lines[1:-1]]

    everything = ids(EVERYTHING)
    assert everything == [chronicled[name] for name in _timeline_order()]
    assert ids(TimelineFilters(include_retracted=True, order="desc")) == everything[::-1]
    assert chronicled["retracted"] not in ids(TimelineFilters())
    assert ids(TimelineFilters(topic="sanctions")) == [chronicled["approximate"]]
    assert ids(TimelineFilters(kind="call")) == [chronicled["interval"]]
    assert ids(TimelineFilters(start="2023-12-27", end="2023-12-27")) == [
        chronicled[name] for name in ("year", "both", "uncertain", "day")
    ]
    assert ids(TimelineFilters(q="ñandú")) == [chronicled["approximate"]]
    meta = open_chronology(read_models, TimelineFilters(topic="migration", q="a b")).meta
    assert meta.filters_query() == "topic=migration&q=a+b&include_retracted=false&order=asc"


def test_an_export_reads_the_timeline_a_page_at_a_time_with_keyset_cursors(
    read_models: ReadModels, chronicled: dict[str, str]
) -> None:
    # Pages of 3 over 10 entries: the cursors carry the position and the filters.
    pages: list[int] = []
    chronology = open_chronology(read_models, EVERYTHING, page_size=3, progress=pages.append)
    ids = [entry.id for entry in chronology.entries()]
    assert ids == [chronicled[name] for name in _timeline_order()]
    assert pages == [3, 3, 3, 1]
    with pytest.raises(RuntimeError, match="read once"):
        next(iter(chronology.entries()))


# Both backends, byte for byte -------------------------------------------------------------


@pytest.mark.postgres
def test_sqlite_and_postgresql_export_the_same_record_to_the_same_bytes(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    lite_config = parse_store_url(f"sqlite:///{tmp_path / 'timeline.db'}")
    lite = TimelineApp(lite_config.env())
    record_chronology(lite)
    with as_file(files("scripts").joinpath("sample", SAMPLE)) as path:
        import_file(lite, path, by=PRINCIPAL)
    events = lite.recorder.select_notifications(1, 10_000)
    with postgres.database() as url:
        pg_config = parse_store_url(url)
        pg = TimelineApp(pg_config.env())
        # The very same stored events, timestamps and all, in the same order.
        rows = [
            (UUID(str(n.originator_id)).hex, n.originator_version, n.topic, n.state)
            for n in events
        ]
        pg.keys.insert_event_rows(rows)
        assert pg.head_position() == lite.head_position()
        with _models(lite, lite_config) as lite_models, _models(pg, pg_config) as pg_models:
            for name in FORMATS:
                for filters in (EVERYTHING, TimelineFilters(topic="migration", order="desc")):
                    assert exported(lite_models, name, filters) == exported(
                        pg_models, name, filters
                    ), name
        pg.close()
    lite.close()


@contextmanager
def _models(app: TimelineApp, config: StoreConfig) -> Iterator[ReadModels]:
    """ReadModels of `app`, caught up in process, closed on exit."""
    models = ReadModels(app, open_database(config), in_process=True)
    try:
        yield models
    finally:
        models.close()
