"""The `policy-timeline` command as a user runs it: a real process, a real port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from domain import TimelineApp, store_env
from tests.builders import body, seed

COMMAND = str(Path(sys.executable).parent / "policy-timeline")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(
    *args: str, cwd: Path, store: str | None = None, options: tuple[str, ...] = ()
) -> Iterator[str]:
    """Run `policy-timeline ARGS serve OPTIONS`; `store` becomes TIMELINE_DB, else it is unset."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "TIMELINE_DB"}
    if store is not None:
        env["TIMELINE_DB"] = store
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [COMMAND, *args, "serve", "--port", str(port), *options],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {log_path.read_text()}")
                time.sleep(0.1)
        try:
            yield base
        except BaseException:
            # The server's side of a failed test: pytest shows what a failing test printed.
            print(f"--- serve's log ({log_path.name}) ---\n{log_path.read_text()}")
            raise
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_uses_the_default_sqlite_store_in_the_working_folder(tmp_path: Path) -> None:
    with serving(cwd=tmp_path) as base:
        health = httpx.get(f"{base}/api/v1/health").json()
    assert {lag["behind"] for lag in health.pop("lag")} == {0}
    assert health == {
        "status": "ok",
        "store": "sqlite",
        "position": 0,
        "views": 0,
        "signing": "off",
        "problem": None,
    }
    assert (tmp_path / "var" / "timeline.db").is_file()


def test_serve_reports_the_log_head_of_the_chosen_store(store_url: str, tmp_path: Path) -> None:
    app = TimelineApp(store_env(store_url))
    seed(app)
    head = app.record_entry(body("meeting"), by="tests").position
    app.close()
    # On SQLite the server's views catch up in the background from its start; on
    # PostgreSQL, told the followers run apart, that is `policy-timeline project`'s
    # work, and none runs here.
    on_postgres = store_url.startswith("postgresql")
    with serving("--db", store_url, cwd=tmp_path, options=("--followers", "external")) as base:
        deadline = time.monotonic() + 30
        health = httpx.get(f"{base}/api/v1/health").json()
        while not on_postgres and health["views"] < head and time.monotonic() < deadline:
            time.sleep(0.05)
            health = httpx.get(f"{base}/api/v1/health").json()
    assert {lag["behind"] for lag in health.pop("lag")} == {head if on_postgres else 0}
    assert health == {
        "status": "ok",
        "store": "postgresql" if on_postgres else "sqlite",
        "position": head,
        "views": 0 if on_postgres else head,
        "signing": "off",
        "problem": None,
    }


def test_timeline_db_chooses_the_store_when_no_db_flag_is_given(tmp_path: Path) -> None:
    with serving(cwd=tmp_path, store=f"sqlite:///{tmp_path}/chosen/t.db") as base:
        assert httpx.get(f"{base}/api/v1/health").json()["store"] == "sqlite"
    assert (tmp_path / "chosen" / "t.db").is_file()
    assert not (tmp_path / "var").exists()


