"""`policy-timeline serve`: the HTTP API on the chosen store."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from api import Settings, create_app
from domain import parse_store_url


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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = args.serve_db or args.db
    parse_store_url(url)  # fail fast, before the server starts, on a bad URL
    # Without the flag the setting stays unset here, so the environment can still turn it on.
    settings = Settings(db=url, protect_reads=True) if args.protect_reads else Settings(db=url)
    # Open event streams never end by themselves: on shutdown uvicorn cancels
    # them after this grace period instead of waiting for the clients to leave.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, timeout_graceful_shutdown=3)
    return 0
