"""`policy-timeline import` and `load-sample` as a user runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson

from tests.builders import ACTORS, SOURCE, body
from tests.e2e.test_cli import COMMAND


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "--db", f"sqlite:///{cwd / 't.db'}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_reports_a_bad_line_exits_1_and_stores_the_rest(tmp_path: Path) -> None:
    records = [{"type": "actor", **a} for a in ACTORS] + [{"type": "source", **SOURCE}]
    lines = [orjson.dumps(r).decode() for r in records]
    lines.append(orjson.dumps({"type": "entry", **body("meeting", occurred="soon")}).decode())
    lines.append(orjson.dumps({"type": "entry", **body("call")}).decode())
    path = tmp_path / "records.ndjson"
    path.write_text("\n".join(lines) + "\n")
    done = _run("import", str(path), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "line 8: occurred: 'soon' is not valid EDTF" in done.stderr
    assert "9 records read: 8 stored, 0 already present, 1 bad" in done.stdout
    again = _run("import", str(path), "--format", "ndjson", cwd=tmp_path)
    assert "9 records read: 0 stored, 8 already present, 1 bad" in again.stdout


def test_load_sample_loads_once_and_then_finds_everything_present(tmp_path: Path) -> None:
    first = _run("load-sample", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert " 0 bad" in first.stdout
    second = _run("load-sample", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert " 0 stored," in second.stdout


def test_import_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = _run("import", str(tmp_path / "nothing.ndjson"), cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot read" in done.stderr
