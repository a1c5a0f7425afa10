"""Server settings, read from the environment (TIMELINE_*) by the app factory."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from domain import DEFAULT_URL

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIMELINE_")

    db: str = DEFAULT_URL
    """Store URL: sqlite:///PATH (default sqlite:///var/timeline.db) or postgresql://..."""
