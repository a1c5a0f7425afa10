"""Sources: the publications that report entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from eventsourcing.domain import Aggregate

from domain.dates import parse_edtf_date
from domain.errors import ValidationError
from domain.values import (
    optional_text,
    reject_unknown,
    require_mapping,
    require_slug,
    require_text,
    slugify,
    source_uuid,
    text_list,
)

__all__ = ["Source", "SourceFields", "parse_source"]


@dataclass(frozen=True)
class SourceFields:
    slug: str
    title: str
    publisher: str
    authors: list[str]
    url: str | None
    published: str | None
    note: str | None


def parse_source(body: Mapping[str, Any]) -> SourceFields:
    """Validate a source body; the slug is derived from the title when absent."""
    body = require_mapping(body, "body")
    reject_unknown(body, ("id", "title", "publisher", "authors", "url", "published", "note"), "")
    title = require_text(body.get("title"), "title", limit=1000)
    slug = body.get("id")
    slug = slugify(title)[:80].strip("-") if slug is None else require_slug(slug, "id")
    if not slug:
        raise ValidationError("title", "needs at least one letter or digit to derive an id")
    url = optional_text(body.get("url"), "url")
    if url is not None and not _is_web_url(url):
        raise ValidationError("url", "expected an absolute http or https URL")
    published = body.get("published")
    return SourceFields(
        slug=slug,
        title=title,
        publisher=require_text(body.get("publisher"), "publisher", limit=300),
        authors=text_list(body.get("authors") or [], "authors"),
        url=url,
        published=None if published is None else parse_edtf_date(published, "published").text,
        note=optional_text(body.get("note"), "note"),
    )


class Source(Aggregate):
    """A publication; its aggregate id is derived from its slug."""

    class Registered(Aggregate.Created):
        slug: str
        title: str
        publisher: str
        authors: list[str]
        url: str | None
        published: str | None
        note: str | None
        by: str
        idempotency_key: str | None

    def __init__(
        self,
        slug: str,
        title: str,
        publisher: str,
        authors: list[str],
        url: str | None,
        published: str | None,
        note: str | None,
        by: str,
        idempotency_key: str | None,
    ) -> None:
        self.slug = slug
        self.title = title
        self.publisher = publisher
        self.authors = authors
        self.url = url
        self.published = published
        self.note = note

    @staticmethod
    def register(fields: SourceFields, *, by: str, idempotency_key: str | None = None) -> Source:
        return Source._create(
            Source.Registered,
            id=source_uuid(fields.slug),
            slug=fields.slug,
            title=fields.title,
            publisher=fields.publisher,
            authors=fields.authors,
            url=fields.url,
            published=fields.published,
            note=fields.note,
            by=by,
            idempotency_key=idempotency_key,
        )


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket: "http://0["
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
