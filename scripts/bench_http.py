"""The HTTP row of `policy-timeline bench`: a timeline page beside a bare route.

The engine (the real app from `api.create_app`, on a store whose views are
built) and a bare Starlette route returning the very bytes the engine
answered run as two uvicorn processes with the same settings: one worker, no
access log, the same event loop and HTTP implementation. One `wrk` drives
them in turn on loopback, so the ratio is what the engine's routing,
validation, query and page assembly cost over serving the bytes alone.

Parameters, for a 2-core box where wrk and the server share the cores: one
wrk thread (wrk in C needs a fraction of a core to saturate one Python
process, so it leaves the other core to the server); 16 connections, enough
to keep the server's event loop never waiting on the client without turning
p99 into a measure of a long accept queue; rounds alternate between the two
servers so a disturbance from something else on the box hits one round, not
one side. The best round of each side is reported (highest requests/s, with
that round's p99): other load only ever slows a round down, so the best is
the least disturbed estimate of each server's capacity.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from types import FrameType
from typing import IO
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = [
    "TARGET",
    "HttpFigure",
    "WrkRun",
    "bare_app",
    "http_row",
    "parse_wrk",
    "wrk_available",
]

ROUTE = "/api/v1/timeline"
# topic-1 is one of the synthetic store's 40 topics (bench_views.TOPICS): about
# one entry in twenty, so a page of 50 is a real index scan, not an empty answer.
TARGET = f"{ROUTE}?topic=topic-1&limit=50"
THREADS = 1
CONNECTIONS = 16
HOST = "127.0.0.1"
ENGINE_FACTORY = "api.app:create_app"
BARE_FACTORY = "scripts.bench_http:bare_app"
_BODY_FILE = "BENCH_HTTP_BODY_FILE"
_CONTENT_TYPE = "BENCH_HTTP_CONTENT_TYPE"
_PATH = "BENCH_HTTP_PATH"
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class WrkRun:
    """One wrk run against one server."""

    requests_per_second: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


@dataclass(frozen=True)
class HttpFigure:
    """The best round of each server, and every round for whoever wants the spread."""

    target: str
    stack: str
    seconds: int
    engine_runs: list[WrkRun]
    bare_runs: list[WrkRun]
    # The engine again with its page cache off: every request runs the query.
    uncached_runs: list[WrkRun]

    @property
    def engine(self) -> WrkRun:
        return max(self.engine_runs, key=lambda r: r.requests_per_second)

    @property
    def uncached(self) -> WrkRun:
        return max(self.uncached_runs, key=lambda r: r.requests_per_second)

    @property
    def uncached_ratio(self) -> float:
        return self.uncached.requests_per_second / self.bare.requests_per_second

    @property
    def bare(self) -> WrkRun:
        return max(self.bare_runs, key=lambda r: r.requests_per_second)

    @property
    def ratio(self) -> float:
        return self.engine.requests_per_second / self.bare.requests_per_second

    @property
    def engine_errors(self) -> int:
        """Answers other than 2xx/3xx and socket errors over every engine round."""
        runs = self.engine_runs + self.uncached_runs
        return sum(r.non_2xx + r.socket_errors for r in runs)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def http_row(store: Path, seconds: int, rounds: int, target: str = TARGET) -> HttpFigure:
    """Serve `store` and the bare route, run wrk against each `rounds` times.

    Raises RuntimeError when a server does not start or the engine's page is
    not a 200, and FileNotFoundError when wrk is not installed.
    """
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    http = "httptools" if find_spec("httptools") else "h11"
    db = {"TIMELINE_DB": f"sqlite:///{store}"}
    with (
        _sigterm_unwinds(),
        tempfile.TemporaryDirectory(prefix="timeline-bench-http-") as folder,
        _server(ENGINE_FACTORY, db, loop, http) as engine,
        _server(ENGINE_FACTORY, {**db, "TIMELINE_PAGE_CACHE_BYTES": "0"}, loop, http) as uncached,
    ):
        body, content_type = _fetch(engine + target)
        body_file = Path(folder) / "body"
        body_file.write_bytes(body)
        bare_env = {
            _BODY_FILE: str(body_file),
            _CONTENT_TYPE: content_type,
            _PATH: urlsplit(target).path,
        }
        with _server(BARE_FACTORY, bare_env, loop, http) as bare:
            if _fetch(bare + target) != (body, content_type):
                raise RuntimeError("the bare route does not answer the engine's bytes")
            # Warm them all (the engine's page cache, every process's code paths) unmeasured.
            for url in (engine, uncached, bare):
                _wrk(url + target, min(seconds, 2))
            engine_runs, bare_runs, uncached_runs = [], [], []
            for _ in range(rounds):
                engine_runs.append(_wrk(engine + target, seconds))
                bare_runs.append(_wrk(bare + target, seconds))
                uncached_runs.append(_wrk(uncached + target, seconds))
    return HttpFigure(
        target, f"uvicorn, {loop}, {http}", seconds, engine_runs, bare_runs, uncached_runs
    )


def bare_app() -> Starlette:
    """The baseline: one async route answering fixed bytes, as cheap as Starlette gets."""
    body = Path(os.environ[_BODY_FILE]).read_bytes()
    headers = {"content-type": os.environ[_CONTENT_TYPE]}

    async def page(request: Request) -> Response:
        return Response(body, headers=headers)

    # The engine's own path, so both routers match the same string.
    return Starlette(routes=[Route(os.environ[_PATH], page, methods=["GET"])])


def parse_wrk(output: str) -> WrkRun:
    """Figures from `wrk --latency` output; ValueError when a line is missing."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ", output, re.M)
    if not (rate and p99 and total):
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkRun(
        requests_per_second=float(rate[1]),
        p99_ms=float(p99[1]) * _UNITS_MS[p99[2]],
        requests=int(total[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def _wrk(url: str, seconds: int) -> WrkRun:
    # subprocess.run kills wrk itself if this process is interrupted while it waits.
    done = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    return parse_wrk(done.stdout)


@contextmanager
def _server(factory: str, env: Mapping[str, str], loop: str, http: str) -> Iterator[str]:
    """A uvicorn process serving `factory` on a free loopback port; its base URL.

    The process is terminated (then killed) however the block is left.
    """
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                factory,
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                "1",
                "--loop",
                loop,
                "--http",
                http,
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://{HOST}:{port}"
            _wait_until_up(process, url, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(
                f"the server on {url} exited with {process.returncode}:\n"
                + log.read().decode(errors="replace")[-2000:]
            )
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any answer, a 404 for / included, means it is listening
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server on {url} did not answer within 120 s")


def _fetch(url: str) -> tuple[bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.read(), answer.headers["content-type"]
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:500]
        raise RuntimeError(f"GET {url} answered {error.code}: {detail}") from None


def _free_port() -> int:
    # The port is free when asked; uvicorn binds it a moment later, a race only
    # another process grabbing ports on loopback in that moment could lose.
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Turn SIGTERM into SystemExit here, so `finally` still stops the servers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Run the row alone on a store whose views are built, printing every round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("store", type=Path, help="SQLite file with its views built")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target", default=TARGET)
    args = parser.parse_args(argv)
    figure = http_row(args.store, args.seconds, args.rounds, args.target)
    print(f"{figure.target}, {figure.stack}, wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s")
    named = (
        ("engine", figure.engine_runs),
        ("bare", figure.bare_runs),
        ("engine, page cache off", figure.uncached_runs),
    )
    for name, runs in named:
        for run in runs:
            print(
                f"  {name:22} {run.requests_per_second:10,.0f} req/s  p99 {run.p99_ms:7.2f} ms"
                f"  non-2xx {run.non_2xx}  socket errors {run.socket_errors}"
            )
    print(f"best engine / best bare requests/s: {figure.ratio:.2f}")
    print(f"best engine with its page cache off / best bare: {figure.uncached_ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
