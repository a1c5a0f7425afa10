"""The HTTP side: the app factory, routers per resource, error mapping."""

from api.app import create_app
from api.settings import Settings

__all__ = ["Settings", "create_app"]
