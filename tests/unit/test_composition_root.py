"""One composition root: only `projections.bootstrap` builds the system's parts.

The API's lifespan and every command ask `bootstrap(config)` for the write
service, the views' database, the read models and the log's signer; a module
that constructs one itself is a second composition root, and fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "api", "scripts")
CONSTRUCTORS = {"TimelineApp", "open_database", "ReadModels", "CheckpointSigner"}
BOOTSTRAP = "projections/bootstrap.py"
ALLOWED = {
    # The bench times the signer by itself, apart from any store or system.
    ("scripts/bench_trust.py", "CheckpointSigner"): "the signer's own figures, no store",
}


def constructions() -> set[tuple[str, str]]:
    """(module path, constructor) for every call of one of CONSTRUCTORS in the packages."""
    found: set[tuple[str, str]] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in CONSTRUCTORS:
                    found.add((str(path.relative_to(ROOT)), name))
    return found


def test_only_the_bootstrap_constructs_the_system() -> None:
    outside = {
        (path, name)
        for path, name in constructions()
        if path != BOOTSTRAP and (path, name) not in ALLOWED
    }
    assert not outside, f"build these through projections.bootstrap: {sorted(outside)}"


def test_the_bootstrap_constructs_every_part_of_the_system() -> None:
    # Guards the scan itself: were the names renamed, the first test would pass vacuously.
    built = {name for path, name in constructions() if path == BOOTSTRAP}
    assert built == CONSTRUCTORS


def test_every_allowed_exception_is_still_needed() -> None:
    assert set(ALLOWED) <= constructions()
