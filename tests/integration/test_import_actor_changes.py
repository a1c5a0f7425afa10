"""Importing changes to actors: rename, alias, role, role_end and merge records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain import TimelineApp
from domain.importing import import_file
from tests.builders import seed
from tests.integration.test_import import write

BY = "tests"
MAYORKAS = "alejandro-mayorkas"


def changes() -> list[dict[str, Any]]:
    return [
        {"type": "actor", "id": "a-mayorkas", "name": "A. Mayorkas", "kind": "person"},
        {"type": "rename", "id": MAYORKAS, "name": "Alejandro N. Mayorkas", "reason": "full"},
        {"type": "alias", "id": MAYORKAS, "alias": "DHS Secretary"},
        {"type": "role", "id": MAYORKAS, "title": "Secretary", "organization": "DHS",
         "start": "2021-02-02"},
        {"type": "role_end", "id": MAYORKAS, "title": "Secretary", "end": "2025-01-20"},
        {"type": "merge", "id": "a-mayorkas", "into": MAYORKAS, "reason": "a duplicate"},
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_each_actor_record_type_is_imported_and_twice_adds_nothing(
    app: TimelineApp, tmp_path: Path, fmt: str
) -> None:
    seed(app)
    path = write(tmp_path, list(changes()), fmt)

    report = import_file(app, path, by=BY)

    assert report.problems == []
    assert (report.read, report.stored) == (6, 6)
    actor = app.get_actor(MAYORKAS)
    assert actor.name == "Alejandro N. Mayorkas"
    assert actor.aliases == ["Mayorkas", "Alejandro Mayorkas", "DHS Secretary"]
    assert actor.roles == [
        {"title": "Secretary", "organization": "DHS", "start": "2021-02-02", "end": "2025-01-20"}
    ]
    assert app.get_actor("a-mayorkas").merged_into == MAYORKAS
    head = app.head_position()
    again = import_file(app, write(tmp_path, list(changes()), fmt), by=BY)
    assert (again.stored, again.present, again.problems) == (0, 6, [])
    assert app.head_position() == head


def test_bad_actor_records_are_reported_with_their_line(app: TimelineApp, tmp_path: Path) -> None:
    seed(app)
    records: list[dict[str, Any] | str] = [
        {"type": "rename", "id": "nobody", "name": "X"},  # 1
        {"type": "alias", "id": MAYORKAS, "alias": "X", "extra": 1},  # 2
        {"type": "role", "id": MAYORKAS, "title": "Secretary"},  # 3
        {"type": "role_end", "id": MAYORKAS, "title": "Secretary", "end": "2025"},  # 4
        {"type": "merge", "id": MAYORKAS, "into": MAYORKAS, "reason": "x"},  # 5
        {"type": "merge", "id": MAYORKAS, "into": "joe-biden"},  # 6
        {"type": "alias", "id": "Not a slug", "alias": "X"},  # 7
    ]
    head = app.head_position()

    report = import_file(app, write(tmp_path, records, "ndjson"), by=BY)

    assert report.problem_lines() == [
        "line 1: actor 'nobody' not found",
        "line 2: extra: unknown field; accepted: id, alias, expected_version",
        "line 3: start: expected the EDTF date the role began, e.g. 2021-02-02",
        f"line 4: actor '{MAYORKAS}' holds no open role 'Secretary'; open roles: none",
        f"line 5: actor '{MAYORKAS}' cannot be merged into itself",
        "line 6: reason: expected why the actor is a duplicate",
        "line 7: id: 'Not a slug' is not an id; use the id not-a-slug "
        "(a slug of lower-case letters, digits and single hyphens)",
    ]
    assert app.head_position() == head
