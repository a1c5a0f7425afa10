"""A citation in words: the one place that decides what a citation says and in what order.

    Title, Publisher (Author One, Author Two), published 2023-12-28, URL. “quote” (locator)

Every export format and the web pages write their citations through `cite`;
each brings its `CitationMarkup`: how it escapes text, marks the title (and
whether the title carries the link, in which case the URL is not written
again), quotes the passage, and says the published date (the EDTF text as
recorded in the exports, words on the pages). The fields a citation has, in
the order the JSON and CSV exports write them, are `FIELDS`, and `fields`
gives them as data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["FIELDS", "PLAIN", "CitationMarkup", "Cited", "CitedSource", "cite", "fields"]

# The fields of a resolved citation, in the order the exports write them.
FIELDS = ("title", "publisher", "authors", "url", "published", "quote", "locator")


class CitedSource(Protocol):
    """A registered source, as a citation shows it."""

    @property
    def title(self) -> str: ...
    @property
    def publisher(self) -> str | None: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def url(self) -> str | None: ...
    @property
    def published(self) -> str | None: ...


class Cited(Protocol):
    """A citation with its source resolved: the source, and the passage it points to."""

    @property
    def source(self) -> CitedSource: ...
    @property
    def quote(self) -> str | None: ...
    @property
    def locator(self) -> str | None: ...


def _same(text: str) -> str:
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class CitationMarkup:
    """How one format writes the parts of a citation: escaping and marks, not words.

    `title(title, url)` marks the title; `url` writes the address after the
    date, or is None when `title` already links it; `quote` writes the passage
    with its quotation marks; `date` says the published date (EDTF).
    """

    text: Callable[[str], str]
    title: Callable[[str, str | None], str]
    quote: Callable[[str], str]
    url: Callable[[str], str] | None
    date: Callable[[str], str] = _same


# Text with no markup: CSV cells, iCalendar descriptions, the pages' text rows.
PLAIN = CitationMarkup(
    text=_same,
    title=lambda title, url: title,
    quote=lambda quote: f"“{_one_line(quote)}”",
    url=_same,
)


def cite(citation: Cited, markup: CitationMarkup = PLAIN) -> str:
    """The citation as one line of `markup`: title, publisher, authors, published date,
    URL, then the quote and its locator, each part only when the record has it."""
    source = citation.source
    text = markup.title(source.title, source.url)
    if source.publisher:
        text += f", {markup.text(source.publisher)}"
    if source.authors:
        text += f" ({markup.text(', '.join(source.authors))})"
    if source.published:
        text += f", published {markup.date(source.published)}"
    if source.url and markup.url is not None:
        text += f", {markup.url(source.url)}"
    text += "."
    if citation.quote:
        text += f" {markup.quote(citation.quote)}"
    if citation.locator:
        text += f" ({markup.text(citation.locator)})"
    return text


def fields(citation: Cited) -> dict[str, Any]:
    """The citation's `FIELDS` as JSON-ready data, in that order."""
    source = citation.source
    return {
        "title": source.title,
        "publisher": source.publisher,
        "authors": list(source.authors),
        "url": source.url,
        "published": source.published,
        "quote": citation.quote,
        "locator": citation.locator,
    }
