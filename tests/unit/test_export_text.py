"""What the exports say of a date, and how Markdown keeps recorded text as text."""

from __future__ import annotations

from datetime import date

import pytest
from markdown_it import MarkdownIt

from domain import ValidationError, parse_edtf_date
from projections.presentation.dates import Occurred, occurred_of
from projections.presentation.exports.entry import ExportEntry
from projections.presentation.exports.md import block, inline
from projections.presentation.exports.months import WINDOW, by_month, heading, stated_month
from projections.presentation.exports.stream import buffered


def occurred(text: str) -> Occurred:
    parsed = parse_edtf_date(text, "occurred")
    return occurred_of(text, parsed.start.isoformat(), parsed.end.isoformat())


@pytest.mark.parametrize(
    ("text", "label", "precision", "qualifier", "span"),
    [
        ("2023-12-27", "27 December 2023", "day", None, None),
        (
            "2023-12",
            "December 2023",
            "month",
            None,
            "the whole month: 1 December 2023 to 31 December 2023",
        ),
        ("2023", "2023", "year", None, "the whole year: 1 January 2023 to 31 December 2023"),
        (
            "2023-22",
            "Summer 2023",
            "season",
            None,
            "the whole season: 1 June 2023 to 31 August 2023",
        ),
        (
            "2023-12-18/2023-12-22",
            "18 December 2023 \u2013 22 December 2023",
            "interval",
            None,
            None,
        ),
        (
            "2023-11/2023-12",
            "November 2023 \u2013 December 2023",
            "interval",
            None,
            "1 November 2023 to 31 December 2023",
        ),
        (
            "2023-12-21~",
            "21 December 2023 (approximate)",
            "day",
            "approximate",
            "the approximate date as the record widens it: 20 December 2023 to 22 December 2023",
        ),
        (
            "2023-12?",
            "December 2023 (uncertain)",
            "month",
            "uncertain",
            "the whole month: 1 December 2023 to 31 December 2023",
        ),
        (
            "2023-12%",
            "December 2023 (approximate and uncertain)",
            "month",
            "approximate and uncertain",
            "the approximate date as the record widens it: 1 November 2023 to 31 January 2024",
        ),
        ("201X", "201X", "other", None, "1 January 2010 to 31 December 2019"),
        (
            "?2023-12",
            "?2023-12 (uncertain)",
            "other",
            "uncertain",
            "1 December 2023 to 31 December 2023",
        ),
    ],
)
def test_a_date_is_said_as_the_record_has_it(
    text: str, label: str, precision: str, qualifier: str | None, span: str | None
) -> None:
    date_ = occurred(text)
    assert date_.label() == label
    assert date_.precision == precision
    assert date_.qualifier == qualifier
    assert date_.span_note() == span


def test_an_all_day_event_ends_the_day_after_the_recorded_end() -> None:
    assert occurred("2023-12").last_day_exclusive == date(2024, 1, 1)
    assert occurred("2023-12-31").last_day_exclusive == date(2024, 1, 1)
    assert occurred("2024-02-28/2024-02-29").last_day_exclusive == date(2024, 3, 1)


def entry(text: str) -> ExportEntry:
    return ExportEntry(
        body={"occurred": text}, occurred=occurred(text), actors=(), citations=(), names={}
    )


def months(texts: list[str], *, descending: bool = False, window: int = WINDOW) -> list[str]:
    """The heading each date stands under; the dates come in timeline order."""
    ordered = sorted(texts, key=lambda t: (occurred(t).start, occurred(t).end), reverse=descending)
    assert ordered == texts, "give the dates in timeline order"
    keys = [
        k for k, _ in by_month([entry(t) for t in texts], descending=descending, window=window)
    ]
    return [heading(k) for k in keys]


