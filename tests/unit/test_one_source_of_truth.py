"""Facts defined once (STYLE.md, convention 7): a copy that drifts fails here.

The EDTF pattern lives in `domain/dates.py` alone; the exports and the web
pages take dates apart through it and say them in words through one
describer (`projections/presentation/dates.py`). A citation is worded by one
function (`projections/presentation/citations.py`): every export format and the
web pages say exactly its words, their markup aside.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from html import unescape
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from icalendar import Calendar

from api.web.dates import display_date
from api.web.present import entry_card
from projections.presentation.citations import FIELDS, PLAIN, cite, fields
from projections.presentation.dates import Occurred, occurred_of, short_date
from projections.presentation.exports import FORMATS, Chronology, ExportMeta
from projections.presentation.exports.entry import Citation, ExportEntry, citation_json
from projections.presentation.exports.references import SourceInfo
from projections.queries import TimelineFilters

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "api", "scripts")
# A four-digit year, as a regular expression writes it.
_YEAR_TOKEN = re.compile(r"(\[0-9\]|\\d)\{4\}")
# String constants that look like a year pattern but are not a reading of EDTF,
# each with its reason.
NOT_EDTF_READERS = {
    # A Pydantic prefix check on the wire (is it a date at all?); the domain decides.
    ("api/schemas.py", "^[0-9]{4}"),
}


def _year_patterns() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and _YEAR_TOKEN.search(node.value)
                    and "a-fA-F" not in node.value  # a UUID's hex groups, not a year
                ):
                    found.add((str(path.relative_to(ROOT)), node.value))
    return found


def test_the_edtf_pattern_is_written_once_in_the_domain() -> None:
    patterns = _year_patterns() - NOT_EDTF_READERS
    assert {path for path, _ in patterns} == {"domain/dates.py"}, patterns
    assert len(patterns) == 1, patterns


def test_the_exports_and_the_pages_read_dates_with_the_domain_reader() -> None:
    for path in ("projections/presentation/dates.py", "api/web/dates.py"):
        source = (ROOT / path).read_text()
        assert "import re\n" not in source, f"{path} takes dates apart itself"


def test_the_pages_say_dates_with_the_exports_describer() -> None:
    assert display_date is short_date


@pytest.mark.parametrize(
    ("text", "start", "end", "long", "short"),
    [
        ("2023-12-27", "2023-12-27", "2023-12-27", "27 December 2023", "27 Dec 2023"),
        (
            "2023-12-21~",
            "2023-12-20",
            "2023-12-22",
            "21 December 2023 (approximate)",
            "~21 Dec 2023",
        ),
        ("2024-21", "2024-03-01", "2024-05-31", "Spring 2024", "Spring 2024"),
        (
            "2023-12-18/2023-12-22",
            "2023-12-18",
            "2023-12-22",
            "18 December 2023 \N{EN DASH} 22 December 2023",
            "18\N{EN DASH}22 Dec 2023",
        ),
    ],
)
def test_one_reading_gives_both_lengths_of_words(
    text: str, start: str, end: str, long: str, short: str
) -> None:
    occurred: Occurred = occurred_of(text, start, end)
    assert occurred.label() == long
    assert short_date(text, start, end) == short


# A citation with every field, in words no format escapes.
SOURCE = SourceInfo(
    id="daily-record-talks",
    title="Border talks resume",
    publisher="Daily Record",
    authors=("Ana Ruiz", "Bo Li"),
    url="https://example.org/talks",
    published="2023-12-28",
)
CITATION = Citation(1, SOURCE, "Talks went on for weeks", "paragraph 3")
BODY: dict[str, Any] = {
    "id": "talks-resume",
    "kind": "meeting",
    "title": "Talks resume",
    "summary": "Negotiators met again.",
    "occurred": "2023-12-27",
    "occurred_start": "2023-12-27",
    "occurred_end": "2023-12-27",
    "status": "recorded",
    "version": 1,
    "position": 7,
    "recorded_at": "2024-01-02T10:00:00+00:00",
    "updated_at": "2024-01-02T10:00:00+00:00",
    "actors": [],
    "topics": ["border"],
    "details": {},
    "links": [],
    "sources": [{"source": SOURCE.id, "quote": CITATION.quote, "locator": CITATION.locator}],
}
# The shared words, as plain text: what every format must say, markup aside.
WORDS = cite(CITATION)
LINKED = cite(CITATION, replace(PLAIN, url=None))  # the title carries the URL
LINKED_Q = cite(CITATION, replace(PLAIN, url=None, quote=lambda quote: quote))  # <q> marks it


class _References:
    """The records an export carries for its actors and sources, reduced to their ids."""

    def actor_record(self, slug: str) -> dict[str, str]:
        return {"type": "actor", "id": slug}

    def source_record(self, slug: str) -> dict[str, str]:
        return {"type": "source", "id": slug}


@dataclass
class _OneEntry:
    """A chronology of one entry, as the format renderers read one."""

    entry: ExportEntry
    references: _References = field(default_factory=lambda: _References())
    meta: ExportMeta = field(
        default_factory=lambda: ExportMeta(1, None, "0" * 64, TimelineFilters())
    )
    count: int = 1

    def entries(self) -> Iterator[ExportEntry]:
        return iter([self.entry])


def _exported(format_name: str) -> str:
    entry = ExportEntry(
        body=BODY,
        occurred=occurred_of("2023-12-27", "2023-12-27", "2023-12-27"),
        actors=(),
        citations=(CITATION,),
        names={},
    )
    chronology = cast(Chronology, _OneEntry(entry))
    return b"".join(FORMATS[format_name].render(chronology)).decode()


def _text_of_html(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _md(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("[^1]: "))
    return line.removeprefix("[^1]: ").replace("*", "").replace("<", "").replace(">", "")


def _html(text: str) -> str:
    return _text_of_html(re.findall(r'<ol class="sources">\n(.*?)\n</ol>', text)[0])


def _csv(text: str) -> str:
    row = next(csv.DictReader(io.StringIO(text)))
    assert orjson.loads(row["citations"]) == [citation_json(CITATION)]
    return row["sources"].removeprefix("[1] ")


def _json(text: str) -> str:
    (cited,) = orjson.loads(text)["entries"][0]["sources"]
    assert [key for key in FIELDS if key in cited] == list(FIELDS)
    return cite(_FromJson(cited))


def _ndjson(text: str) -> str:
    return _json(orjson.dumps({"entries": [orjson.loads(text.splitlines()[1])]}).decode())


def _ics(text: str) -> str:
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    line = next(line for line in str(event["description"]).splitlines() if line.startswith("[1]"))
    return line.removeprefix("[1] ")


def _timelinejs(text: str) -> str:
    slide = orjson.loads(text)["events"][0]["text"]["text"]
    return _text_of_html(re.findall(r"<ol><li>(.*?)</li></ol>", slide)[0])


@dataclass(frozen=True)
class _FromJson:
    """A citation read back from an export's JSON, for `cite`."""

    data: dict[str, Any]

    @property
    def source(self) -> SourceInfo:
        d = self.data
        return SourceInfo(
            d["source"], d["title"], d["publisher"], tuple(d["authors"]), d["url"], d["published"]
        )

    @property
    def quote(self) -> str | None:
        return cast(str | None, self.data["quote"])

    @property
    def locator(self) -> str | None:
        return cast(str | None, self.data["locator"])


