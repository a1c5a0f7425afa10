"""A merged actor stays merged through an export and its import into an empty store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain import TimelineApp, parse_store_url
from scripts.cli import main
from tests.e2e.test_import_round_trip import _comparable, _export

# A chain (officials into the White House, the White House into the federal
# government) and a single merge.
MERGES = [
    ("senior-administration-officials", "white-house", "the same speakers"),
    ("white-house", "us-federal-government", "one voice"),
    ("republicans-in-congress", "congress", "not told apart"),
]


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample, with MERGES made since."""
    folder = tmp_path_factory.mktemp("origin")
    url = f"sqlite:///{folder / 'origin.db'}"
    assert main(["--db", url, "load-sample"]) == 0
    merges = folder / "merges.ndjson"
    merges.write_text(
        "".join(
            json.dumps({"type": "merge", "id": slug, "into": into, "reason": reason}) + "\n"
            for slug, into, reason in MERGES
        )
    )
    assert main(["--db", url, "import", str(merges), "--by", "sample"]) == 0
    return url


def _merged_into(url: str) -> dict[str, str | None]:
    app = TimelineApp(parse_store_url(url).env())
    try:
        return {slug: app.get_actor(slug).merged_into for slug, _, _ in MERGES}
    finally:
        app.close()


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_a_merged_actor_imports_merged_into_the_end_of_its_chain(
    origin: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / f"first.{fmt}"
    first = _export(origin, fmt, exported)
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert main(["--db", copy, "import", "--dry-run", str(exported)]) == 0
    checked = capsys.readouterr().out.splitlines()
    assert sum("would merge actor" in line for line in checked) == len(MERGES)
    assert checked[-1].endswith(" 0 bad (dry run: nothing written)")
    assert main(["--db", copy, "import", str(exported)]) == 0
    assert _merged_into(copy) == {
        "senior-administration-officials": "us-federal-government",
        "white-house": "us-federal-government",
        "republicans-in-congress": "congress",
    }
    # The copy exports what the origin did, merge records and all.
    second = _export(copy, fmt, tmp_path / f"second.{fmt}")
    assert _comparable(second, fmt) == _comparable(first, fmt)


def test_the_merge_record_comes_after_the_actor_records_with_the_merges_reason(
    origin: str, tmp_path: Path
) -> None:
    lines = _export(origin, "ndjson", tmp_path / "first.ndjson").splitlines()
    records = [r for line in lines[1:-1] for r in json.loads(line)["records"]]
    merges = [r for r in records if r["type"] == "merge"]
    assert sorted((m["id"], m["into"], m["reason"]) for m in merges) == [
        ("republicans-in-congress", "congress", "not told apart"),
        ("senior-administration-officials", "us-federal-government", "the same speakers"),
        ("white-house", "us-federal-government", "one voice"),
    ]
    for merge in merges:
        registered = [r["id"] for r in records[: records.index(merge)] if r["type"] == "actor"]
        assert {merge["id"], merge["into"]} <= set(registered)
