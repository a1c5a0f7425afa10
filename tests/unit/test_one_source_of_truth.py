"""Facts defined once (STYLE.md, convention 7): a copy that drifts fails here.

The EDTF pattern lives in `domain/dates.py` alone; the exports and the web
pages take dates apart through it and say them in words through one
describer (`projections/exports/dates.py`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from api.web.dates import display_date
from projections.exports.dates import Occurred, occurred_of, short_date

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
    for path in ("projections/exports/dates.py", "api/web/dates.py"):
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
