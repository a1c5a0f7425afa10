"""A soak of the whole system on PostgreSQL: writers, a stream, and a killed follower.

    python -m scripts.soak --seconds 30 [--db postgresql://...] [--json soak.json]

Without `--db` a throwaway PostgreSQL server is started on loopback
(`scripts.throwaway_postgres`, with its default durability: commits wait for
the disk) and removed afterwards.
On it run, each as its own process: `policy-timeline project` (which
supervises the followers: one process for the views, one for the ledger)
and two API servers with `serve --followers external --no-access-log`. Four
writer threads POST entries, each under an `Idempotency-Key`, alternating
between the servers, and send a request that failed or timed out again with
the same key until it is acknowledged (201, or 202: stored, not yet
visible). One reader follows `/api/v1/stream`. Halfway through, one
follower process is killed (SIGKILL) and `project` starts it again.

Then the log itself is read: every acknowledged write must be stored once
(no write lost, none stored twice), and the stream must have carried every
stored position once, in order. The report gives acknowledged writes a
second, the longest time without an acknowledged write (overall, and from
the kill on), the servers' resident memory after warm-up and at the end, the
CPU each part used (and the soak's own), and the machine's load average
beside them.
Exit status 1 when a write is lost or duplicated or the stream is wrong; with
`--strict`, also when a timing or memory target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from scripts.throwaway_postgres import HOST, free_port, throwaway_postgres

__all__ = ["SoakReport", "follower_pids", "main", "soak", "table"]

WRITERS = 4
PRINCIPAL_TOKEN = "soak"
TIMEOUT = 10.0
"""Seconds a writer waits for an answer before it sends the request again."""
TARGET_WRITES_PER_SECOND = 500.0
TARGET_STALL_SECONDS = 2.0
TARGET_MEMORY_RATIO = 1.5
SERVER_SETTINGS = {"max_connections": "200"}
ACTORS = (
    {"id": "soak-speaker", "name": "Soak Speaker", "kind": "person"},
    {"id": "soak-agency", "name": "Soak Agency", "kind": "organization"},
)
SOURCE = {"id": "soak-source", "title": "Soak source", "publisher": "The soak"}


@dataclass
class Ack:
    """One acknowledged write, as its writer saw it."""

    key: str
    at: float
    status: int
    id: str
    position: int
    attempts: int
    seconds: float


@dataclass
class SoakReport:
    """What a soak measured; `ok` says whether no write was lost or doubled and the
    stream was right, `targets_met` whether the timing and memory targets were met too."""

    seconds: float
    writers: int
    acknowledged: int
    created: int
    accepted: int
    retries: int
    refused: int
    stored: int
    lost: int
    duplicated: int
    stream_events: int
    stream_repeated: int
    stream_out_of_order: int
    stream_missing: int
    writes_per_second: float
    median_ms: float
    p99_ms: float
    longest_stall_seconds: float
    stall_after_kill_seconds: float | None
    killed_pid: int | None
    rss_start_kib: dict[str, int]
    rss_end_kib: dict[str, int]
    connections: int | None
    views_caught_up: bool
    cores: dict[str, float] = field(default_factory=dict)
    """CPU cores each part of the system used while measured."""
    client_cores: float = 0.0
    """CPU cores the soak itself (writers, stream reader) used meanwhile, on the same
    machine: what the system's parts could not have."""
    load: tuple[float, float] = (0.0, 0.0)
    """The machine's one-minute load average as measuring began and ended: on a
    shared machine, what else wanted the cores meanwhile."""
    errors: list[str] = field(default_factory=list)

    @property
    def memory_ratio(self) -> float:
        start = sum(self.rss_start_kib.values())
        return sum(self.rss_end_kib.values()) / start if start else 0.0

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.stream_repeated == 0
            and self.stream_out_of_order == 0
            and self.stream_missing == 0
            and self.acknowledged > 0
        )

    @property
    def targets_met(self) -> bool:
        stall = self.stall_after_kill_seconds or 0.0
        return (
            self.ok
            and self.writes_per_second >= TARGET_WRITES_PER_SECOND
            and stall <= TARGET_STALL_SECONDS
            and self.memory_ratio <= TARGET_MEMORY_RATIO
        )

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "memory_ratio": self.memory_ratio,
            "ok": self.ok,
            "targets_met": self.targets_met,
        }


