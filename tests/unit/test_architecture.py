"""The arrows point one way: scripts -> api -> projections -> domain."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["domain", "projections", "api", "scripts"]
DOMAIN_MAY_IMPORT = {"eventsourcing", "edtf", "orjson", "domain"}
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
