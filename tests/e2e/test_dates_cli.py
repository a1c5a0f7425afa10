"""`policy-timeline dates resolve`: a date phrase read against a report's date."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from scripts.cli import main
from tests.e2e.test_cli import COMMAND
from tests.unit.test_cli_imports import HEAVY, _imported_by


def test_dates_resolve_prints_the_edtf_the_bounds_and_the_basis(tmp_path: Path) -> None:
    done = subprocess.run(
        [COMMAND, "dates", "resolve", "last week", "--reference", "2023-12-28"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "edtf:   2023-12-18/2023-12-24",
        "bounds: between 2023-12-18 and 2023-12-24",
        'basis:  "last week" in a report published 2023-12-28 (Thursday): '
        "the week of Monday 2023-12-18 to Sunday 2023-12-24",
    ]
    assert list(tmp_path.iterdir()) == [], "it reads no store and leaves no file"


def test_dates_resolve_json_takes_the_phrase_unquoted(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dates", "resolve", "for", "weeks", "--reference", "2023-12-28", "--json"])
    assert code == 0
    assert orjson.loads(capsys.readouterr().out) == {
        "phrase": "for weeks",
        "reference": "2023-12-28",
        "edtf": "2023-11~/2023-12-28",
        "start": "2023-10-01",
        "end": "2023-12-28",
        "basis": '"for weeks" in a report published 2023-12-28 (Thursday): an interval ending '
        'on the day of publication; "weeks" means at least two and gives no start, so the '
        "start is about the month before (2023-11~, bounds from 2023-10-01)",
    }


def test_dates_resolve_passes_edtf_through(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dates", "resolve", "2024-01?", "--reference", "2023-12-28", "--json"]) == 0
    printed = orjson.loads(capsys.readouterr().out)
    assert (printed["edtf"], printed["basis"]) == ("2024-01?", "as written")


def test_an_unknown_phrase_exits_1_listing_the_phrases_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dates", "resolve", "in the coming days", "--reference", "2023-12-28"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("policy-timeline dates resolve: phrase: ")
    assert "last week" in captured.err
    assert "in November" in captured.err


def test_a_reference_that_is_not_a_day_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["dates", "resolve", "today", "--reference", "28/12/2023"])
    assert stopped.value.code == 2
    assert "'28/12/2023' is not a day; expected YYYY-MM-DD" in capsys.readouterr().err


def test_dates_resolve_imports_nothing_heavy() -> None:
    code = (
        "import contextlib, io\nfrom scripts.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['dates', 'resolve', 'Wednesday', '--reference', '2023-12-28']) == 0"
    )
    assert _imported_by(code, HEAVY) == []
