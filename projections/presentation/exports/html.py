"""HTML: one standalone, well-formed document, headed by month, sources as links.

Nothing in it loads from elsewhere: the style is inline, and a
Content-Security-Policy forbids every fetch, so it opens the same offline.
Every recorded text is escaped; the markup is XML-well-formed (void elements
closed, attributes quoted), so an XML parser reads it as well as a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from projections.presentation.citations import CitationMarkup, cite
from projections.presentation.exports.chronology import Chronology
from projections.presentation.exports.entry import Citation, ExportEntry, detail_items, kind_label
from projections.presentation.exports.months import by_month, heading
from projections.presentation.exports.stream import buffered

__all__ = ["render"]

STYLE = """\
body{font:16px/1.5 Georgia,serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
h1,h2,h3{font-family:Helvetica,Arial,sans-serif;line-height:1.2}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.5rem 0}
dt{font-weight:bold}dd{margin:0}
.retracted h3{text-decoration:line-through}
.retracted .status{color:#a00;font-weight:bold}
blockquote{border-left:3px solid #ccc;margin:.5rem 0;padding-left:.8rem}
.sources{font-size:.9rem}
code{font-size:.85rem;word-break:break-all}
"""


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as one HTML document, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    meta = chronology.meta
    yield (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n"
        f'<meta name="log-position" content="{meta.position}"/>\n'
        f'<meta name="log-head-hash" content="{meta.head_hash}"/>\n'
        f'<meta name="filters" content="{_e(meta.filters_query())}"/>\n'
        + (
            f'<meta name="log-checkpoint" content="{meta.checkpoint_base64()}"/>\n'
            if meta.checkpoint is not None
            else ""
        )
        + f"<title>Chronology as of log position {meta.position}</title>\n"
        f"<style>\n{STYLE}</style>\n</head>\n<body>\n"
        f'<header>\n<h1>Chronology</h1>\n<p>{_e(meta.describe())}</p>\n<dl class="export">\n'
        f"<dt>Log position</dt><dd>{meta.position}</dd>\n"
    )
    if meta.recorded_at:
        yield f"<dt>Recorded by</dt><dd>{_e(meta.recorded_at)}</dd>\n"
    yield (
        f"<dt>Head hash</dt><dd><code>{meta.head_hash}</code></dd>\n"
        f"<dt>Filters</dt><dd>{_e(meta.filters_text())}</dd>\n"
        + (
            f"<dt>Signed checkpoint</dt><dd><pre>{_e(meta.checkpoint)}</pre></dd>\n"
            if meta.checkpoint is not None
            else ""
        )
        + "</dl>\n"
        "<p>Dates are EDTF as recorded. Entries are in the order of the earliest day their "
        "date allows, under the month their date says it starts in.</p>\n</header>\n<main>\n"
    )
    month = None
    descending = meta.filters.order == "desc"
    for key, entry in by_month(chronology.entries(), descending=descending):
        if key != month:
            if month is not None:
                yield "</section>\n"
            month = key
            yield f"<section>\n<h2>{heading(key)}</h2>\n"
        yield _entry(entry)
    if month is not None:
        yield "</section>\n"
    count = chronology.count
    entries = "1 entry" if count == 1 else f"{count} entries"
    yield f"</main>\n<footer>\n<p>{entries}.</p>\n</footer>\n</body>\n</html>\n"


def _entry(entry: ExportEntry) -> str:
    classes = "entry retracted" if entry.retracted else "entry"
    parts = [
        f'<article id="entry-{_e(entry.id)}" class="{classes}">',
        f"<h3>{_e(entry.title)}</h3>",
    ]
    if (retraction := entry.retraction_line()) is not None:
        parts.append(f'<p class="status">{_e(retraction)}</p>')
    occurred = entry.occurred
    date = _e(occurred.label())
    if (moment := occurred.moment) is not None:
        # HTML's date-time: `+01` is EDTF but not HTML, so the offset is written out.
        date = f'<time datetime="{moment.isoformat()}">{date}</time>'
    elif occurred.precision in ("day", "month", "year") and occurred.qualifier is None:
        date = f'<time datetime="{_e(occurred.text)}">{date}</time>'
    date += f" (<code>{_e(occurred.text)}</code>"
    if (span := occurred.span_note()) is not None:
        date += f"; {_e(span)}"
    rows = [("Date", date + ")"), ("Kind", _e(kind_label(entry.kind)))]
    if entry.actors:
        rows.append(("Actors", "; ".join(f"{_e(a.name)} ({_e(a.role)})" for a in entry.actors)))
    if entry.topics:
        rows.append(("Topics", _e(", ".join(entry.topics))))
    if entry.body.get("location"):
        rows.append(("Location", _e(entry.body["location"])))
    rows += [(_e(label), _e(text)) for label, text in detail_items(entry)]
    for link in entry.body["links"]:
        target = _e(link["target"])
        rows.append(("Link", f'{_e(link["relation"])} <a href="#entry-{target}">{target}</a>'))
    if entry.body.get("note"):
        rows.append(("Note", _lines(entry.body["note"])))
    rows.append(("Record", f"{_e(entry.status_line())}; id <code>{_e(entry.id)}</code>"))
    parts.append("<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>")
    parts.append(f'<p class="summary">{_lines(entry.summary)}</p>')
    parts += [f"<blockquote><p>{_lines(quote)}</p></blockquote>" for quote in entry.quotes]
    parts.append('<ol class="sources">')
    parts += [_citation(citation) for citation in entry.citations]
    parts.append("</ol>\n</article>\n")
    return "\n".join(parts)


def _citation(citation: Citation) -> str:
    return f"<li>{cite(citation, _MARKUP)}</li>"


def _title(title: str, url: str | None) -> str:
    cited = f"<cite>{_e(title)}</cite>"
    return f'<a href="{_e(url)}" rel="noreferrer">{cited}</a>' if url else cited


def _e(text: str) -> str:
    return escape(text, quote=True)


def _lines(text: str) -> str:
    """Escaped text whose line breaks stay line breaks."""
    return "<br/>".join(_e(line) for line in text.splitlines())


_MARKUP = CitationMarkup(
    text=_e, title=_title, quote=lambda quote: f"<q>{_lines(quote)}</q>", url=None, date=_e
)
