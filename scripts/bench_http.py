"""The HTTP rows of `policy-timeline bench`: timeline pages beside a bare route.

The engine (the real app from `api.create_app`, on a store whose views are
built) and a bare Starlette route returning the very bytes the engine
answered run as uvicorn processes with the same settings: one worker, no
access log, the same event loop and HTTP implementation. One `wrk` drives
them in turn on loopback, so the ratio is what the engine's routing,
validation, query and page assembly cost over serving the bytes alone.

Three rows. One popular page, asked again and again, as the page cache serves
it. Then the engine with its page cache off under a mix of `MIX` different
URLs, as real traffic varies its filters (topics, actors, kinds, from/to,
words, order, page sizes, and cursors taken from real first pages): wrk's Lua
hook walks them in turn, and the bare route answers each URL the bytes the
engine answered for it, looked up by its query string. Last, `policy-timeline
serve --workers 2` beside `serve` with one worker on the same mix, page cache
off: what a second process buys on this machine.

On PostgreSQL (a store URL) the same rows run with `policy-timeline project`
following the log throughout, as beside a deployment's servers, and `serve`
leaving the followers to it (TIMELINE_FOLLOWERS=external); the bare routes
are the same, so the ratios say what the engine costs on each backend.

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
import random
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from types import FrameType
from typing import IO
from urllib.parse import urlencode, urlsplit

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import PostgresConfig, parse_store_url
from scripts.bench_views import ACTORS, TOPICS, store_url

__all__ = [
    "MIX",
    "TARGET",
    "HttpFigure",
    "WrkRun",
    "bare_app",
    "http_row",
    "mix_targets",
    "parse_wrk",
    "wrk_available",
]

ROUTE = "/api/v1/timeline"
# topic-1 is one of the synthetic store's 40 topics (bench_views.TOPICS): about
# one entry in twenty, so a page of 50 is a real index scan, not an empty answer.
TARGET = f"{ROUTE}?topic=topic-1&limit=50"
MIX = 100
WORKERS = 2
THREADS = 1
CONNECTIONS = 16
# A slow answer is slow, not an error: its time belongs in the p99. wrk's
# default (2 s) counted a search on a busy box as a socket error.
TIMEOUT = 30
HOST = "127.0.0.1"
ENGINE_FACTORY = "api.app:create_app"
BARE_FACTORY = "scripts.bench_http:bare_app"
_BODIES_FILE = "BENCH_HTTP_BODIES_FILE"
_CONTENT_TYPE = "BENCH_HTTP_CONTENT_TYPE"
_PATH = "BENCH_HTTP_PATH"
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# Words of the synthetic titles (bench_views._row): one title in four has each.
_WORDS = ("border", "asylum", "aid", "ports")
# wrk's Lua hook: each request the next URL of the mix, round and round.
_WALK = """\
local paths = {%s}
local n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
"""


@dataclass(frozen=True)
class WrkRun:
    """One wrk run against one server."""

    requests_per_second: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


def _best(runs: Sequence[WrkRun]) -> WrkRun:
    return max(runs, key=lambda r: r.requests_per_second)


@dataclass(frozen=True)
class HttpFigure:
    """The best round of each server, and every round for whoever wants the spread."""

    target: str
    stack: str
    seconds: int
    engine_runs: list[WrkRun]
    bare_runs: list[WrkRun]
    # The engine with its page cache off, on the mix of `mix` URLs, and the bare
    # route answering each of them its bytes.
    uncached_runs: list[WrkRun]
    mix_bare_runs: list[WrkRun]
    mix: int
    # `policy-timeline serve` on the same mix, page cache off, with one worker
    # and with `workers`.
    serve_runs: list[WrkRun]
    workers_runs: list[WrkRun]
    workers: int
    # The 1, 5 and 15 minute load averages as the last round ended: the box is shared.
    load: tuple[float, float, float]

    @property
    def engine(self) -> WrkRun:
        return _best(self.engine_runs)

    @property
    def bare(self) -> WrkRun:
        return _best(self.bare_runs)

    @property
    def ratio(self) -> float:
        return self.engine.requests_per_second / self.bare.requests_per_second

    @property
    def uncached(self) -> WrkRun:
        return _best(self.uncached_runs)

    @property
    def mix_bare(self) -> WrkRun:
        return _best(self.mix_bare_runs)

    @property
    def uncached_ratio(self) -> float:
        return self.uncached.requests_per_second / self.mix_bare.requests_per_second

    @property
    def serve(self) -> WrkRun:
        return _best(self.serve_runs)

    @property
    def serve_workers(self) -> WrkRun:
        return _best(self.workers_runs)

    @property
    def workers_ratio(self) -> float:
        return self.serve_workers.requests_per_second / self.serve.requests_per_second

    @property
    def engine_errors(self) -> int:
        """Answers other than 2xx/3xx and socket errors over every engine round."""
        runs = self.engine_runs + self.uncached_runs + self.serve_runs + self.workers_runs
        return sum(r.non_2xx + r.socket_errors for r in runs)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def http_row(
    store: Path | str,
    seconds: int,
    rounds: int,
    target: str = TARGET,
    mix: int = MIX,
    workers: int = WORKERS,
) -> HttpFigure:
    """Serve `store` (a SQLite file whose views are built, or a store URL) and the bare
    routes, run wrk against each `rounds` times.

    On PostgreSQL `policy-timeline project` runs throughout, as it does beside a
    deployment's servers, and `serve` leaves the followers to it.
    Raises RuntimeError when a server does not start or the engine's page is
    not a 200, and FileNotFoundError when wrk is not installed.
    """
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    http = "httptools" if find_spec("httptools") else "h11"
    url = store_url(store)
    on_postgres = isinstance(parse_store_url(url), PostgresConfig)
    db = {"TIMELINE_DB": url}
    uncached_env = {**db, "TIMELINE_PAGE_CACHE_BYTES": "0"}
    serve_env = {**uncached_env, "TIMELINE_FOLLOWERS": "external"} if on_postgres else uncached_env
    with (
        _sigterm_unwinds(),
        _followers(url) if on_postgres else nullcontext(),
        tempfile.TemporaryDirectory(prefix="timeline-bench-http-") as folder,
        _server(_uvicorn(ENGINE_FACTORY, loop, http), db) as engine,
        _server(_uvicorn(ENGINE_FACTORY, loop, http), uncached_env) as uncached,
    ):
        body, content_type = _fetch(engine + target)
        targets = mix_targets(lambda url: _fetch(uncached + url)[0], mix)
        bodies = {url: _fetch(uncached + url)[0] for url in targets}
        one = _bare(Path(folder) / "one", {target: body}, content_type)
        many = _bare(Path(folder) / "many", bodies, content_type)
        walk = Path(folder) / "mix.lua"
        walk.write_text(_WALK % ", ".join(orjson.dumps(url).decode() for url in targets))
        with ExitStack() as servers:
            bare = servers.enter_context(_server(_uvicorn(BARE_FACTORY, loop, http), one))
            bare_mix = servers.enter_context(_server(_uvicorn(BARE_FACTORY, loop, http), many))
            for url, expected in (
                (bare + target, body),
                (bare_mix + targets[-1], bodies[targets[-1]]),
            ):
                if _fetch(url) != (expected, content_type):
                    raise RuntimeError("the bare route does not answer the engine's bytes")
            # Each server and the one URL or the mix it is measured on.
            plan = {
                "engine": (engine, target, None),
                "bare": (bare, target, None),
                "uncached": (uncached, "/", walk),
                "mix_bare": (bare_mix, "/", walk),
            }
            if workers > 1:  # 0 (or 1) leaves the serve rows out
                for name, count in (("serve", 1), ("workers", workers)):
                    served = servers.enter_context(_server(_serve(count), serve_env))
                    plan[name] = (served, "/", walk)
            # Warm them all (the engine's page cache, every process's code paths) unmeasured.
            for url, path, script in plan.values():
                _wrk(url + path, min(seconds, 2), script)
            runs: dict[str, list[WrkRun]] = {name: [] for name in (*plan, "serve", "workers")}
            for _ in range(rounds):
                for name, (url, path, script) in plan.items():
                    runs[name].append(_wrk(url + path, seconds, script))
    return HttpFigure(
        target,
        f"uvicorn, {loop}, {http}" + (", `project` running" if on_postgres else ""),
        seconds,
        runs["engine"],
        runs["bare"],
        runs["uncached"],
        runs["mix_bare"],
        len(targets),
        runs["serve"],
        runs["workers"],
        workers,
        os.getloadavg(),
    )


def mix_targets(first_page: Callable[[str], bytes], count: int = MIX, seed: int = 3) -> list[str]:
    """`count` timeline URLs (path and query) of varied filters on the synthetic store.

    Some are a second page: the URL of a first page with the `next_cursor`
    `first_page(url)` answers for it. Searches ask mostly for a word of one
    real entry's title (its number), as a reader looking for something does,
    and one in three for a word a quarter of the titles hold.
    """
    rng = random.Random(seed)
    titles = [
        item["title"].split()
        for url in (f"{ROUTE}?limit=100", f"{ROUTE}?limit=100&order=desc")
        for item in orjson.loads(first_page(url))["items"]
    ]
    rare = sorted({words[1] for words in titles if len(words) > 1})
    targets: list[str] = []
    while len(targets) < count:
        params: dict[str, str] = {}
        if rng.random() < 0.6:
            params["topic"] = rng.choice(TOPICS)
        if rng.random() < 0.3:
            params["actor"] = f"actor-{rng.randrange(ACTORS)}"
        if rng.random() < 0.15:
            # Every synthetic entry is a statement (bench_views._row); a kind
            # none has is a walk of the whole facet, which no reader repeats.
            params["kind"] = "statement"
        if rng.random() < 0.3:
            params["from"] = f"{rng.randrange(2000, 2024)}-{rng.randrange(1, 13):02d}"
        if rng.random() < 0.2:
            params["to"] = str(rng.randrange(2002, 2025))
        if rng.random() < 0.15:
            params["q"] = rng.choice(_WORDS) if rng.random() < 1 / 3 else rng.choice(rare)
        if rng.random() < 0.4:
            params["order"] = "desc"
        params["limit"] = str(rng.choice((10, 20, 50, 50, 100)))
        url = f"{ROUTE}?{urlencode(params)}"
        if url in targets:
            continue
        targets.append(url)
        if len(targets) < count and rng.random() < 0.4:
            cursor = orjson.loads(first_page(url))["next_cursor"]
            if cursor is not None:
                targets.append(f"{url}&{urlencode({'cursor': cursor})}")
    return targets


def bare_app() -> Starlette:
    """The baseline: one async route answering fixed bytes, as cheap as Starlette gets.

    The bytes for each URL were computed before: a dictionary lookup by the
    query string chooses them.
    """
    bodies = {
        query.encode(): body.encode()
        for query, body in orjson.loads(Path(os.environ[_BODIES_FILE]).read_bytes()).items()
    }
    headers = {"content-type": os.environ[_CONTENT_TYPE]}

    async def page(request: Request) -> Response:
        return Response(bodies[request.scope["query_string"]], headers=headers)

    # The engine's own path, so both routers match the same string.
    return Starlette(routes=[Route(os.environ[_PATH], page, methods=["GET"])])


def _bare(file: Path, bodies: Mapping[str, bytes], content_type: str) -> dict[str, str]:
    """The environment of a bare app answering `bodies` (by URL), kept in `file`."""
    by_query = {urlsplit(url).query: body.decode() for url, body in bodies.items()}
    file.write_bytes(orjson.dumps(by_query))
    return {
        _BODIES_FILE: str(file),
        _CONTENT_TYPE: content_type,
        _PATH: ROUTE,
    }


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


def _wrk(url: str, seconds: int, script: Path | None = None) -> WrkRun:
    walk = [] if script is None else ["-s", str(script)]
    # subprocess.run kills wrk itself if this process is interrupted while it waits.
    done = subprocess.run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            f"--timeout={TIMEOUT}s",
            "--latency",
            *walk,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    return parse_wrk(done.stdout)


Command = Callable[[int], list[str]]


def _uvicorn(factory: str, loop: str, http: str) -> Command:
    """uvicorn serving `factory` as the bench configures it, on a port to give."""

    def command(port: int) -> list[str]:
        return [
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
        ]

    return command


def _serve(workers: int) -> Command:
    """`policy-timeline serve` as a user runs it, with `workers` processes."""

    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "scripts.cli",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]

    return command


@contextmanager
def _followers(url: str) -> Iterator[None]:
    """`policy-timeline project` on the PostgreSQL store at `url`, until the block ends.

    It runs in a session of its own, so its followers are stopped with it
    should it have to be killed.
    """
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "--db", url, "project"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while b"following the log" not in _read_all(log):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "policy-timeline project did not start:\n"
                        + _read_all(log).decode(errors="replace")[-2000:]
                    )
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _read_all(log: IO[bytes]) -> bytes:
    log.seek(0)
    return log.read()


@contextmanager
def _server(command: Command, env: Mapping[str, str]) -> Iterator[str]:
    """A server process started by `command` on a free loopback port; its base URL.

    The process is terminated (then killed) however the block is left.
    """
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command(port),
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
            # Health, not a page: on a large store the first page is slow to draw.
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2):
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
    parser.add_argument(
        "store",
        type=lambda given: given if "://" in given else Path(given),
        help="a SQLite file with its views built, or a PostgreSQL store URL",
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target", default=TARGET)
    parser.add_argument("--mix", type=int, default=MIX, help="URLs in the mix")
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help="serve's workers beside one (0: no serve rows)",
    )
    args = parser.parse_args(argv)
    figure = http_row(args.store, args.seconds, args.rounds, args.target, args.mix, args.workers)
    print(f"{figure.target}, {figure.stack}, wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s")
    named = (
        ("engine", figure.engine_runs),
        ("bare", figure.bare_runs),
        (f"engine, cache off, mix {figure.mix}", figure.uncached_runs),
        (f"bare, mix {figure.mix}", figure.mix_bare_runs),
        ("serve, 1 worker", figure.serve_runs),
        (f"serve, {figure.workers} workers", figure.workers_runs),
    )
    for name, runs in named:
        for run in runs:
            print(
                f"  {name:26} {run.requests_per_second:10,.0f} req/s  p99 {run.p99_ms:7.2f} ms"
                f"  non-2xx {run.non_2xx}  socket errors {run.socket_errors}"
            )
    print(f"best engine / best bare requests/s: {figure.ratio:.2f}")
    print(
        f"best engine, page cache off, on the mix / best bare on it: {figure.uncached_ratio:.2f}"
    )
    if figure.workers_runs:
        print(f"best serve, {figure.workers} workers / best serve, 1: {figure.workers_ratio:.2f}")
    print(f"load average: {' '.join(f'{n:.2f}' for n in figure.load)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
