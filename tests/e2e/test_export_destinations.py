"""`policy-timeline export -o` to what is not a plain new file: a device, a FIFO, a symlink."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from scripts.cli import main


@pytest.fixture
def url(sqlite_with_a_meeting: str) -> str:
    return sqlite_with_a_meeting


def export_to(url: str, out: Path | str) -> int:
    return main(["--db", url, "export", "--format", "md", "-o", str(out)])


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A character device like /dev/null, made in `tmp_path`: a test that fails must
    not replace the machine's own."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        device.open("wb").close()
    except OSError as error:  # not root, or a filesystem mounted nodev
        pytest.skip(f"cannot make a character device here: {error}")
    return device


def test_a_character_device_is_written_into_and_stays_a_device(
    url: str, null_device: Path
) -> None:
    before = null_device.stat()
    assert export_to(url, null_device) == 0
    after = null_device.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert list(null_device.parent.glob(".*partial")) == []


def test_a_fifo_receives_the_export_and_stays_a_fifo(url: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        assert export_to(url, fifo) == 0
    finally:
        reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received[0].startswith(b"# Chronology\n")
    assert list(tmp_path.glob(".*partial")) == []


def test_a_symlink_is_followed_the_file_it_names_gets_the_export_and_the_link_stays(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "2024.md"
    target.write_bytes(b"old")
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    assert export_to(url, link) == 0
    assert link.is_symlink()
    assert link.resolve() == target
    assert target.read_bytes().startswith(b"# Chronology\n")
    assert list(tmp_path.rglob(".*partial")) == []


def test_a_regular_file_is_replaced_whole_by_a_rename(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    out.write_bytes(b"old")
    old_inode = out.stat().st_ino
    assert export_to(url, out) == 0
    assert out.read_bytes().startswith(b"# Chronology\n")
    assert out.stat().st_ino != old_inode  # a new file renamed in, not the old one rewritten
    assert list(tmp_path.glob(".*partial")) == []
