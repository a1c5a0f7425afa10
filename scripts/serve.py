"""`policy-timeline serve`: the HTTP API on the chosen store.

On PostgreSQL the views are kept up by follower processes; unless the
deployment runs them apart (`--followers external`, TIMELINE_FOLLOWERS), the
server starts them itself, supervised as `project` does (`scripts.followers`),
so a server started alone is the whole system. When a follower keeps failing
the server stops with status 1, naming its view.

On SQLite the server answers at once, while its views catch up with the log in
the background (`create_app(catch_up_at_start=False)`): `/api/v1/health` shows
how far behind they are, reads answer as of where they are.
"""

from __future__ import annotations

import argparse
import sys
from threading import Event, Thread
from typing import Any

import uvicorn

from api import Settings, create_app
from domain import parse_store_url
from projections.bootstrap import bootstrap
from projections.dialect import dialect_of
from scripts.followers import FollowerFailed, Supervisor


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("serve", help="serve the HTTP API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", dest="serve_db", default=None, help="store URL (overrides --db)")
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = args.serve_db or args.db
    store = parse_store_url(url)  # fail fast, before the server starts, on a bad URL
    # Options left unset stay unset here, so the environment can still set them.
    given: dict[str, Any] = {"db": url}
    if args.protect_reads:
        given["protect_reads"] = True
    if args.followers is not None:
        given["followers"] = args.followers
    settings = Settings(**given)
    # Open event streams never end by themselves: on shutdown uvicorn cancels
    # them after this grace period instead of waiting for the clients to leave.
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, catch_up_at_start=False),
            host=args.host,
            port=args.port,
            timeout_graceful_shutdown=3,
        )
    )
    if dialect_of(store).views_follow_in_process or settings.followers == "external":
        server.run()
        return 0
    config = settings.system_config()
    with bootstrap(config) as system:
        # Once, here: concurrent CREATE TABLEs in the followers would race.
        system.projector().create()
    stop, failed = Event(), []

    def supervise() -> None:
        try:
            Supervisor(config, log=_say).run(stop)
        except FollowerFailed as error:
            failed.append(error)
            server.should_exit = True

    supervisor = Thread(target=supervise, name="followers")
    supervisor.start()
    try:
        server.run()
    finally:
        stop.set()
        supervisor.join()
    if failed:
        print(f"policy-timeline serve: {failed[0]}", file=sys.stderr, flush=True)
        return 1
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