# The system's processes -------------------------------------------------------


def _command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "scripts.cli", "--db", url, *args]


@contextmanager
def _process(command: Sequence[str], log: Path, env: dict[str, str]) -> Iterator[int]:
    """Run `command` with its output in `log`; SIGINT, then SIGKILL, when the block ends."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        yield process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_server(port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _ = _request(port, "GET", "/api/v1/health")
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start:\n{log.read_text()[-2000:]}")


def _request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        payload = None if body is None else json.dumps(body).encode()
        connection.request(
            method, path, payload, {"Content-Type": "application/json", **(headers or {})}
        )
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def follower_pids(project: int) -> list[int]:
    """The follower processes `project` supervises: forked by its fork server."""
    followers = []
    for pid in _children(project):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"forkserver" in cmdline:
            followers.extend(_children(pid))
        elif b"spawn_main" in cmdline:
            followers.append(pid)
    return followers


def _forkservers(project: int) -> list[int]:
    return [pid for pid in _children(project) if pid not in follower_pids(project)]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _memory(servers: dict[str, int], project: int) -> dict[str, int]:
    rss = {name: _rss_kib(pid) for name, pid in servers.items()}
    rss["project"] = sum(_rss_kib(pid) for pid in [project, *_forkservers(project)])
    rss["followers"] = sum(_rss_kib(pid) for pid in follower_pids(project))
    return rss


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime, fields 14 and 15 of stat(5), the 12th and 13th after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving this database's connections."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(row[0]) for row in rows]


def _cpu(url: str, servers: dict[str, int], project: int) -> dict[str, float]:
    """CPU seconds used so far by each part of the system (PostgreSQL: the backends now)."""
    cpu = {name: _cpu_seconds(pid) for name, pid in servers.items()}
    cpu["project"] = sum(_cpu_seconds(pid) for pid in [project, *_forkservers(project)])
    for pid in follower_pids(project):
        cpu[f"follower-{pid}"] = _cpu_seconds(pid)
    for pid in _backends(url):
        cpu[f"backend-{pid}"] = _cpu_seconds(pid)
    return cpu


def _cores(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores each part used over `seconds`: API servers, project, followers, PostgreSQL."""
    used: dict[str, float] = {}
    for name, end in after.items():
        part = name.split("-")[0] if name.startswith(("follower-", "backend-")) else name
        part = {"follower": "followers", "backend": "postgresql"}.get(part, part)
        used[part] = used.get(part, 0.0) + (end - before.get(name, 0.0)) / seconds
    return used


