"""The README's "first entry in three commands", run as a reader pastes it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.test_cli import COMMAND, serving

README = Path(__file__).parents[2] / "README.md"
SERVED_AT = "http://127.0.0.1:8000"


def _block_under(heading: str) -> str:
    section = README.read_text().split(f"## {heading}\n", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, f"no shell block under {heading!r}"
    return match.group(1)


def test_the_first_entry_in_three_commands_works_when_pasted(tmp_path: Path) -> None:
    block = _block_under("First entry in three commands")
    assert len([line for line in block.splitlines() if not line.startswith((" ", "#"))]) == 3
    subprocess.run([COMMAND, "load-sample"], cwd=tmp_path, check=True, capture_output=True)

    with serving(cwd=tmp_path) as base:
        pasted = block.replace(".venv/bin/policy-timeline", COMMAND).replace(SERVED_AT, base)
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", pasted],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert run.returncode == 0, run.stderr
    recorded, timeline = _documents(run.stdout)
    assert recorded["version"] == 1, recorded
    assert recorded["kind"] == "statement"
    assert recorded["id"] in [item["id"] for item in timeline["items"]]


def _documents(output: str) -> list[dict[str, Any]]:
    """The JSON documents curl printed one after the other, without newlines between."""
    decoder, at = json.JSONDecoder(), 0
    documents: list[dict[str, Any]] = []
    while at < len(output.rstrip()):
        document, at = decoder.raw_decode(output, at)
        documents.append(document)
    return documents
