"""`import --dry-run` on citations and changes to actors: it finds what the import refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from domain import TimelineApp
from domain.import_check import DryRun
from domain.import_formats import read_records
from domain.importing import TYPES, import_file
from tests.builders import body, seed

BY = "tests"
KEN = {"type": "actor", "id": "ken-salazar", "name": "Ken Salazar", "kind": "person"}
CALL = {"type": "entry", "key": "call", **body("call")}
CBS = "cbs-2023-12-28"

# For each record type: a file of records of that type (after the actors and
# entries they need), and the lines the import refuses; corrections stand for
# the types checked before, on keys a command reuses.
FILES: dict[str, tuple[list[dict[str, Any]], list[int]]] = {
    "citation": ([
        CALL,
        {"type": "citation", "id": "call", "source": CBS, "quote": "the words"},
        {"type": "citation", "key": "again", "id": "call", "source": CBS,
         "quote": "the words"},  # 3: cited already
        {"type": "citation", "id": "call", "source": "nowhere"},  # 4
        {"type": "citation", "id": "ghost", "source": CBS},  # 5
        {"type": "citation", "id": "call", "expected_version": 1, "source": CBS,
         "quote": "stale"},  # 6
        {"type": "citation", "key": "call", "id": "call", "source": CBS,
         "quote": "an entry's key"},  # 7
        {"type": "citation", "id": "call", "source": CBS, "quote": "the words"},  # 8: again
    ], [3, 4, 5, 6, 7]),
    "correction": ([
        CALL,
        {"type": "correction", "key": "k", "id": "call", "changes": {"title": "Talks"},
         "reason": "clearer"},
        {"type": "retraction", "key": "k", "id": "call", "reason": "gone"},  # 3: key reused
        {"type": "entry", "key": "k", **body("meeting")},  # 4: key reused
        {"type": "link", "id": "call", "relation": "follows",
         "entry": "k"},  # 5: names the refused entry
    ], [3, 4, 5]),
    "rename": ([
        KEN,
        {"type": "rename", "id": "ken-salazar", "name": "Kenneth Salazar",
         "expected_version": 1},
        {"type": "rename", "id": "ken-salazar", "name": "Ken", "expected_version": 1},  # 3
        {"type": "rename", "id": "nobody", "name": "Nobody"},  # 4
        {"type": "rename", "id": "ken-salazar", "name": "Kenneth Salazar"},  # 5: his name
        {"type": "rename", "key": "k", "id": "joe-biden", "name": "Joseph R. Biden"},
        {"type": "rename", "key": "k", "id": "joe-biden", "name": "Joe"},  # 7: key reused
    ], [3, 4, 5, 7]),
    "alias": ([
        {"type": "alias", "id": "joe-biden", "alias": "Uncle Joe"},
        {"type": "alias", "id": "joe-biden", "alias": "joe biden"},  # 2: his name
        {"type": "alias", "id": "joe-biden", "alias": "Joey", "expected_version": 1},  # 3
        {"type": "alias", "id": "joe-biden", "alias": "Uncle Joe"},  # 4: present
        {"type": "alias", "id": "joe-biden", "alias": "uncle joe", "key": "x"},  # 5
    ], [2, 3, 5]),
    "role": ([
        KEN,
        {"type": "role", "id": "ken-salazar", "title": "Ambassador", "start": "2021-09-01"},
        {"type": "role", "id": "ken-salazar", "title": "Ambassador"},  # 3: no start
        {"type": "role", "id": "ken-salazar", "title": "Senator", "start": "2005-01-03",
         "end": "2004"},  # 4: ends before it starts
        {"type": "role", "id": "nobody", "title": "Host", "start": "2020"},  # 5
    ], [3, 4, 5]),
    "role_end": ([
        {"type": "role_end", "id": "antony-blinken", "title": "Secretary of State",
         "end": "2025-01-20"},
        {"type": "role_end", "id": "antony-blinken", "title": "Secretary of State",
         "end": "2025-01-21"},  # 2: ended already
        {"type": "role_end", "id": "joe-biden", "title": "Senator", "end": "2009"},  # 3
        {"type": "role_end", "id": "antony-blinken", "title": "Senator", "end": "2009",
         "expected_version": 1},  # 4: stale
    ], [2, 3, 4]),
    "merge": ([
        KEN,
        {"type": "merge", "id": "congress", "into": "congress", "reason": "twice"},  # 2
        {"type": "merge", "id": "ken-salazar", "into": "joe-biden", "reason": "same"},
        {"type": "merge", "id": "congress", "into": "ken-salazar", "reason": "x"},  # 4
        {"type": "merge", "id": "border-patrol", "into": "nobody", "reason": "x"},  # 5
        {"type": "merge", "id": "ghost", "into": "joe-biden", "reason": "x"},  # 6
        {"type": "merge", "id": "congress", "into": "joe-biden"},  # 7: no reason
        {"type": "merge", "id": "ken-salazar", "into": "congress", "reason": "x"},  # 8
        {"type": "rename", "id": "ken-salazar", "name": "K. Salazar"},  # 9: merged
    ], [2, 4, 5, 6, 7, 8, 9]),
}  # fmt: skip


def _file(records: list[dict[str, Any]], tmp_path: Path) -> Path:
    path = tmp_path / "records.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    return path


def test_every_record_type_but_the_entry_has_a_check_of_its_own(app: TimelineApp) -> None:
    checks = DryRun(app, by=BY)._checks
    assert sorted(checks) == sorted(t for t in TYPES if t != "entry")


@pytest.mark.parametrize("kind", FILES)
def test_a_dry_run_finds_the_problems_the_import_then_meets_and_writes_nothing(
    app: TimelineApp, tmp_path: Path, kind: str
) -> None:
    seed(app)
    records, refused = FILES[kind]
    path = _file(records, tmp_path)
    head = app.head_position()
    checked = DryRun(app, by=BY).check(read_records(path, "ndjson"))
    assert app.head_position() == head
    assert [line for line, _ in sorted(checked.problems)] == refused
    assert not any("not checked" in line for line in checked.planned_lines())
    imported = import_file(app, path, by=BY)
    assert imported.problem_lines() == checked.problem_lines()
    assert (imported.stored, imported.present) == (checked.stored, checked.present)
    again = DryRun(app, by=BY).check(read_records(path, "ndjson"))
    assert (again.stored, again.present) == (0, imported.stored + imported.present)


def test_the_dry_run_words_the_refusals_as_the_import_does(
    app: TimelineApp, tmp_path: Path
) -> None:
    seed(app)
    checked = DryRun(app, by=BY).check(read_records(_file(FILES["merge"][0], tmp_path), "ndjson"))
    assert checked.problem_lines()[:3] == [
        "line 2: actor 'congress' cannot be merged into itself",
        "line 4: actor 'ken-salazar' was itself merged into 'joe-biden'; "
        "merge into 'joe-biden' instead",
        "line 5: into: no actor 'nobody' is registered; register it first",
    ]
    assert checked.planned_lines()[1] == "line 3: would merge actor 'ken-salazar' into 'joe-biden'"