def _connections(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchone()
    except psycopg.Error:
        return None
    return None if row is None else int(row[0])


# Writers and the stream -------------------------------------------------------


class Writer(threading.Thread):
    """POSTs entries under keys of its own until told to stop; retries with the same key."""

    def __init__(self, number: int, port: int, token: str, stop: threading.Event) -> None:
        super().__init__(name=f"writer-{number}", daemon=True)
        self.number = number
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.stop = stop
        self.acks: list[Ack] = []
        self.retries = 0
        self.refused: list[str] = []
        self._connection: http.client.HTTPConnection | None = None

    def run(self) -> None:
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                self._write(f"w{self.number}-{n}")
        finally:
            self._reset()

    def _write(self, key: str) -> None:
        body = json.dumps(_entry(key)).encode()
        started = time.monotonic()
        attempts = 0
        # Once sent, a write is retried until acknowledged, stop or not: giving
        # up would leave it unknown whether it was stored.
        while True:
            attempts += 1
            try:
                status, answer = self._post(body, key)
            except (OSError, http.client.HTTPException):
                self._reset()
                self.retries += 1
                time.sleep(0.05)
                continue
            if status in (201, 202):
                data = json.loads(answer)
                self.acks.append(
                    Ack(
                        key,
                        time.monotonic(),
                        status,
                        str(data["id"]),
                        int(data.get("position", 0)),
                        attempts,
                        time.monotonic() - started,
                    )
                )
                return
            if status in (429, 503) or status >= 500:
                self.retries += 1
                time.sleep(0.05)
                continue
            self.refused.append(f"{key}: {status} {answer[:300]!r}")
            return

    def _post(self, body: bytes, key: str) -> tuple[int, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        self._connection.request(
            "POST", "/api/v1/entries", body, {**self.headers, "Idempotency-Key": key}
        )
        answer = self._connection.getresponse()
        return answer.status, answer.read()

    def _reset(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _entry(key: str) -> dict[str, Any]:
    return {
        "kind": "statement",
        "title": f"soak {key}",
        "summary": "A write of the soak.",
        "occurred": "2024-03-01",
        "actors": [],
        "topics": ["soak"],
        "details": {"speaker": "soak-speaker", "quotes": ["Hold"], "medium": "remarks"},
        "sources": [{"source": "soak-source"}],
    }


class StreamReader(threading.Thread):
    """Follows `/api/v1/stream` from `after`, keeping the position of each event."""

    def __init__(self, port: int, after: int) -> None:
        super().__init__(name="stream", daemon=True)
        self.port = port
        self.after = after
        self.positions: list[int] = []
        self.stop = threading.Event()
        self.error: str | None = None
        self._connection: http.client.HTTPConnection | None = None

    def reached(self, position: int) -> bool:
        return bool(self.positions) and self.positions[-1] >= position

    def close(self) -> None:
        """End the stream: shut its socket, which ends the blocked read."""
        self.stop.set()
        sock = self._connection.sock if self._connection is not None else None
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        # A read that times out leaves the response unreadable, so the stream
        # blocks (keep-alives come every 15 s) and `close` shuts the socket.
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60.0)
        self._connection = connection
        try:
            connection.request("GET", f"/api/v1/stream?after={self.after}")
            answer = connection.getresponse()
            if answer.status != 200:
                self.error = f"the stream answered {answer.status}"
                return
            self._read(answer)
        except Exception as error:
            if not self.stop.is_set():
                self.error = f"the stream failed: {error!r}"
        finally:
            connection.close()

    def _read(self, answer: http.client.HTTPResponse) -> None:
        event_id: int | None = None
        while not self.stop.is_set():
            line = answer.readline()
            if not line:
                self.error = "the stream ended"
                return
            text = line.decode().rstrip("\n")
            if text.startswith("id: "):
                event_id = int(text[4:])
            elif text.startswith("event: ") and event_id is not None:
                self.positions.append(event_id)
            elif text == "":
                event_id = None


# The soak ---------------------------------------------------------------------


def soak(
    url: str,
    seconds: float,
    *,
    writers: int = WRITERS,
    warmup: float = 3.0,
    kill_at: float | None = None,
    folder: Path,
    say: Any = print,
) -> SoakReport:
    """Run the system on the PostgreSQL store at `url` under load for `seconds` after
    `warmup`, kill a follower at `kill_at` s (default: halfway), and check the log."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TIMELINE_DB", None)
    token = subprocess.run(
        _command(url, "tokens", "create", PRINCIPAL_TOKEN, "--scopes", "write"),
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        project = stack.enter_context(
            _process(_command(url, "project"), folder / "project.log", env)
        )
        servers: dict[str, int] = {}
        for number, port in enumerate(ports, 1):
            log = folder / f"serve-{number}.log"
            # No access log: a deployment's proxy keeps one, and uvicorn's
            # formatting of it was a twentieth of a server's CPU a write.
            command = _command(
                url,
                "serve",
                *("--port", str(port), "--host", HOST),
                *("--followers", "external", "--no-access-log"),
            )
            servers[f"api-{number}"] = stack.enter_context(_process(command, log, env))
        for number, port in enumerate(ports, 1):
            _wait_for_server(port, folder / f"serve-{number}.log")
        from scripts.followers import follower_groups

        groups = len(follower_groups())
        _until(lambda: len(follower_pids(project)) >= groups, 120, "the followers did not start")
        _seed(ports[0], token)
        start = _head(url)
        if not _views_reach(url, start, 120):
            raise RuntimeError("the followers did not catch up with the log")
        say(f"system up: project {project}, servers {servers}; log at {start}")
        reader = StreamReader(ports[1], start)
        reader.start()
        stop = threading.Event()
        threads = [Writer(n, ports[n % 2], token, stop) for n in range(1, writers + 1)]
        begun = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(warmup)
        rss_start = _memory(servers, project)
        cpu_start = _cpu(url, servers, project)
        client_start = time.process_time()
        load_start = os.getloadavg()[0]
        measured_from = time.monotonic()
        kill_after = seconds / 2 if kill_at is None else kill_at
        killed: int | None = None
        killed_at: float | None = None
        connections: int | None = None
        while (now := time.monotonic()) < measured_from + seconds:
            if killed is None and now >= measured_from + kill_after:
                connections = _connections(url)
                candidates = follower_pids(project)
                if candidates:
                    killed = candidates[0]
                    os.kill(killed, signal.SIGKILL)
                    killed_at = time.monotonic()
                    say(f"killed follower {killed} at {killed_at - measured_from:.1f} s")
            time.sleep(0.05)
        measured_to = time.monotonic()
        load_end = os.getloadavg()[0]
        rss_end = _memory(servers, project)
        cores = _cores(cpu_start, _cpu(url, servers, project), measured_to - measured_from)
        client_cores = (time.process_time() - client_start) / (measured_to - measured_from)
        stop.set()
        for thread in threads:
            thread.join(60)
        head = _head(url)
        caught_up = _views_reach(url, head)
        _until(
            lambda: reader.reached(head) or bool(reader.error),
            60,
            "the stream did not reach the log's head",
            fail=False,
        )
        reader.close()
        reader.join(5)
        return _report(
            url,
            start,
            threads,
            reader,
            begun=begun,
            measured=(measured_from, measured_to),
            killed=(killed, killed_at),
            rss=(rss_start, rss_end),
            connections=connections,
            caught_up=caught_up,
            cores=cores,
            client_cores=client_cores,
            load=(load_start, load_end),
        )
    raise AssertionError("unreachable")  # ExitStack may swallow; it does not here


def _until(condition: Any, seconds: float, what: str, *, fail: bool = True) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            if fail:
                raise RuntimeError(what)
            return
        time.sleep(0.1)


def _seed(port: int, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for path, body in [("/api/v1/actors", a) for a in ACTORS] + [("/api/v1/sources", SOURCE)]:
        status, answer = _request(
            port, "POST", path, body, {**headers, "Idempotency-Key": f"seed-{body['id']}"}
        )
        if status not in (201, 202):
            raise RuntimeError(f"POST {path} answered {status}: {answer[:300]!r}")


def _head(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT max(notification_id) FROM timeline_events").fetchone()
    return int(row[0] or 0) if row else 0


def _views_reach(url: str, head: int, seconds: float = 60) -> bool:
    import psycopg

    deadline = time.monotonic() + seconds
    with psycopg.connect(url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            rows = connection.execute("SELECT position FROM projection_tracking").fetchall()
            if len(rows) >= 5 and min(int(row[0]) for row in rows) >= head:
                return True
            time.sleep(0.2)
    return False


def _stored(url: str, after: int) -> tuple[list[int], Counter[str]]:
    """Every log position after `after`, and how often each soak title was recorded."""
    import psycopg

    positions: list[int] = []
    titles: Counter[str] = Counter()
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT notification_id, topic, state FROM timeline_events "
            "WHERE notification_id > %s ORDER BY notification_id",
            (after,),
        )
        for position, topic, state in rows:
            positions.append(int(position))
            if str(topic).endswith(".Recorded"):
                title = json.loads(bytes(state)).get("title", "")
                if title.startswith("soak "):
                    titles[title[len("soak ") :]] += 1
    return positions, titles


def _report(
    url: str,
    start: int,
    threads: list[Writer],
    reader: StreamReader,
    *,
    begun: float,
    measured: tuple[float, float],
    killed: tuple[int | None, float | None],
    rss: tuple[dict[str, int], dict[str, int]],
    connections: int | None,
    caught_up: bool,
    cores: dict[str, float],
    client_cores: float,
    load: tuple[float, float],
) -> SoakReport:
    acks = sorted((ack for thread in threads for ack in thread.acks), key=lambda a: a.at)
    positions, titles = _stored(url, start)
    acked_keys = [ack.key for ack in acks]
    lost = sum(1 for key in acked_keys if titles[key] == 0)
    duplicated = sum(count - 1 for count in titles.values() if count > 1)
    seen = reader.positions
    repeated = len(seen) - len(set(seen))
    out_of_order = sum(1 for a, b in pairwise(seen) if b <= a)
    missing = len(set(positions) - set(seen))
    measured_from, measured_to = measured
    in_window = [ack for ack in acks if measured_from <= ack.at <= measured_to]
    times = [measured_from] + [ack.at for ack in in_window] + [measured_to]
    longest = max((b - a for a, b in pairwise(times)), default=0.0)
    killed_pid, killed_at = killed
    after_kill = None
    if killed_at is not None:
        # The gap the kill falls in, and every gap after it.
        times_after = [killed_at] + [ack.at for ack in acks if ack.at >= killed_at]
        before = [ack.at for ack in acks if ack.at < killed_at]
        if before:
            times_after[0] = before[-1]
        after_kill = max((b - a for a, b in pairwise(times_after)), default=0.0)
    latencies = sorted(ack.seconds for ack in acks)
    errors = [message for thread in threads for message in thread.refused[:5]]
    if reader.error and not reader.stop.is_set():
        errors.append(reader.error)
    del begun
    return SoakReport(
        seconds=measured_to - measured_from,
        writers=len(threads),
        acknowledged=len(acks),
        created=sum(1 for ack in acks if ack.status == 201),
        accepted=sum(1 for ack in acks if ack.status == 202),
        retries=sum(thread.retries for thread in threads),
        refused=sum(len(thread.refused) for thread in threads),
        stored=sum(titles.values()),
        lost=lost,
        duplicated=duplicated,
        stream_events=len(seen),
        stream_repeated=repeated,
        stream_out_of_order=out_of_order,
        stream_missing=missing,
        writes_per_second=len(in_window) / (measured_to - measured_from),
        median_ms=_quantile(latencies, 0.5) * 1000,
        p99_ms=_quantile(latencies, 0.99) * 1000,
        longest_stall_seconds=longest,
        stall_after_kill_seconds=after_kill,
        killed_pid=killed_pid,
        rss_start_kib=rss[0],
        rss_end_kib=rss[1],
        connections=connections,
        views_caught_up=caught_up,
        cores=cores,
        client_cores=client_cores,
        load=load,
        errors=errors,
    )


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(int(q * len(values)), len(values) - 1)]


# Output -----------------------------------------------------------------------


def table(report: SoakReport) -> str:
    """The report as a plain table: figure, value, target, and whether it was met."""

    def mark(met: bool) -> str:
        return "ok" if met else "MISSED"

    stall = report.stall_after_kill_seconds
    system, client = sum(report.cores.values()), report.client_cores
    start_mib = sum(report.rss_start_kib.values()) / 1024
    end_mib = sum(report.rss_end_kib.values()) / 1024
    rows = [
        ("acknowledged writes", f"{report.acknowledged}", "", ""),
        (
            "  201 / 202 / retries / refused",
            f"{report.created} / {report.accepted} / {report.retries} / {report.refused}",
            "",
            "",
        ),
        ("stored (soak entries in the log)", f"{report.stored}", "", ""),
        ("lost", f"{report.lost}", "0", mark(report.lost == 0)),
        ("duplicated", f"{report.duplicated}", "0", mark(report.duplicated == 0)),
        ("stream events", f"{report.stream_events}", "", ""),
        ("stream repeated", f"{report.stream_repeated}", "0", mark(report.stream_repeated == 0)),
        (
            "stream out of order",
            f"{report.stream_out_of_order}",
            "0",
            mark(report.stream_out_of_order == 0),
        ),
        ("stream missing", f"{report.stream_missing}", "0", mark(report.stream_missing == 0)),
        (
            f"acknowledged writes/s ({report.writers} writers)",
            f"{report.writes_per_second:,.0f}",
            f">= {TARGET_WRITES_PER_SECOND:g}",
            mark(report.writes_per_second >= TARGET_WRITES_PER_SECOND),
        ),
        ("write latency median / p99", f"{report.median_ms:.1f} / {report.p99_ms:.1f} ms", "", ""),
        ("longest time without an ack", f"{report.longest_stall_seconds:.2f} s", "", ""),
        (
            "longest, from the kill on",
            "no kill" if stall is None else f"{stall:.2f} s",
            f"<= {TARGET_STALL_SECONDS:g} s",
            mark((stall or 0.0) <= TARGET_STALL_SECONDS),
        ),
        (
            "server RSS after warm-up -> end",
            f"{start_mib:.0f} -> {end_mib:.0f} MiB ({report.memory_ratio:.2f}x)",
            f"<= {TARGET_MEMORY_RATIO:g}x",
            mark(report.memory_ratio <= TARGET_MEMORY_RATIO),
        ),
        *(
            (
                f"  {name}",
                f"{report.rss_start_kib[name] / 1024:.0f} -> "
                f"{report.rss_end_kib.get(name, 0) / 1024:.0f} MiB",
                "",
                "",
            )
            for name in report.rss_start_kib
        ),
        (
            "PostgreSQL connections (mid-run)",
            "?" if report.connections is None else str(report.connections),
            "",
            "",
        ),
        ("views caught up at the end", "yes" if report.views_caught_up else "no", "", ""),
        (
            "CPU cores used (soak client apart)",
            f"{system:.2f} of {os.cpu_count()} ({_per_write(system, report):.1f} ms a write)",
            "",
            "",
        ),
        *(
            (f"  {name}", f"{used:.2f} ({_per_write(used, report):.1f} ms a write)", "", "")
            for name, used in report.cores.items()
        ),
        (
            "soak client (writers, stream)",
            f"{client:.2f} ({_per_write(client, report):.1f} ms a write)",
            "",
            "",
        ),
        ("load average, start -> end", f"{report.load[0]:.2f} -> {report.load[1]:.2f}", "", ""),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.extend(f"error: {message}" for message in report.errors)
    return "\n".join(lines)


def _per_write(cores: float, report: SoakReport) -> float:
    """CPU milliseconds a part spent per acknowledged write: where a write's cost lies."""
    return cores * 1000 / report.writes_per_second if report.writes_per_second else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.soak", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--writers", type=int, default=WRITERS)
    parser.add_argument(
        "--kill-at", type=float, default=None, help="seconds into the run (default: halfway)"
    )
    parser.add_argument(
        "--db", default=None, help="a PostgreSQL store URL (default: a throwaway server)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--logs", type=Path, default=None, help="keep the processes' output in this folder"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a timing or memory target is missed"
    )
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url: str = args.db
        if url is None:
            settings = SERVER_SETTINGS
            server = throwaway_postgres(settings, prefix="timeline-soak-pg-")
            url = stack.enter_context(server).url()
        if args.logs is not None:
            args.logs.mkdir(parents=True, exist_ok=True)
            folder = args.logs
        else:
            temporary = tempfile.TemporaryDirectory(prefix="timeline-soak-")
            folder = Path(stack.enter_context(temporary))
        report = soak(
            url,
            args.seconds,
            writers=args.writers,
            warmup=args.warmup,
            kill_at=args.kill_at,
            folder=folder,
        )
        print(table(report))
        if args.json is not None:
            args.json.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    if not report.ok:
        return 1
    return 0 if report.targets_met or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
