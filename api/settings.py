"""Server settings, read from the environment (TIMELINE_*) by the app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from domain import DEFAULT_URL, parse_store_url
from projections.bootstrap import SystemConfig

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIMELINE_")

    db: str = DEFAULT_URL
    """Store URL: sqlite:///PATH (default sqlite:///var/timeline.db) or postgresql://..."""

    protect_reads: bool = False
    """Whether reads need a token with scope `read` (TIMELINE_PROTECT_READS); writes
    and audits always need a token."""

    read_wait_seconds: float = 5.0
    """How long a read waits for the views to reach a `min_position`, and a write for
    its own answer, before 503 (TIMELINE_READ_WAIT_SECONDS)."""

    max_body_bytes: int = 1_048_576
    """The largest request body accepted, in bytes; larger ones get 413
    (TIMELINE_MAX_BODY_BYTES). Bulk loads go through `policy-timeline import`."""

    page_cache_bytes: int = 32 * 2**20
    """Bytes of timeline pages kept in memory, by the log position they reflect, so a
    page asked again is not queried again (TIMELINE_PAGE_CACHE_BYTES; 0 turns it off)."""

    followers: Literal["serve", "external"] = "serve"
    """Who keeps the views up on PostgreSQL (TIMELINE_FOLLOWERS): `serve` runs
    the supervised follower processes (one for the views, one for the ledger)
    beside the server; `external` leaves them to `policy-timeline project` run
    apart. SQLite ignores it: there the server always applies the events itself."""

    health_max_lag: int = 1000
    """`/health` answers 503 when a view is more than this many events behind the
    log (TIMELINE_HEALTH_MAX_LAG)."""

    health_max_lag_seconds: float = 30.0
    """`/health` answers 503 when the oldest event a view has not applied was
    recorded more than this many seconds ago (TIMELINE_HEALTH_MAX_LAG_SECONDS)."""

    signing_key: str | None = None
    """The file of the log's Ed25519 signing key (TIMELINE_SIGNING_KEY), made with
    `policy-timeline keys create --out FILE`; without one no checkpoint is signed."""

    log_origin: str | None = None
    """The checkpoints' origin line (TIMELINE_LOG_ORIGIN); the key's name by default."""

    checkpoint_seconds: float = 1.0
    """The least time between two new signed checkpoints (TIMELINE_CHECKPOINT_SECONDS):
    within it, readers get the last one signed, so signing costs writes nothing."""

    cors_origins: str = "*"
    """Who may read the API and its exports from a page on another site
    (TIMELINE_CORS_ORIGINS): `*` (anyone, the default), origins separated by
    commas (`https://news.example,https://blog.example`), or empty for none.
    Reads only: writes and the audit routes are never allowed across origins."""

    embed_origins: str = "*"
    """Which sites may show `/embed/...` pages in a frame (TIMELINE_EMBED_ORIGINS):
    `*` (any, the default), origins separated by commas, or empty for none. Other
    pages may never be framed."""

    def system_config(self) -> SystemConfig:
        """What `projections.bootstrap` builds the server's system from; raise
        StoreURLError for a store URL naming no store."""
        return SystemConfig(
            store=parse_store_url(self.db),
            signing_key=Path(self.signing_key) if self.signing_key else None,
            log_origin=self.log_origin,
            sign_every=self.checkpoint_seconds,
            page_cache=self.page_cache_bytes,
        )
