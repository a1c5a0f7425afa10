"""Markdown: headed by month, one section per entry, its sources as numbered footnotes.

Every piece of recorded text is escaped, so a title with `*`, `<` or `[`
stays text, and a line of a summary that starts with `#` or `1.` does not
become a heading or a list. Footnote labels run through the whole document
(`[^1]`, `[^2]`, …) so they never collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from projections.presentation.citations import CitationMarkup, cite
from projections.presentation.exports.chronology import Chronology
from projections.presentation.exports.entry import Citation, ExportEntry, detail_items, kind_label
from projections.presentation.exports.months import by_month, heading
from projections.presentation.exports.stream import buffered

__all__ = ["block", "inline", "render"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~!#])")
_BLOCK_START = re.compile(r"^([#>+=-])")
_LIST_NUMBER = re.compile(r"^(\d+)([.)])")


def render(chronology: Chronology) -> Iterator[bytes]:
    """The chronology as one Markdown document, in chunks of UTF-8."""
    return buffered(_pieces(chronology))


def _pieces(chronology: Chronology) -> Iterator[str]:
    meta = chronology.meta
    yield "# Chronology\n\n"
    yield f"{inline(meta.describe())}\n\n"
    yield f"- **Log position:** {meta.position}\n"
    if meta.recorded_at:
        yield f"- **Recorded by:** {inline(meta.recorded_at)}\n"
    yield f"- **Head hash:** `{meta.head_hash}`\n"
    yield f"- **Filters:** {inline(meta.filters_text())}\n\n"
    if meta.checkpoint is not None:
        yield (
            "The log's signed checkpoint for this position (check it with the log's key, "
            f"`GET /api/v1/audit/key`):\n\n```text\n{meta.checkpoint}```\n\n"
        )
    yield (
        "Dates are EDTF as recorded. Entries are in the order of the earliest day their "
        "date allows, under the month their date says it starts in. Each entry's sources "
        "are its footnotes.\n\n"
    )
    month = None
    note = 0
    descending = meta.filters.order == "desc"
    for key, entry in by_month(chronology.entries(), descending=descending):
        if key != month:
            month = key
            yield f"## {heading(key)}\n\n"
        yield _entry(entry, note)
        note += len(entry.citations)
    yield f"---\n\n{_count(chronology.count)}.\n"


def _entry(entry: ExportEntry, note: int) -> str:
    title = inline(entry.title)
    lines = [f"### {title} (retracted)" if entry.retracted else f"### {title}", ""]
    occurred = entry.occurred
    date = f"{inline(occurred.label())} (`{occurred.text}`"
    if (span := occurred.span_note()) is not None:
        date += f"; {inline(span)}"
    lines.append(f"- **Date:** {date})")
    lines.append(f"- **Kind:** {kind_label(entry.kind)}")
    if entry.retracted:
        reason = entry.body.get("retraction_reason") or "no reason given"
        lines.append(f"- **Retracted:** {inline(reason)}")
    if entry.actors:
        actors = "; ".join(f"{inline(a.name)} ({inline(a.role)})" for a in entry.actors)
        lines.append(f"- **Actors:** {actors}")
    if entry.topics:
        lines.append(f"- **Topics:** {inline(', '.join(entry.topics))}")
    if entry.body.get("location"):
        lines.append(f"- **Location:** {inline(entry.body['location'])}")
    for label, text in detail_items(entry):
        lines.append(f"- **{label}:** {inline(text)}")
    for link in entry.body["links"]:
        lines.append(f"- **Link:** {inline(link['relation'])} {inline(link['target'])}")
    if entry.body.get("note"):
        lines.append(f"- **Note:** {inline(entry.body['note'])}")
    lines.append(f"- **Record:** {inline(entry.status_line())}; id `{entry.id}`")
    marks = "".join(f"[^{note + c.number}]" for c in entry.citations)
    lines += ["", block(entry.summary) + marks, ""]
    for quote in entry.quotes:
        lines += [_quotation(quote), ""]
    for citation in entry.citations:
        lines.append(f"[^{note + citation.number}]: {_citation(citation)}")
    lines.append("")
    return "\n".join(lines) + "\n"


def _citation(citation: Citation) -> str:
    return cite(citation, _MARKUP)


def _link(url: str) -> str:
    # An autolink holds no spaces and no angle brackets; anything else stays escaped text.
    if re.fullmatch(r"[^\s<>]+", url):
        return f"<{url}>"
    return inline(url)


def _quotation(text: str) -> str:
    return "\n".join(f"> {line}" for line in block(text).split("\n"))


def _count(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def inline(text: str) -> str:
    """`text` as Markdown inline text: one line, every markup character escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def block(text: str) -> str:
    """`text` as the lines of one paragraph: each line escaped, hard line breaks
    between them (blank lines dropped, so the paragraph stays one)."""
    lines = []
    for raw in text.splitlines():
        line = inline(raw)
        if not line:
            continue
        line = _BLOCK_START.sub(r"\\\1", line)
        line = _LIST_NUMBER.sub(r"\1\\\2", line)
        lines.append(line)
    return "\\\n".join(lines)


_MARKUP = CitationMarkup(
    text=inline,
    title=lambda title, url: f"*{inline(title)}*",
    quote=lambda quote: f"“{inline(quote)}”",
    url=_link,
    date=inline,
)
