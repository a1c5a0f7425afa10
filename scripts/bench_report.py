"""The bench's report: tables of rows, printed and written as JSON from the same data.

Every row of `policy-timeline bench` is a `Row` (a name, its figures and
their unit, the baseline it is measured beside and that baseline's
figures, the ratio, a target if it has one) in a `Section`, a printed
table whose columns name the row fields they show, on one store (SQLite or
PostgreSQL: engine and baseline run on the same one). `--json FILE` writes the
same sections, rows as data, with the machine the run was on.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import platform
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
from rich.table import Table

__all__ = ["Column", "Row", "Section", "machine", "write_json"]

Figures = dict[str, float]


@dataclass(frozen=True)
class Row:
    """One bench row: the engine's figures beside its baseline's, measured in the same run.

    `figures` and `baseline_figures` map a figure's name to its value, in
    `unit` unless the name says otherwise (`seconds`, `p99_ms`, `peak_bytes`).
    `ratio` compares the row's headline figure with its baseline's (above 1,
    the engine is ahead). A row that is itself others' baseline has none.
    """

    name: str
    unit: str
    figures: Figures
    baseline: str | None = None
    baseline_figures: Figures = field(default_factory=dict)
    ratio: float | None = None
    target: str | None = None

    def value(self, key: str) -> Any:
        """A field (`name`, `ratio`) or a figure (`figures.seconds`); None when absent."""
        section, _, name = key.partition(".")
        found = getattr(self, section)
        return found.get(name) if name else found


@dataclass(frozen=True)
class Column:
    """A printed column: the row field it shows (see `Row.value`) and how."""

    header: str
    key: str
    spec: str = ""  # a format spec for a number: ",.0f", ".2f"
    scale: float = 1.0
    suffix: str = ""

    def cell(self, row: Row) -> str:
        value = row.value(self.key)
        if value is None:
            return ""
        if isinstance(value, int | float):
            scaled = value * self.scale if self.scale != 1 else value
            if self.spec == ".2f" and 0 < abs(scaled) < 0.01:
                # Two decimals would print a tiny ratio (an fsync'd signer against
                # a hash) as 0.00, as if the engine had done nothing.
                return f"{scaled:.1e}{self.suffix}"
            return f"{scaled:{self.spec}}{self.suffix}"
        return str(value)

    @property
    def left(self) -> bool:
        return not self.spec


@dataclass(frozen=True)
class Section:
    """A printed table of rows, and the line of text under it if any."""

    title: str
    columns: tuple[Column, ...]
    rows: list[Row]
    note: str | None = None
    store: str = "sqlite"
    """The backend its rows were measured on, engine and baseline alike: `sqlite` or
    `postgresql`, as `GET /health` names it."""

    def table(self) -> Table:
        table = Table(title=self.title)
        for column in self.columns:
            table.add_column(column.header, justify="left" if column.left else "right")
        for row in self.rows:
            table.add_row(*(column.cell(row) for column in self.columns))
        return table

    def as_json(self) -> dict[str, Any]:
        # Each row names its store too, so rows read on their own still say where.
        return {
            "title": self.title,
            "note": self.note,
            "store": self.store,
            "rows": [{**dataclasses.asdict(row), "store": self.store} for row in self.rows],
        }


def write_json(path: Path, sections: list[Section], settings: dict[str, Any]) -> None:
    """The sections, the run's settings and the machine, as one JSON document at `path`."""
    document = {
        "machine": machine(),
        "settings": settings,
        "sections": [section.as_json() for section in sections],
    }
    path.write_bytes(orjson.dumps(document, default=str, option=orjson.OPT_INDENT_2) + b"\n")


def machine() -> dict[str, Any]:
    """What runs compare on: the hardware, the system, the versions, the commit, the date."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "cpu_model": _cpu_model(),
        "os": _os_name(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgresql_version(),
        "packages": {
            name: _package_version(name) for name in ("eventsourcing", "fastapi", "orjson")
        },
        "git_commit": _git_commit(),
    }


def _memory_bytes() -> int | None:
    try:
        found = re.search(r"^MemTotal:\s+(\d+) kB$", Path("/proc/meminfo").read_text(), re.M)
    except OSError:
        return None
    return int(found.group(1)) * 1024 if found else None


def _cpu_model() -> str | None:
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        found = None
    return found.group(1).strip() if found else (platform.processor() or None)


def _os_name() -> str:
    try:
        release = Path("/etc/os-release").read_text()
    except OSError:
        return platform.platform()
    found = re.search(r'^PRETTY_NAME="?([^"\n]+)"?$', release, re.M)
    name = found.group(1) if found else platform.system()
    return f"{name}, {platform.system()} {platform.release()} {platform.machine()}"


def _postgresql_version() -> str | None:
    """The server's version (`postgres (PostgreSQL) 16.4`), on PATH or where Debian puts it."""
    for name in ("pg_ctl", "postgres"):
        binary = shutil.which(name) or next(
            iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
        )
        if binary is None:
            continue
        try:
            done = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            continue
        return done.stdout.strip() or None
    return None


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The commit of the checkout this code runs from, if it runs from one."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
