"""The curated sample loads into a fresh store, and loading it again adds nothing."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import orjson

from domain import TimelineApp
from domain.entries import ENTRY_CLASSES
from domain.entry_keys import entry_id_for
from domain.importing import import_file
from scripts.load_sample import PRINCIPAL, SAMPLE


def _sample_records(path: Path) -> list[dict[str, Any]]:
    lines = path.read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if line.strip() and not line.startswith(b"#")]


def test_the_sample_loads_with_its_entries_kinds_actors_and_quoted_citations(
    app: TimelineApp,
) -> None:
    with as_file(files("scripts").joinpath("sample", SAMPLE)) as path:
        report = import_file(app, path, by=PRINCIPAL)
        records = _sample_records(path)
    assert report.problem_lines() == []
    assert report.stored == len(records)
    entries = [
        app.get_entry(str(entry_id_for(PRINCIPAL, r["key"])))
        for r in records
        if r["type"] == "entry"
    ]
    actors = [app.get_actor(r["id"]) for r in records if r["type"] == "actor"]
    assert len(entries) >= 20
    assert len(actors) >= 15
    assert {e.kind for e in entries} == {r["kind"] for r in records if r["type"] == "entry"}
    assert {e.kind for e in entries} == set(ENTRY_CLASSES)
    quoted = [c for e in entries for c in e.citations if c.get("quote")]
    assert len(quoted) >= len(entries) // 2
    linked = [e for e in entries if e.links]
    assert len(linked) == len({r["id"] for r in records if r["type"] == "link"})


def test_loading_the_sample_twice_adds_nothing(app: TimelineApp) -> None:
    with as_file(files("scripts").joinpath("sample", SAMPLE)) as path:
        import_file(app, path, by=PRINCIPAL)
        head = app.head_position()
        again = import_file(app, path, by=PRINCIPAL)
    assert (again.stored, again.bad, again.present) == (0, 0, again.read)
    assert app.head_position() == head
