"""A command imports only what it uses: the import discipline, by module sets, not seconds.

`policy-timeline --help` once imported every command and with them the engine,
FastAPI and rich, and took over a second; an export paid the same before its
first byte. Each check runs a fresh interpreter, so what it finds imported is
what that command imported (`python -m scripts.bench_startup` has the times).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.cli import COMMANDS, Commands, build_parser

# What no parser needs: the engine's library, the web stack, the drivers and renderers.
HEAVY = {
    "cryptography",
    "eventsourcing",
    "fastapi",
    "icalendar",
    "jinja2",
    "psycopg",
    "pydantic",
    "rich",
    "starlette",
    "uvicorn",
}
# What an export in a pipe needs none of (it reads the store with eventsourcing).
NOT_FOR_AN_EXPORT = HEAVY - {"eventsourcing"}
# The engine: the domain's event classes, the write service, the projector and its views.
ENGINE = ("domain.entries", "domain.application", "projections.projector")

HEAVY_LOADED = (
    "import json, sys; heavy = {heavy!r}; "
    "print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & heavy)), file=sys.stderr)"
)


def _imported_by(code: str, heavy: set[str], cwd: Path | None = None) -> list[str]:
    """The packages of `heavy` a fresh interpreter has imported after running `code`."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + HEAVY_LOADED.format(heavy=heavy)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return found


def test_building_the_parser_imports_nothing_heavy() -> None:
    assert _imported_by("import scripts.cli; scripts.cli.build_parser()", HEAVY) == []


def test_the_help_and_the_version_import_nothing_heavy() -> None:
    for option in ("--help", "--version"):
        code = (
            "import contextlib, io\nfrom scripts.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main([{option!r}])"
        )
        assert _imported_by(code, HEAVY) == [], option


def test_an_export_in_a_pipe_imports_neither_the_web_nor_rich_nor_other_formats(
    tmp_path: Path,
) -> None:
    from tests.builders import seed

    url = f"sqlite:///{tmp_path / 'store.db'}"
    from projections.bootstrap import SystemConfig, bootstrap

    with bootstrap(SystemConfig.from_url(url)) as system:
        seed(system.app)
    code = (
        "from scripts.cli import main\n"
        f"assert main(['--db', {url!r}, 'export', '--format', 'ndjson', "
        f"'-o', {str(tmp_path / 'out.ndjson')!r}]) == 0"
    )
    assert _imported_by(code, NOT_FOR_AN_EXPORT) == []
    assert (tmp_path / "out.ndjson").read_bytes().startswith(b'{"filters"')
    # Only the asked format's renderer: the others' modules (ics: icalendar) stay out.
    code += "\nimport sys; assert 'projections.presentation.exports.csv' not in sys.modules"
    assert _imported_by(code, set()) == []


def test_an_export_of_views_level_with_the_log_builds_not_the_engine(tmp_path: Path) -> None:
    # The domain's event classes are most of an export's start; views already
    # level need none of them, and the file is the one a caught-up export writes.
    from projections.bootstrap import SystemConfig, bootstrap
    from tests.builders import body, seed

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with bootstrap(SystemConfig.from_url(url)) as system:
        seed(system.app)
        system.app.record_entry(body("meeting"), by="tests")
    loaded = "import sys\nprint(sorted(set({engine!r}) & set(sys.modules)))"
    outputs = []
    # The first export finds the views behind and catches them up; the second, level.
    for out in (tmp_path / "behind.ndjson", tmp_path / "level.ndjson"):
        code = (
            "from scripts.cli import main\n"
            f"assert main(['--db', {url!r}, 'export', '--format', 'ndjson', '-o', {str(out)!r}])"
            " == 0\n" + loaded.format(engine=ENGINE)
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        outputs.append((done.stdout.strip(), out.read_bytes()))
    (behind, first), (level, second) = outputs
    assert behind == str(sorted(ENGINE)), "the first export caught the views up"
    assert level == "[]"
    assert first == second
    assert first.count(b"\n") == 3, "the header, the entry and the end"


def test_saving_a_proof_reads_the_ledger_without_the_engine(tmp_path: Path) -> None:
    from projections.bootstrap import SystemConfig, bootstrap
    from tests.builders import seed

    url, proof = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "proof.json"
    with bootstrap(SystemConfig.from_url(url)) as system:
        seed(system.app)
        system.read_models(in_process=True)
    code = (
        "import sys\nfrom scripts.cli import main\n"
        f"assert main(['--db', {url!r}, 'verify', '--save-proof', '2', '-o', {str(proof)!r}])"
        f" == 0\nprint(sorted(set({ENGINE!r}) & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert json.loads(proof.read_text())["kind"] == "inclusion"


def test_the_key_token_and_witness_commands_import_not_the_engine(tmp_path: Path) -> None:
    # Keys, notes and the tokens table are all they work with: a witness runs
    # apart from the log's engine, and none loads the library the log is stored with.
    key, url = tmp_path / "log.key", f"sqlite:///{tmp_path / 'store.db'}"
    code = (
        "import contextlib, io\nfrom scripts.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    assert main(['keys', 'create', '--out', {str(key)!r}]) == 0\n"
        f"    assert main(['--db', {url!r}, 'tokens', 'create', 'ci', '--scopes', 'read']) == 0\n"
        f"    assert main(['--db', {url!r}, 'tokens', 'list']) == 0\n"
        "    with contextlib.suppress(SystemExit):\n"
        "        main(['witness', '--help'])\n"
        "assert 'ci' in out.getvalue() and 'read' in out.getvalue()"
    )
    assert _imported_by(code, {"eventsourcing"}) == []
    assert key.read_text().startswith("PRIVATE+KEY+")


def _commands(parser: argparse.ArgumentParser) -> Commands:
    return next(a for a in parser._actions if isinstance(a, Commands))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_help_line_of_a_command_is_its_modules_own(name: str) -> None:
    commands = _commands(build_parser())
    listed = next(a.help for a in commands._choices_actions if a.dest == name)
    commands.load(name)
    own = next(a.help for a in commands._choices_actions if a.dest == name)
    assert listed == own == COMMANDS[name][1]
    assert list(commands.choices) == list(COMMANDS), "the list keeps the table's order"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_and_every_action_under_it_takes_db_after_it(name: str) -> None:
    def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        nested = [
            sub
            for action in parser._actions
            if isinstance(action, argparse._SubParsersAction)
            for sub in action.choices.values()
        ]
        return [parser, *(p for sub in nested for p in parsers(sub))]

    loaded = _commands(build_parser()).load(name)
    for parser in parsers(loaded):
        assert any("--db" in action.option_strings for action in parser._actions), parser.prog


def test_a_command_shows_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["export", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: policy-timeline export")
    assert "--format {md,html,csv,json,ndjson,ics,timelinejs}" in out
    assert "--db DB" in out


def test_the_version_is_printed_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("policy-timeline ")
