"""The arrows point one way: scripts -> api -> projections -> domain."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["domain", "projections", "api", "scripts"]
DOMAIN_MAY_IMPORT = {"eventsourcing", "edtf", "orjson", "anyascii", "domain"}
# The store adapters subclass the library's PostgreSQL recorder, which speaks psycopg.
STORE_MAY_IMPORT = {"psycopg"}


def imported_roots(package: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found.update((str(path.relative_to(ROOT)), n.split(".")[0]) for n in names)
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_a_layer_imports_no_layer_above_it(package: str) -> None:
    above = set(LAYERS[LAYERS.index(package) + 1 :])
    offenders = {(path, name) for path, name in imported_roots(package) if name in above}
    assert not offenders


def test_the_domain_imports_only_the_standard_library_and_its_helpers() -> None:
    allowed = DOMAIN_MAY_IMPORT | set(sys.stdlib_module_names) | {"__future__"}
    offenders = {
        (path, name)
        for path, name in imported_roots("domain")
        if name not in allowed
        and not (path.startswith("domain/store/") and name in STORE_MAY_IMPORT)
    }
    assert not offenders


# Inside projections/, from the top down; the same order as the import-linter contract.
READ_SIDE = [
    ["bootstrap"],
    ["presentation"],
    ["read_models", "level"],
    ["trust"],
    ["projector", "queries"],
    ["rebuild"],
    ["audit"],
    ["views"],
    ["database", "page_cache"],
    ["dialect"],
]


def _part_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "projections" or len(parts) < 2:
        return None
    return next((i for i, names in enumerate(READ_SIDE) if parts[1] in names), None)


def test_inside_the_read_side_no_part_imports_a_part_above_it() -> None:
    offenders = set()
    for path in (ROOT / "projections").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        here = _part_of(module)
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                there = _part_of(name)
                if there is not None and there < here:
                    offenders.add((str(path.relative_to(ROOT)), name))
    assert not offenders
