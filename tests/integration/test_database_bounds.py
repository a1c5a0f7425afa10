"""The views' SQLite connections: bounded in number, memory and descriptors, whatever
the number of threads that read, and in what dropping a table writes."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from projections.database import SORT_THREADS, SQLiteDatabase

READERS = 32
AT_ONCE = 8  # readers that meet inside a read, so that many connections are asked at once


def descriptors_on(path: Path) -> int:
    """Descriptors this process holds on the SQLite file `path`, its WAL and its index."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    held = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            held += os.readlink(f"/proc/self/fd/{fd}") in names
        except OSError:
            continue  # closed while listed
    return held


def database(tmp_path: Path) -> tuple[SQLiteDatabase, Path]:
    path = tmp_path / "views.db"
    db = SQLiteDatabase(str(path))
    with db.write() as c:
        c.execute("CREATE TABLE t (n INTEGER)")
        c.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
    return db, path


def read_in_threads(db: SQLiteDatabase, path: Path) -> int:
    """Run READERS threads that each read once, AT_ONCE of them inside a read together;
    the most descriptors held on the file meanwhile."""
    together = threading.Barrier(AT_ONCE)
    peak = 0
    peak_lock = threading.Lock()

    def read() -> None:
        nonlocal peak
        with db.read() as c:
            c.execute("SELECT SUM(n) FROM t")
            assert c.fetchone() == (499_500,)
            together.wait(timeout=30)
            with peak_lock:
                peak = max(peak, descriptors_on(path))

    threads = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return peak


def test_many_threads_reading_keep_the_open_connections_and_descriptors_bounded(
    tmp_path: Path,
) -> None:
    db, path = database(tmp_path)
    try:
        peak = read_in_threads(db, path)
        assert db.open_connections <= db.max_connections
        assert peak <= 3 * db.max_connections  # the file, its WAL and its index each
    finally:
        db.close()


def test_the_connections_of_finished_threads_are_closed_but_for_a_few_idle(
    tmp_path: Path,
) -> None:
    db, path = database(tmp_path)
    try:
        read_in_threads(db, path)
        read_in_threads(db, path)
        assert db.open_connections <= db.idle_connections
        # SQLite parks the descriptors of a closed connection while another one in the
        # process holds locks on the file (closing one would drop them all), and reuses
        # them at the next open: bounded by the connections open at once, not growing.
        assert descriptors_on(path) <= 3 * db.max_connections
    finally:
        db.close()
    assert descriptors_on(path) == 0


def test_no_number_of_connections_can_hold_more_than_a_bounded_cache_and_map(
    tmp_path: Path,
) -> None:
    db, _ = database(tmp_path)
    try:
        with db.read() as c:
            cache_kib = -int(c.execute("PRAGMA cache_size").fetchone()[0])
            mapped = int(c.execute("PRAGMA mmap_size").fetchone()[0])
    finally:
        db.close()
    assert db.max_connections * (cache_kib * 1024 + mapped) <= 1024 * 2**20


def test_a_rebuild_drops_a_table_without_writing_its_pages_out_again(tmp_path: Path) -> None:
    # A rebuild drops its load tables and the old views: with every freed page
    # zeroed (Debian builds SQLite so), each went through the WAL once more.
    db, path = database(tmp_path)
    plain = sqlite3.connect(path, isolation_level=None)
    try:
        with db.write() as c:
            c.execute("CREATE TABLE wide (body BLOB)")
            c.executemany("INSERT INTO wide VALUES (?)", [(os.urandom(2000),) for _ in range(500)])
        with db.read() as c:
            pages = int(c.execute("SELECT count(*) FROM dbstat WHERE name = 'wide'").fetchone()[0])
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with db.exclusive_rebuild(), db.write() as c:
            c.execute("DROP TABLE wide")
        written = int(plain.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        plain.close()
        db.close()
    assert pages >= 250
    assert written < pages // 10


def test_a_memory_database_outlives_its_readers_threads(tmp_path: Path) -> None:
    db = SQLiteDatabase(f"file:bounds-{tmp_path.name}?mode=memory&cache=shared")
    try:
        with db.write() as c:
            c.execute("CREATE TABLE t (n INTEGER)")
        threads = [threading.Thread(target=lambda: db.table_exists("t")) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert db.table_exists("t")
    finally:
        db.close()


def test_a_rebuild_keeps_its_large_cache_and_sort_helpers_and_gives_them_back_after(
    tmp_path: Path,
) -> None:
    db, _ = database(tmp_path)

    def settings() -> tuple[int, int, int]:
        with db.read() as c:  # the most recently used connection: the writer's
            return (
                -int(c.execute("PRAGMA cache_size").fetchone()[0]),
                int(c.execute("PRAGMA threads").fetchone()[0]),
                int(c.execute("PRAGMA secure_delete").fetchone()[0]),
            )

    built = sqlite3.connect(":memory:")
    try:
        secure_delete = int(built.execute("PRAGMA secure_delete").fetchone()[0])
    finally:
        built.close()
    try:
        before = settings()
        with db.exclusive_rebuild():
            for n in range(3):
                with db.write() as c:
                    c.execute("INSERT INTO t VALUES (?)", (n,))
                during = settings()
                assert during[0] > before[0]
                assert during[1:] == (SORT_THREADS, 2)  # 2: FAST
        after = settings()
    finally:
        db.close()
    assert before[1:] == (0, secure_delete)
    assert after == before
