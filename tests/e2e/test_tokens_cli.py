"""`policy-timeline tokens` as a user runs it: a real process on a real store."""

from __future__ import annotations

import subprocess
from pathlib import Path

from api.tokens import TokenStore
from domain import parse_store_url
from projections.database import open_database
from tests.e2e.test_cli import COMMAND


def _run(store_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "--db", store_url, "tokens", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_create_prints_the_token_alone_and_it_authenticates(
    store_url: str, tmp_path: Path
) -> None:
    done = _run(store_url, "create", "newsroom", "--scopes", "read,write,audit", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert done.stdout == token + "\n"
    assert token.startswith("ptl_")
    db = open_database(parse_store_url(store_url))
    try:
        info = TokenStore(db).authenticate(token)
    finally:
        db.close()
    assert info is not None
    assert info.name == "newsroom"
    assert info.scopes == ("read", "write", "audit")


def test_create_grants_read_and_write_by_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert _run(url, "create", "newsroom", cwd=tmp_path).returncode == 0
    listed = _run(url, "list", cwd=tmp_path).stdout.splitlines()
    assert listed[1].split()[:2] == ["newsroom", "read,write"]


def test_create_refuses_an_unknown_scope_on_stderr(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    done = _run(url, "create", "newsroom", "--scopes", "read,admin", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "unknown scope 'admin'; accepted: read, write, audit" in done.stderr


def test_create_refuses_a_name_held_by_an_active_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert _run(url, "create", "newsroom", cwd=tmp_path).returncode == 0
    done = _run(url, "create", "newsroom", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "'newsroom' is held by an active token" in done.stderr


def test_list_shows_names_scopes_and_revocations_but_never_a_token(
    store_url: str, tmp_path: Path
) -> None:
    newsroom = _run(store_url, "create", "newsroom", cwd=tmp_path).stdout.strip()
    auditor = _run(store_url, "create", "auditor", "--scopes", "audit", cwd=tmp_path)
    assert _run(store_url, "revoke", "newsroom", cwd=tmp_path).returncode == 0
    done = _run(store_url, "list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["NAME", "SCOPES", "CREATED", "REVOKED"]
    by_name = {row.split()[0]: row.split() for row in rows}
    assert by_name["newsroom"][1] == "read,write"
    assert by_name["newsroom"][3] != "-"
    assert by_name["auditor"][1] == "audit"
    assert by_name["auditor"][3] == "-"
    assert newsroom not in done.stdout
    assert auditor.stdout.strip() not in done.stdout


def test_list_on_a_store_without_tokens_prints_the_header_only(tmp_path: Path) -> None:
    done = _run(f"sqlite:///{tmp_path / 't.db'}", "list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["NAME", "SCOPES", "CREATED", "REVOKED"]


def test_revoke_refuses_a_name_with_no_active_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    done = _run(url, "revoke", "nobody", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "no active token is named 'nobody'" in done.stderr
    _run(url, "create", "newsroom", cwd=tmp_path)
    assert _run(url, "revoke", "newsroom", cwd=tmp_path).returncode == 0
    assert _run(url, "revoke", "newsroom", cwd=tmp_path).returncode == 1


def test_a_bad_store_url_exits_with_2(tmp_path: Path) -> None:
    done = _run("mysql://nowhere/db", "list", cwd=tmp_path)
    assert done.returncode == 2
    assert "unsupported store URL" in done.stderr
