"""An export imports back: the sample, exported, imported into an empty store and
exported again, gives the same entries; and `import --dry-run` writes nothing.

What is compared is the whole export but its provenance: the export's log
position, head hash, time and checkpoint, and each entry's id, version,
position, recorded_at and updated_at, which are the new store's. A link is
compared by the entry it points to (its place in the export), not by id.
Everything else must be equal: kinds, titles, summaries, dates, actors and
roles, topics, location, details, citations with their quotes and locators,
notes, status and retraction reasons, links, and the actor and source records
the export carries.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from scripts.cli import main

PROVENANCE = ("id", "version", "position", "recorded_at", "updated_at")
CSV_PROVENANCE = (*PROVENANCE, "export_position", "export_head_hash", "export_checkpoint")
EXPORT_PROVENANCE = ("log_position", "head_hash", "recorded_at", "checkpoint")


# Text a spreadsheet would run, a role the flat `slug:role; slug:role` cannot hold,
# and a time of day.
TRICKY = {
    "type": "entry",
    "key": "tricky",
    "kind": "call",
    "title": '=HYPERLINK("http://x") and \'-1',
    "summary": "'=already quoted",
    "occurred": "2023-12-31T18:30:00Z",
    "actors": [{"actor": "joe-biden", "role": "caller; host"}],
    "topics": ["migration"],
    "details": {"participants": ["joe-biden", "antony-blinken"], "medium": "video"},
    "sources": [
        {"source": "cbs-news-2023-12-28-mexico-meeting", "quote": "-a; b", "locator": "p. 1"}
    ],
}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample, with an entry added, one corrected and one retracted since."""
    folder = tmp_path_factory.mktemp("origin")
    url = f"sqlite:///{folder / 'origin.db'}"
    assert main(["--db", url, "load-sample"]) == 0
    changes = folder / "changes.ndjson"
    changes.write_text(
        json.dumps(TRICKY)
        + "\n"
        + json.dumps(
            {
                "type": "correction",
                "id": "entry:mexico-city-meeting-2023-12-27",
                "changes": {"location": "Palacio Nacional, Mexico City"},
                "reason": "the source names the palace",
            }
        )
        + "\n"
        + json.dumps(
            {
                "type": "retraction",
                "id": "entry:washington-meeting-planned-2024-01",
                "reason": "a plan, not an event",
            }
        )
        + "\n"
    )
    assert main(["--db", url, "import", str(changes), "--by", "sample"]) == 0
    return url


def _export(url: str, fmt: str, out: Path) -> str:
    args = ["export", "--format", fmt, "--include-retracted", "-o", str(out)]
    assert main(["--db", url, *args]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_an_export_imports_into_an_empty_store_and_exports_again_to_the_same_entries(
    origin: str, fmt: str, tmp_path: Path
) -> None:
    first = _export(origin, fmt, tmp_path / f"first.{fmt}")
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert main(["--db", copy, "import", str(tmp_path / f"first.{fmt}")]) == 0
    second = _export(copy, fmt, tmp_path / f"second.{fmt}")
    before, after = _comparable(first, fmt), _comparable(second, fmt)
    assert len(before["entries"]) == 25
    assert any(e.get("status") == "retracted" for e in before["entries"])
    assert any(e.get("links") not in (None, [], "") for e in before["entries"])
    assert after == before
    # Whatever the format, the store holds what the origin holds: as NDJSON, every field.
    held = _comparable(_export(copy, "ndjson", tmp_path / "held.ndjson"), "ndjson")
    assert held == _comparable(_export(origin, "ndjson", tmp_path / "origin.ndjson"), "ndjson")
    # Importing the same export again adds nothing.
    assert main(["--db", copy, "import", str(tmp_path / f"first.{fmt}")]) == 0
    assert _comparable(_export(copy, fmt, tmp_path / f"third.{fmt}"), fmt) == before


def test_a_dry_run_of_an_export_lists_what_it_would_record_and_writes_nothing(
    origin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "first.ndjson"
    _export(origin, "ndjson", exported)
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert main(["--db", copy, "import", "--dry-run", str(exported)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    first = [line for line in lines if line.startswith("line 2: ")]
    # The actors and the source the first entry cites come before it.
    assert first[0] == "line 2: would register actor 'congress'"
    assert first[-2] == "line 2: would register source 'cbs-news-2023-12-28-mexico-meeting'"
    assert first[-1].startswith("line 2: would record entry 'Congress negotiates")
    assert sum("would retract entry 'export:" in line for line in lines) == 1
    assert lines[-1].endswith(
        "57 records read: 57 would be stored, 0 already present, 0 bad (dry run: nothing written)"
    )
    empty = _export(copy, "ndjson", tmp_path / "empty.ndjson").splitlines()
    assert json.loads(empty[0])["log_position"] == 0
    assert len(empty) == 2  # the export line and the end line: nothing was written


def _comparable(text: str, fmt: str) -> dict[str, Any]:
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return {"entries": _entries(rows, CSV_PROVENANCE, _csv_links)}
    if fmt == "json":
        document = json.loads(text)
        export = _without(document["export"], EXPORT_PROVENANCE)
        entries = _entries(document["entries"], PROVENANCE, _json_links)
        return {"export": export, "entries": entries, "count": document["count"]}
    lines = [json.loads(line) for line in text.splitlines()]
    export = _without(lines[0], EXPORT_PROVENANCE)
    return {"export": export, "entries": _entries(lines[1:-1], PROVENANCE, _json_links),
            "end": lines[-1]}  # fmt: skip


def _entries(entries: list[Any], provenance: tuple[str, ...], links: Any) -> list[Any]:
    """The entries without their provenance, each link naming its target's place."""
    place = {entry["id"]: i for i, entry in enumerate(entries)}
    return [{**_without(entry, provenance), "links": links(entry, place)} for entry in entries]


def _json_links(entry: dict[str, Any], place: dict[str, int]) -> list[Any]:
    return [(link["relation"], place[link["target"]]) for link in entry["links"]]


def _csv_links(entry: dict[str, str], place: dict[str, int]) -> list[Any]:
    pairs = [part.split(" ") for part in entry["links"].split("; ") if part]
    return [(relation, place[target]) for relation, target in pairs]


def _without(value: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in names}


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_an_export_is_refused_by_the_store_it_came_from(
    origin: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / f"first.{fmt}"
    before = _export(origin, fmt, exported)
    for dry_run in ([], ["--dry-run"]):
        assert main(["--db", origin, "import", *dry_run, str(exported)]) == 2
        assert "is an export of this store" in capsys.readouterr().err
    assert _export(origin, fmt, tmp_path / f"again.{fmt}") == before
