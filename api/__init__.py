"""The HTTP side: the app factory, routers per resource, error mapping."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app import create_app
    from api.settings import Settings

__all__ = ["Settings", "create_app"]

# Imported when first asked for: `policy-timeline tokens` uses `api.tokens`
# alone and need not load FastAPI through this package.
_HOMES = {"Settings": "api.settings", "create_app": "api.app"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'api' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