# Each format: how to find its citation's words, and the shared words it must say.
READERS: dict[str, tuple[Callable[[str], str], str]] = {
    "md": (_md, WORDS),
    "html": (_html, LINKED_Q),
    "csv": (_csv, WORDS),
    "json": (_json, WORDS),
    "ndjson": (_ndjson, WORDS),
    "ics": (_ics, WORDS),
    "timelinejs": (_timelinejs, LINKED),
}


def test_every_export_format_has_a_citation_reader_here() -> None:
    assert set(READERS) == set(FORMATS)


@pytest.mark.parametrize("format_name", sorted(READERS))
def test_every_export_format_cites_with_the_shared_words(format_name: str) -> None:
    read, words = READERS[format_name]
    said = read(_exported(format_name))
    assert said == words
    for part in ("Ana Ruiz, Bo Li", "Talks went on for weeks", "(paragraph 3)"):
        assert part in said


def test_the_pages_cite_with_the_shared_words() -> None:
    sources = {SOURCE.id: {**asdict(SOURCE), "authors": list(SOURCE.authors)}}
    card = entry_card(BODY, {}, sources)
    (cited,) = card["citations"]
    assert f'<a href="{SOURCE.url}"' in cited["html"]
    dated = replace(PLAIN, url=None, quote=lambda quote: quote, date=display_date)
    assert _text_of_html(cited["html"]) == cite(CITATION, dated)
    assert "Ana Ruiz, Bo Li" in cited["html"]
    assert "published 28 Dec 2023" in cited["html"]


def test_the_json_fields_of_a_citation_are_the_shared_fields_in_order() -> None:
    assert tuple(fields(CITATION)) == FIELDS
    assert list(citation_json(CITATION)) == ["number", "source", *FIELDS]
