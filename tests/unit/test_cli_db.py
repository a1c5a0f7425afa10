"""The store option, `--db`, names the store wherever it stands: before the
command or after it (after its action too), for every command."""

from __future__ import annotations

import argparse

import pytest

from scripts.cli import COMMANDS, Commands, build_parser

URL = "sqlite:///elsewhere/chosen.db"
ENTRY = "6f1c0a52-4d1e-4c55-9d3a-0b8e8c1f2a10"
# Each command and action with the arguments it cannot be parsed without.
ARGUMENTS: dict[tuple[str, ...], list[str]] = {
    ("serve",): [],
    ("bench",): [],
    ("replay",): [],
    ("project",): [],
    ("import",): ["records.ndjson"],
    ("entries", "cite"): [ENTRY, "--source", "cbs"],
    ("dates", "resolve"): ["last", "week", "--reference", "2023-12-28"],
    ("export",): ["--format", "md"],
    ("load-sample",): [],
    ("tokens", "create"): ["desk", "--scopes", "write"],
    ("tokens", "list"): [],
    ("tokens", "revoke"): ["desk"],
    ("verify",): [],
    ("keys", "create"): ["--out", "log.key"],
    ("witness",): ["http://127.0.0.1:8000", "--state", "witness"],
    ("actors", "rename"): ["joe-biden", "--name", "Joseph R. Biden"],
    ("actors", "role"): ["joe-biden", "--title", "President", "--start", "2021-01-20"],
    ("actors", "role-end"): ["joe-biden", "--title", "President", "--end", "2025-01-20"],
    ("actors", "merge"): ["biden", "--into", "joe-biden", "--reason", "duplicate"],
    ("actors", "alias"): ["joe-biden", "Biden"],
}


def _actions(name: str) -> list[tuple[str, ...]]:
    """The command `name` and each action under it, as the words that choose them."""
    commands = next(a for a in build_parser()._actions if isinstance(a, Commands))
    nested = [
        action
        for action in commands.load(name)._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    return [(name, action) for sub in nested for action in sub.choices] or [(name,)]


def test_the_table_holds_every_command_and_every_action() -> None:
    assert sorted(ARGUMENTS) == sorted(words for name in COMMANDS for words in _actions(name))


@pytest.mark.parametrize("words", list(ARGUMENTS), ids=" ".join)
@pytest.mark.parametrize("where", ["before", "after the command", "at the end"])
def test_db_names_the_store_before_or_after_the_command(
    words: tuple[str, ...], where: str
) -> None:
    rest = [*words[1:], *ARGUMENTS[words]]
    argv = {
        "before": ["--db", URL, words[0], *rest],
        "after the command": [words[0], "--db", URL, *rest],
        "at the end": [words[0], *rest, "--db", URL],
    }[where]
    assert build_parser().parse_args(argv).db == URL


@pytest.mark.parametrize("words", list(ARGUMENTS), ids=" ".join)
def test_without_db_a_command_takes_the_default_store(
    words: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_DB", URL)
    assert build_parser().parse_args([*words, *ARGUMENTS[words]]).db == URL


@pytest.mark.parametrize("words", list(ARGUMENTS), ids=" ".join)
def test_a_db_after_the_command_wins_over_one_before_it(words: tuple[str, ...]) -> None:
    argv = ["--db", "sqlite:///first.db", *words, *ARGUMENTS[words], "--db", URL]
    assert build_parser().parse_args(argv).db == URL
