"""`policy-timeline actors`: the actor routes' bodies as a command line, on each backend."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from domain import TimelineApp, parse_store_url
from scripts.cli import main
from tests.builders import seed

MAYORKAS = "alejandro-mayorkas"


@pytest.fixture
def url(store_url: str) -> str:
    """A store with the builders' actors registered."""
    app = TimelineApp(parse_store_url(store_url).env())
    try:
        seed(app)
    finally:
        app.close()
    return store_url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """Run the command; its exit status, the actor it printed (or None) and its stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, orjson.loads(out) if out.strip() else None, err


def test_each_actors_command_changes_the_actor_and_prints_it(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, actor, _ = run(
        capsys, "--db", url, "actors", "rename", MAYORKAS, "--name", "A. N. Mayorkas",
        "--reason", "full name",
    )  # fmt: skip
    assert code == 0
    assert (actor["name"], actor["aliases"]) == (
        "A. N. Mayorkas",
        ["Mayorkas", "Alejandro Mayorkas"],
    )
    # --db after the command, at the depth of the action, works too.
    assert run(capsys, "actors", "alias", MAYORKAS, "DHS Secretary", "--db", url)[0] == 0
    code, actor, _ = run(
        capsys, "actors", "--db", url, "role", MAYORKAS, "--title", "Secretary",
        "--organization", "DHS", "--start", "2021-02-02",
    )  # fmt: skip
    assert code == 0
    code, actor, _ = run(
        capsys, "--db", url, "actors", "role-end", MAYORKAS, "--title", "Secretary",
        "--end", "2025-01-20",
    )  # fmt: skip
    assert actor["roles"] == [
        {"title": "Secretary", "organization": "DHS", "start": "2021-02-02", "end": "2025-01-20"}
    ]
    code, actor, _ = run(
        capsys, "--db", url, "actors", "merge", "joe-biden", "--into", MAYORKAS,
        "--reason", "a test",
    )  # fmt: skip
    assert (code, actor["merged_into"]) == (0, MAYORKAS)
    app = TimelineApp(parse_store_url(url).env())
    try:
        changed = app.get_actor(MAYORKAS)
        assert changed.aliases == ["Mayorkas", "Alejandro Mayorkas", "DHS Secretary"]
        assert changed.version == 5
    finally:
        app.close()


def test_a_command_the_record_refuses_exits_1_saying_why(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed, err = run(
        capsys, "--db", url, "actors", "merge", MAYORKAS, "--into", MAYORKAS, "--reason", "x"
    )
    assert (code, printed) == (1, None)
    assert "cannot be merged into itself" in err
    code, _, err = run(capsys, "--db", url, "actors", "alias", "nobody", "X")
    assert (code, err.strip()) == (1, "policy-timeline actors alias: actor 'nobody' not found")
    code, _, err = run(
        capsys, "--db", url, "actors", "role", MAYORKAS, "--title", "T", "--start", "soon"
    )
    assert code == 1
    assert "start: " in err


def test_a_command_run_again_with_its_key_changes_nothing(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ("--db", url, "actors", "alias", MAYORKAS, "DHS Secretary", "--key", "k1")
    first = run(capsys, *command)
    second = run(capsys, *command)
    assert first == second
    assert first[1]["version"] == 2
