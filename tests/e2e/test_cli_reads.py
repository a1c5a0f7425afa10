"""`policy-timeline --version`, the export's format from its file name, and read commands
that refuse a SQLite store that does not exist rather than create an empty one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from scripts.cli import main
from scripts.progress import progress_bar


@pytest.fixture
def url(sqlite_with_a_meeting: str) -> str:
    return sqlite_with_a_meeting


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == "policy-timeline 0.1.0\n"


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("out.ics", b"BEGIN:VCALENDAR"),
        ("out.md", b"# "),
        ("out.csv", b"id,"),
        ("out.ndjson", b'{"filters"'),
        ("out.JSON", b'{"export"'),
    ],
)
def test_export_reads_the_format_from_the_file_name(
    url: str, tmp_path: Path, name: str, starts: bytes
) -> None:
    out = tmp_path / name
    assert main(["--db", url, "export", "-o", str(out)]) == 0
    assert out.read_bytes().lstrip(b"\xef\xbb\xbf").startswith(starts)


def test_a_timelinejs_name_is_timelinejs_not_json(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.timeline.json"
    assert main(["--db", url, "export", "-o", str(out)]) == 0
    assert b'"format":"timelinejs"' in out.read_bytes()


def test_an_explicit_format_wins_over_the_file_name(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.ics"
    assert main(["--db", url, "export", "--format", "csv", "-o", str(out)]) == 0
    assert not out.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_a_name_of_no_known_format_is_refused_naming_the_accepted_ones(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.xlsx"
    assert main(["--db", url, "export", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("policy-timeline export: -o: cannot tell the format")
    for named in (".ics", ".timeline.json", "--format: md, html"):
        assert named in err
    assert not out.exists()


def test_export_to_stdout_without_a_format_asks_for_one(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", url, "export"]) == 2
    assert capsys.readouterr().err.startswith("policy-timeline export: --format: give one of md")


@pytest.mark.parametrize(
    "command",
    [["export", "--format", "md"], ["verify"], ["replay"]],
)
@pytest.mark.parametrize("db_after", [False, True])
def test_a_read_command_on_a_missing_sqlite_store_says_so_and_creates_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    db_after: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = f"sqlite:///{tmp_path / 'typo.db'}"
    argv = [*command, "--db", missing] if db_after else ["--db", missing, *command]

    assert main(argv) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"policy-timeline {command[0]}: no store at {tmp_path / 'typo.db'}")
    assert list(tmp_path.iterdir()) == []


def test_the_default_store_is_not_created_by_a_read_either(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIMELINE_DB", raising=False)
    assert main(["--db", "sqlite:///var/timeline.db", "export", "--format", "md"]) == 2
    assert "no store at var/timeline.db" in capsys.readouterr().err
    assert not (tmp_path / "var").exists()


def test_verify_of_a_saved_proof_needs_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    proof = tmp_path / "proof.json"
    proof.write_text("{}")
    main(["--db", f"sqlite:///{tmp_path / 'none.db'}", "verify", "--proof", str(proof)])
    assert "no store at" not in capsys.readouterr().err


def test_the_progress_bar_shows_a_count_of_the_total() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress_bar(console, "exporting md", 40) as tick:
        tick(10)
        console.print()  # draw once more, at 10 of 40
    assert "10/40" in out.getvalue()


def test_the_export_estimate_counts_the_entries_of_its_facet(url: str, tmp_path: Path) -> None:
    from projections import TimelineFilters
    from projections.bootstrap import SystemConfig, bootstrap
    from projections.presentation.exports import open_chronology

    with bootstrap(SystemConfig.from_url(url)) as system:
        read_models = system.read_models(in_process=True)
        everything = open_chronology(read_models, TimelineFilters())
        nobody = open_chronology(read_models, TimelineFilters(actor="nobody-here"))
        try:
            assert (everything.estimate(), nobody.estimate()) == (1, 0)
        finally:
            everything.close()
            nobody.close()
