"""A throwaway PostgreSQL server on loopback, for the soak and the tests.

initdb and pg_ctl refuse to run as root, so as root they run as the
`postgres` user. The cluster lives in a temporary folder, listens on a free
port on 127.0.0.1 only, trusts every local connection, and is stopped and
removed however the block is left.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path

__all__ = ["HOST", "NO_DURABILITY", "ThrowawayServer", "free_port", "throwaway_postgres"]

HOST = "127.0.0.1"
NO_DURABILITY: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
"""Settings for a server whose data nobody keeps (the tests'): no wait for the disk.
A measurement of the system (the soak) keeps the defaults, which wait for it."""


@dataclass(frozen=True)
class ThrowawayServer:
    """The running server: where it listens."""

    port: int
    host: str = HOST

    def url(self, dbname: str = "postgres") -> str:
        """A store URL for database `dbname` on this server, as user `postgres`."""
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"


@contextmanager
def throwaway_postgres(
    settings: Mapping[str, str] | None = None, *, prefix: str = "timeline-pg-"
) -> Iterator[ThrowawayServer]:
    """Start a PostgreSQL server with these server `settings` (`-c name=value`);
    stop and remove it when the block ends. RuntimeError when PostgreSQL is not
    installed."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    data = base / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
    port = free_port()
    try:
        _as_postgres(
            _binary("initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        given = " ".join(f"-c {name}={value}" for name, value in (settings or {}).items())
        options = f"-p {port} -k {base} -c listen_addresses={HOST} {given}".rstrip()
        pg_ctl = _binary("pg_ctl")
        _as_postgres(
            pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"
        )
        try:
            yield ThrowawayServer(port)
        finally:
            _as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found: install PostgreSQL 15 "
            "(Debian: postgresql-15), or give a store URL"
        )
    return found


def _as_postgres(*command: str) -> None:
    run: Sequence[str] = command
    if os.geteuid() == 0:
        run = ("runuser", "-u", "postgres", "--", *command)
    subprocess.run(run, check=True, capture_output=True, text=True)
