"""`policy-timeline serve`: the HTTP API on the chosen store.

On PostgreSQL the views are kept up by follower processes; unless the
deployment runs them apart (`--followers external`, TIMELINE_FOLLOWERS), the
server starts them itself, supervised as `project` does (`scripts.followers`),
so a server started alone is the whole system. When a follower keeps failing
the server stops with status 1, naming its view.

On SQLite the server answers at once, while its views catch up with the log in
the background (`create_app(catch_up_at_start=False)`): `/api/v1/health` shows
how far behind they are, reads answer as of where they are.

`--workers N` serves from N processes sharing the port (uvicorn's pre-fork
supervisor, each worker built by `worker_app` from the environment), so reads
use every core. Each worker opens the store and keeps its own page cache. On
SQLite only one process applies events to the views, the supervising one, as
PostgreSQL's followers do: the workers read the views' position from the
store, and a write answers once that process has applied it.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from threading import Event, Thread
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors.multiprocess import Process

from api import Settings, create_app
from domain import parse_store_url
from projections.bootstrap import SystemConfig, bootstrap
from projections.dialect import dialect_of
from scripts.followers import FollowerFailed, Supervisor

__all__ = ["add_parser", "run", "worker_app"]

# With workers, how often the supervising process looks for new events on
# SQLite: a write in a worker waits for it (the store announces nothing there).
FOLLOW_SECONDS = 0.05
# Open event streams never end by themselves: on shutdown uvicorn cancels
# them after this grace period instead of waiting for the clients to leave.
GRACEFUL_SECONDS = 3
_WORKER_APP = "scripts.serve:worker_app"


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("serve", help="serve the HTTP API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--protect-reads",
        action="store_true",
        help="reads need a token with scope read too (also $TIMELINE_PROTECT_READS=true)",
    )
    parser.add_argument(
        "--followers",
        choices=("serve", "external"),
        default=None,
        help="PostgreSQL: who keeps the views up, this server (default) or "
        "`policy-timeline project` run apart (also $TIMELINE_FOLLOWERS)",
    )
    parser.add_argument(
        "--no-access-log",
        action="store_true",
        help="do not log each request (when a proxy in front logs them)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="processes serving the port, each with its own page cache (default: 1)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = args.db
    store = parse_store_url(url)  # fail fast, before the server starts, on a bad URL
    # Options left unset stay unset here, so the environment can still set them.
    given: dict[str, Any] = {"db": url}
    if args.protect_reads:
        given["protect_reads"] = True
    if args.followers is not None:
        given["followers"] = args.followers
    settings = Settings(**given)
    config = settings.system_config()
    in_process = dialect_of(store).views_follow_in_process
    if args.workers > 1:
        # The workers are new processes: they read their settings as the parent was given them.
        os.environ.update({f"TIMELINE_{k.upper()}": str(v) for k, v in given.items()})
        uv_config = uvicorn.Config(
            _WORKER_APP,
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
            access_log=not args.no_access_log,
        )
        multiprocess = _Workers(uv_config)
        serve: Callable[[], None] = multiprocess.run
        stop_serving: Callable[[], None] = multiprocess.should_exit.set
    else:
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, catch_up_at_start=False),
                host=args.host,
                port=args.port,
                timeout_graceful_shutdown=GRACEFUL_SECONDS,
                access_log=not args.no_access_log,
            )
        )
        serve = server.run

        def stop_serving() -> None:
            server.should_exit = True

    if in_process:
        if args.workers == 1:
            serve()  # the one process serves and keeps the views up itself
            return 0
        with _views_followed(config):
            serve()
        return 0
    if settings.followers == "external":
        serve()
        return 0
    return _serve_with_followers(config, serve, stop_serving)


class _Workers(Multiprocess):
    """uvicorn's pre-fork supervisor, each worker listening on a socket of its own.

    With one listening socket shared, the worker that wakes first accepts every
    connection waiting (asyncio accepts up to the backlog at a wake): a client
    opening its connections at once, as a load balancer or wrk does, had them
    all on one worker, and a second worker served nothing. Sockets bound to the
    one port with SO_REUSEPORT let the kernel spread connections over them.
    A worker uvicorn starts again after a crash listens on all of them.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        own = _reuse_port_sockets(config.host, config.port, config.workers)
        super().__init__(config, sockets=own)
        self._own = own

    def init_processes(self) -> None:
        for sock in self._own:
            process = Process(self.config, [sock])
            process.start()
            self.processes.append(process)


def _reuse_port_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to `host`:`port` (the first one's, when `port` is 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]
        sock.set_inheritable(True)
        sockets.append(sock)
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d with %d workers (Press CTRL+C to quit)",
        host,
        port,
        count,
    )
    return sockets


def worker_app() -> FastAPI:
    """One worker of `serve --workers N`: the app on the settings in the environment.

    On SQLite it applies no events: the supervising process does (`_views_followed`).
    """
    return create_app(Settings(), catch_up_at_start=False, follow_views=False)


@contextmanager
def _views_followed(config: SystemConfig) -> Iterator[None]:
    """SQLite with workers: this process alone catches the views up, in a thread,
    from the start and then with every new event, until the block ends."""
    with bootstrap(config) as system:
        # The views' tables exist before a worker opens them (`create()` is
        # here, in the read models' constructor), and nothing is cached here.
        read_models = system.read_models(signed=False, catch_up_now=False)
        read_models.follow_in_background(FOLLOW_SECONDS)
        yield


def _serve_with_followers(
    config: SystemConfig, serve: Callable[[], None], stop_serving: Callable[[], None]
) -> int:
    with bootstrap(config) as system:
        # Once, here: concurrent CREATE TABLEs in the followers would race.
        system.projector().create()
    stop, failed = Event(), []

    def supervise() -> None:
        try:
            Supervisor(config, log=_say).run(stop)
        except FollowerFailed as error:
            failed.append(error)
            stop_serving()

    supervisor = Thread(target=supervise, name="followers")
    supervisor.start()
    try:
        serve()
    finally:
        stop.set()
        supervisor.join()
    if failed:
        print(f"policy-timeline serve: {failed[0]}", file=sys.stderr, flush=True)
        return 1
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, not {value}")
    return value


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
