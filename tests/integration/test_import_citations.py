"""Importing `citation` records: one more source for an entry named by id or key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain import TimelineApp
from tests.builders import ACTORS, SOURCE, body
from tests.integration.test_import import entry, run, write

OTHER = {"id": "reuters-2023-12-28", "title": "Border crossings reopen", "publisher": "Reuters"}


def records() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"type": "actor", **actor} for actor in ACTORS]
    found += [{"type": "source", **SOURCE}, {"type": "source", **OTHER}]
    found.append({"type": "entry", "key": "meeting", **body("meeting")})
    found.append(
        {"type": "citation", "id": "meeting", "source": OTHER["id"], "quote": "reopen",
         "locator": "paragraph 4"}
    )  # fmt: skip
    return found


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_a_citation_record_cites_one_more_source_once(
    app: TimelineApp, tmp_path: Path, fmt: str
) -> None:
    report = run(app, write(tmp_path, list(records()), fmt))
    assert report.problems == []
    cited = entry(app, "meeting")
    assert cited.citations[-1] == {
        "source": OTHER["id"],
        "quote": "reopen",
        "locator": "paragraph 4",
    }
    assert cited.version == 2
    again = run(app, write(tmp_path, list(records()), fmt))
    assert (again.stored, again.problems) == (0, [])
    assert entry(app, "meeting").version == 2


def test_a_bad_citation_record_is_reported_naming_its_field(
    app: TimelineApp, tmp_path: Path
) -> None:
    bad: list[dict[str, Any] | str] = list(records()[:-1])
    bad += [
        {"type": "citation", "id": "meeting", "source": "nobody-wrote-this"},
        {"type": "citation", "id": "ghost", "source": OTHER["id"]},
        {"type": "citation", "id": "meeting", "source": OTHER["id"], "page": 3},
    ]
    report = run(app, write(tmp_path, bad, "ndjson"))
    line = len(records())
    assert report.problem_lines() == [
        f"line {line}: source: no source 'nobody-wrote-this' is registered; register it first",
        f"line {line + 1}: id: no entry 'ghost' is recorded; record it before what names it",
        f"line {line + 2}: page: unknown field; accepted: id, expected_version, source, quote, "
        "locator",
    ]
    assert entry(app, "meeting").version == 1
