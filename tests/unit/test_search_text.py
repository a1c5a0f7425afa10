"""An entry's search text: the same words whichever way its text is split."""

from __future__ import annotations

import random
import string

import pytest

from projections.views.body import search_text, search_words


def entry_body(title: str, summary: str = "", quotes: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        "title": title,
        "summary": summary,
        "details": {"quotes": list(quotes)},
        "sources": [{"source": "s", "quote": q} for q in quotes] + [{"source": "t"}],
    }


@pytest.mark.parametrize(
    "title",
    [
        "U.S. and Ukraine/Israel: snake_case, CamelCase, 2024-01-02, it's",
        "tabs\tand\x0bvertical\x1cseparators\x7fdel",
        "",
        "Łukasz Wałęsa meets Зеленський",  # not ASCII: the words and their transliterations
    ],
)
def test_the_search_text_holds_the_words_search_splits_the_body_into(title: str) -> None:
    body = entry_body(title, "A summary, with punctuation!", ("A quote.",))
    text = "\n".join([title, "A summary, with punctuation!", "A quote.", "A quote."])
    assert search_text(body) == " ".join(search_words(text))


def test_ascii_text_of_any_characters_is_split_as_search_splits_it() -> None:
    rng = random.Random(5)
    alphabet = string.printable + "\x00\x01\x1f\x7f_"
    for _ in range(2000):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        assert search_text(entry_body(title)) == " ".join(search_words(title)), repr(title)
