"""Memory and open files of a served store under varied reads: RSS and fds before and after.

    python -m scripts.bench_memory [--entries 5000] [--rounds 2]

Builds a synthetic SQLite store (`bench_views.make_store`), serves it with
uvicorn in a child process, then runs rounds of varied timeline reads (by
topic, actor, kind, words, dates, as of past positions, following cursors)
from many client threads, and prints the server's resident memory and open
file descriptors after start, after each round and after a pause. A program
that prints figures, not a test: the tests assert the bounds themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console

from scripts.bench_export import build_store
from scripts.bench_http import ENGINE_FACTORY, _server, _uvicorn
from scripts.bench_views import ACTORS, KINDS, TOPICS

__all__ = ["main"]

CLIENTS = 48


def _pid_of(url: str) -> int:
    port = urllib.parse.urlsplit(url).port
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"uvicorn" in cmdline and str(port).encode() in cmdline:
            return int(entry.name)
    raise RuntimeError(f"no uvicorn process serves {url}")


def _figures(pid: int) -> tuple[float, int, int]:
    """(RSS in MB, open fds, threads) of the process `pid`."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields["VmRSS"].split()[0]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd")), int(fields["Threads"])


def _queries(rng: random.Random, head: int, count: int) -> list[str]:
    queries = []
    for _ in range(count):
        params: dict[str, str] = {"limit": str(rng.choice((10, 50, 100)))}
        shape = rng.randrange(6)
        if shape == 0:
            params["topic"] = rng.choice(TOPICS)
        elif shape == 1:
            params["actor"] = f"actor-{rng.randrange(ACTORS)}"
        elif shape == 2:
            params["kind"] = rng.choice(KINDS)
        elif shape == 3:
            params["q"] = f"Quote {rng.randrange(1000)}"
        elif shape == 4:
            year = rng.randrange(2000, 2024)
            params["from"], params["to"] = f"{year}", f"{year + rng.randrange(3)}"
        if rng.random() < 0.5:
            params["as_of"] = str(rng.randrange(head // 2, head))
        queries.append("/api/v1/timeline?" + urllib.parse.urlencode(params))
    return queries


def _read(url: str, path: str) -> None:
    """GET `path` and up to three of its following pages."""
    for _ in range(4):
        with urllib.request.urlopen(url + path, timeout=60) as answer:
            body = json.loads(answer.read())
        cursor = body.get("next_cursor")
        if not cursor:
            return
        base = path.split("&cursor=")[0]
        path = f"{base}&cursor={urllib.parse.quote(cursor)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--queries", type=int, default=1500, help="reads a round")
    parser.add_argument("--pause", type=float, default=15.0, help="idle seconds at the end")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "timeline.db"
        head = build_store(path, args.entries, console)
        env = {"TIMELINE_DB": f"sqlite:///{path}"}
        with _server(_uvicorn(ENGINE_FACTORY, "asyncio", "h11"), env) as url:
            pid = _pid_of(url)
            _read(url, "/api/v1/timeline?limit=1")
            print("moment          RSS MB  fds  threads")
            print("after start     {:7.1f} {:4d} {:8d}".format(*_figures(pid)))
            rng = random.Random(19)
            for n in range(1, args.rounds + 1):
                queries = _queries(rng, head, args.queries)
                with ThreadPoolExecutor(CLIENTS) as clients:
                    list(clients.map(lambda q: _read(url, q), queries))
                print(f"after round {n}   " + "{:7.1f} {:4d} {:8d}".format(*_figures(pid)))
            time.sleep(args.pause)
            print(f"idle {args.pause:.0f} s       " + "{:7.1f} {:4d} {:8d}".format(*_figures(pid)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
