"""What the views read from an entry's body alone: its search words and its month.

Apart from `projections.views.entries` because the queries and the exports
read text and months too, and need none of the domain's event classes that
module is built on: a command that only reads starts without them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any

from domain import ValidationError, parse_edtf_date
from domain.values import search_fold, transliterate

__all__ = ["month_number", "search_text", "search_words", "span_days", "stated_month"]

_WORD = re.compile(r"[^\W_]+")
# Every byte but an ASCII letter or digit as a space: what `_WORD` splits ASCII at.
_ASCII_SEPARATORS = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


def search_text(body: dict[str, Any]) -> str:
    """The words of the title, summary and every quote (of the details and of the citations)."""
    parts = [body["title"], body["summary"], *body["details"].get("quotes", ())]
    parts += [quote for c in body["sources"] if (quote := c.get("quote"))]
    text = "\n".join(parts)
    folded = search_fold(text)
    if folded.isascii():
        # `search_words` of ASCII text, the words of most bodies, a replay's hot
        # path: runs of letters and digits, each byte else a separator.
        return b" ".join(folded.encode().translate(_ASCII_SEPARATORS).split()).decode()
    return " ".join(search_words(text))


def search_words(text: str) -> list[str]:
    """The words search knows `text` by: runs of letters and digits, folded for
    search (`search_fold`), each one not in ASCII followed by its transliteration's
    words, so 'lukasz' finds 'Łukasz' and 'zelenskiy' finds 'Зеленський'.

    The index and the query split text here, alike on both backends: left to
    themselves, PostgreSQL's parser keeps `Ukraine/Israel` and `U.S.` whole,
    and SQLite's tokenizer does not fold `ß`, so a search would find on one
    backend what it misses on the other.
    """
    folded = search_fold(text)
    words = _WORD.findall(folded)
    # ASCII text, most text, has ASCII words: no need to ask each of them.
    if folded.isascii() or all(word.isascii() for word in words):
        return words
    # Transliterated before folding: folding reads 'й' as 'и', anyascii tells them apart.
    visible = "".join(
        c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c) != "Cf"
    )
    return [spelled for word in _WORD.findall(visible) for spelled in _spellings(word)]


@lru_cache(maxsize=16_384)
def _spellings(word: str) -> tuple[str, ...]:
    folded = _WORD.findall(search_fold(word))
    if all(w.isascii() for w in folded):
        return tuple(folded)
    return (*folded, *(w for w in _WORD.findall(transliterate(word)) if w not in folded))


@lru_cache(maxsize=16_384)
def span_days(start: str, end: str) -> int:
    """How many days the occurred interval covers beyond its first: finer sorts first."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def stated_month(text: str, start: str) -> str:
    """The month a date says it starts in, as `2023-11`: November for
    `2023-11~/2023-12-28`, though `~` widened its recorded lower bound `start` (ISO)
    to 1 October; the month of `start` for a text not read without its marks."""
    recorded = start[:7]
    # A text that opens with the month of its recorded start (`2023-11`, `2023-11-05`,
    # `2023-11-05/2024-02`, most dates) states that month: a parse would find it no
    # later, and `max` below keeps the recorded one. A replay asks this of every
    # version, and its dates are too many and too scattered for a cache to answer.
    if text[:7] == recorded and text[7:8] in ("", "-", "/"):
        return recorded
    return _parsed_month(text, recorded)


@lru_cache(maxsize=16_384)
def _parsed_month(text: str, recorded: str) -> str:
    try:
        strict = parse_edtf_date(text.replace("~", "").replace("%", ""), "occurred")
    except ValidationError:
        return recorded
    # Widening only lowers the bound; max() keeps that for any form read apart.
    return max(recorded, strict.start.isoformat()[:7])


def month_number(body: dict[str, Any]) -> int:
    """The month `body` states it starts in (`stated_month`) as 202311: three bytes
    in a SQLite row, where `2023-11` took eight."""
    month = stated_month(body["occurred"], body["occurred_start"])
    return int(month[:4]) * 100 + int(month[5:7])