def test_an_entry_stands_under_the_month_its_date_states_unless_that_breaks_the_order() -> None:
    # `2023-11~/…` starts on 1 October, widened; nothing of October follows it.
    assert months(["2023-11~/2023-12-28", "2023-11-05"]) == ["November 2023", "November 2023"]
    # An October date follows it: it stays beside it, under October.
    assert months(["2023-11~/2023-12-28", "2023-10-15", "2023-11-05"]) == [
        "October 2023",
        "October 2023",
        "November 2023",
    ]
    # `2023-12~` starts on 1 November, widened by a month.
    assert months(["2023-12~", "2023-12-01"]) == ["December 2023", "December 2023"]
    assert months(["2023-12~", "2023-11-30", "2023-12-01"]) == [
        "November 2023",
        "November 2023",
        "December 2023",
    ]
    # Newest first, the least stated month so far.
    assert months(["2023-12-01", "2023-12~"], descending=True) == [
        "December 2023",
        "December 2023",
    ]
    assert months(["2023-12-01", "2023-11-30", "2023-12~"], descending=True) == [
        "December 2023",
        "November 2023",
        "November 2023",
    ]
    assert months(["2024~", "2023-06"]) == ["June 2023", "June 2023"]
    assert months(["2024~", "2024-02"]) == ["January 2024", "February 2024"]
    assert stated_month("2023-11~/2023-12-28", "2023-10-01") == "2023-11"
    assert stated_month("201X", "2010-01-01") == "2010-01"


def test_headings_never_go_back_when_more_entries_wait_than_the_window() -> None:
    texts = [*["2023-12~"] * 5, "2023-11-20", "2023-12-05"]
    assert months(texts) == ["November 2023"] * 6 + ["December 2023"]
    # Past the window the first waiting entry is settled with what is known
    # (December); the November date after it then stands under December too.
    assert months(texts, window=2) == ["December 2023"] * 7


TRICKY = [
    "*bold* _em_ __strong__ `code` [link](http://x) ![img](y) <b>html</b> &amp; &copy;",
    "# heading? no",
    "1. a list? 2) no",
    "- item? + no * no",
    "> quote? no",
    "=== setext? ---",
    "| a | table |",
    "back\\slash at the end\\",
    "[^1]: a footnote? no",
    "~~strike~~ <https://autolink.example> www.example.com",
    "Ñandú, Zürich, 東京 — “quotes” 'single' \"double\"",
    "    four spaces: code? no",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_markdown_inline_text_renders_as_the_same_text_and_nothing_else(text: str) -> None:
    tokens = MarkdownIt("commonmark").parseInline(inline(text))
    children = tokens[0].children or []
    assert {child.type for child in children} <= {"text"}
    assert "".join(child.content for child in children) == " ".join(text.split())


def test_a_markdown_block_keeps_each_line_as_text_with_hard_breaks_between() -> None:
    text = "\n".join(TRICKY)
    tokens = MarkdownIt("commonmark").parse(block(text))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    children = tokens[1].children or []
    assert {child.type for child in children} <= {"text", "hardbreak"}
    lines = "".join("\n" if c.type == "hardbreak" else c.content for c in children).split("\n")
    assert lines == [" ".join(line.split()) for line in TRICKY if line.strip()]


def test_chunks_gather_small_pieces_and_keep_their_order() -> None:
    pieces = [f"{i}," for i in range(10_000)]
    chunks = list(buffered(pieces, size=1000))
    assert b"".join(chunks) == "".join(pieces).encode()
    assert all(len(chunk) >= 1000 for chunk in chunks[:-1])
    assert list(buffered([])) == []


@pytest.mark.parametrize(
    "text",
    [
        *("2023-11", "2023-11-05", "2023-11-01~", "2023-11-05?", "2023-11%", "2023-1X"),
        *("2023-11-XX", "2023-11-05/2024-02", "2023-11/..", "2023-11~/2023-12-28", "2023-21"),
        *("2023", "2023~", "2023-12-31~", "201X", "2023-02-30", "2023-11-05/2023-11-04"),
    ],
)
@pytest.mark.parametrize("start", ["2023-10-01", "2023-11-01", "2023-11-30", "2023-12-01", None])
def test_a_stated_month_read_off_the_text_is_the_one_a_parse_gives(
    text: str, start: str | None
) -> None:
    # `stated_month` skips the parse for a text that opens with its start's month;
    # whatever start it is given (its own, None below, or another), it answers alike.
    if start is None:
        try:
            start = parse_edtf_date(text, "occurred").start.isoformat()
        except ValidationError:
            return
    recorded = start[:7]
    try:
        parsed = parse_edtf_date(text.replace("~", "").replace("%", ""), "occurred")
    except ValidationError:
        assert stated_month(text, start) == recorded
    else:
        assert stated_month(text, start) == max(recorded, parsed.start.isoformat()[:7])