def test_a_db_after_serve_chooses_the_store_over_timeline_db(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/after/t.db"
    with serving(cwd=tmp_path, store=f"sqlite:///{tmp_path}/env/t.db", options=("--db", url)):
        pass
    assert (tmp_path / "after" / "t.db").is_file()
    assert not (tmp_path / "env").exists()


def test_an_unknown_route_is_a_problem_document(tmp_path: Path) -> None:
    with serving("--db", f"sqlite:///{tmp_path}/t.db", cwd=tmp_path) as base:
        response = httpx.get(f"{base}/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_bad_store_url_is_refused_before_serving(tmp_path: Path) -> None:
    done = subprocess.run(
        [COMMAND, "--db", "mysql://x/y", "serve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "unsupported store URL 'mysql://x/y'; accepted: sqlite:///PATH" in done.stderr


def test_bench_prints_each_row_beside_its_baseline(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            COMMAND,
            "bench",
            "--entries",
            "200",
            "--batch-size",
            "50",
            "--replay-entries",
            "300",
            "--queries",
            "10",
            "--http-seconds",
            "0",  # the HTTP row has its own test, tests/e2e/test_bench_http.py
            "--verify-rounds",
            "1",
            "--export-formats",
            "csv",  # each format is a child process: one shows the row is there
            "--trust-entries",
            "30",
            "--startup-runs",
            "1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = [line for line in lines if re.search(r"record entries,|import 2,000|replay 300", line)]
    assert len(rows) == 5, done.stdout
    signing = r"checkpoint read|a new signed|notes signed|signer: proof|witness checks"
    trusted = [line for line in lines if re.search(signing, line)]
    assert len(trusted) == 5, done.stdout
    rows += trusted
    latencies = [line for line in lines if "topic filter" in line]
    assert len(latencies) == 2, done.stdout
    rows += [line for line in lines if "verify the log against the ledger" in line]
    assert len(rows) == 11, done.stdout
    exported = [line for line in lines if re.match(r"│ (csv|raw scan|start-up) ", line)]
    assert len(exported) == 3, done.stdout
    assert re.search(r"│ csv\s+│\s+300 │", done.stdout), done.stdout
    for row in rows:
        ratio = re.findall(r"(\d+\.\d(?:\d|e-\d\d))\s*│?\s*$", row)
        assert ratio, row
        assert float(ratio[0]) > 0
    started = re.findall(
        r"│ policy-timeline (--help|export ndjson)\s+│\s+(\d+\.\d+) │ python -c pass "
        r"│\s+(\d+\.\d+) │\s+(-?\d+\.\d+) │\s+[\d.e+-]+ │ (met|missed) \(<= 0\.3 s\)\s*│",
        done.stdout,
    )
    assert [name for name, *_ in started] == ["--help", "export ndjson"], done.stdout
    for _, seconds, baseline, beyond, _ in started:
        # One run each here: a busy machine may start even `python -c pass` late.
        assert float(seconds) > 0
        assert float(baseline) > 0
        assert abs(float(seconds) - float(baseline) - float(beyond)) < 0.002


def _token(url: str, name: str, scopes: str, cwd: Path) -> str:
    done = subprocess.run(
        [COMMAND, "--db", url, "tokens", "create", name, "--scopes", scopes],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_serve_protect_reads_asks_readers_for_a_token_with_scope_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    reader = _token(url, "reader", "read", tmp_path)
    writer = _token(url, "writer", "write", tmp_path)
    with serving("--db", url, cwd=tmp_path, options=("--protect-reads",)) as base:
        anonymous = httpx.get(f"{base}/api/v1/timeline")
        as_writer = httpx.get(f"{base}/api/v1/timeline", headers=_bearer(writer))
        as_reader = httpx.get(f"{base}/api/v1/timeline", headers=_bearer(reader))
    assert (anonymous.status_code, anonymous.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert as_writer.status_code == 403
    assert as_reader.status_code == 200


def test_a_server_shows_what_an_import_beside_it_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    with serving("--db", url, cwd=tmp_path) as base:
        assert httpx.get(f"{base}/api/v1/actors/joe-biden").status_code == 404
        loaded = subprocess.run(
            [COMMAND, "--db", url, "load-sample"], cwd=tmp_path, capture_output=True
        )
        assert loaded.returncode == 0, loaded.stderr
        # No write went through this server and no min_position is asked: its
        # views follow the log by themselves, within a second or so.
        deadline = time.monotonic() + 10
        while (found := httpx.get(f"{base}/api/v1/actors/joe-biden")).status_code == 404:
            assert time.monotonic() < deadline, "the server never saw the import"
            time.sleep(0.2)
    assert found.json()["name"] == "Joe Biden"


def test_a_write_answers_its_position_and_a_read_asking_for_it_sees_the_write(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    writer = _token(url, "desk", "read,write", tmp_path)
    with serving("--db", url, cwd=tmp_path) as base:
        created = httpx.post(
            f"{base}/api/v1/actors",
            json={"name": "Ken Salazar", "kind": "person"},
            headers=_bearer(writer),
        )
        position = created.headers["Log-Position"]
        read = httpx.get(
            f"{base}/api/v1/actors", params={"q": "salazar", "min_position": position}
        )
    assert created.status_code == 201
    assert read.headers["Log-Position"] == position
    assert [a["id"] for a in read.json()["items"]] == ["ken-salazar"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("options", "logged"), [((), True), (("--no-access-log",), False)])
def test_serve_logs_each_request_unless_told_not_to(
    tmp_path: Path, options: tuple[str, ...], logged: bool
) -> None:
    with serving(cwd=tmp_path, options=options) as base:
        assert httpx.get(f"{base}/api/v1/timeline?limit=1").status_code == 200
    (log,) = tmp_path.glob("serve-*.log")
    assert ("GET /api/v1/timeline?limit=1" in log.read_text()) is logged
