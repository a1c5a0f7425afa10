"""The HTTP side: the app factory, routers per resource, error mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.lazy import lazy_names

if TYPE_CHECKING:
    from api.app import create_app
    from api.settings import Settings

__all__ = ["Settings", "create_app"]

# Imported when first asked for: `policy-timeline tokens` uses `api.tokens`
# alone and need not load FastAPI through this package.
_HOMES = {"Settings": "api.settings", "create_app": "api.app"}


__getattr__ = lazy_names(__name__, _HOMES)
