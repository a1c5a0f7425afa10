"""The composition root: the one place the system is built, for the API and every command.

    config = SystemConfig.from_url(url, os.environ)     # or api Settings.system_config()
    with bootstrap(config) as system:
        system.app             the write service (domain.TimelineApp)
        system.db              the views' database, with its dialect
        system.read_models()   the views, the projector and the queries, caught up
                               after every command the write service stores
                               (and at once, unless catch_up_now=False: a server)
        system.level_views()   the views as they stand, without the engine, when
                               all are level with the log (else None): an export
        system.signer          the log's checkpoint signer, or None without a key
        system.attest()        the command line's step after a write (SQLite)

Why here, in `projections`: the system is the write service (`domain`) and
the read side with its signer (`projections`); the two callers, the app
factory's lifespan (`api.app`) and the commands (`scripts`), sit above it, so
both can import it and the layers' arrows still point one way. Settings that
come from the web's `BaseSettings` (`api.settings.Settings`) are turned into
the plain `SystemConfig` below by their owner, so Pydantic stays out of this layer.

Every part opens when first asked for and `close()` closes what was opened:
`tokens` needs only the database, `import` only the write service. A test
(`tests/unit/test_composition_root.py`) fails when a module elsewhere
constructs one of these parts itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from domain import StoreConfig, parse_store_url
from projections.database import Database, open_database
from projections.dialect import Dialect, dialect_of
from projections.trust.signer import KEY_VARIABLE, ORIGIN_VARIABLE, CheckpointSigner

# Each part's module is imported where the part is built: the write service's
# classes and the views' handler tables take a third of a second to import, which
# a command that needs only the database (`tokens`) should not pay.
if TYPE_CHECKING:
    from domain import TimelineApp
    from projections.level import LevelViews
    from projections.projector import Projector
    from projections.read_models import ReadModels
    from projections.trust.attest import Attested
    from projections.views.view import View

__all__ = ["System", "SystemConfig", "bootstrap"]


@dataclass(frozen=True)
class SystemConfig:
    """What the system is built from: the store, parsed once, and the log's signing."""

    store: StoreConfig
    signing_key: Path | None = None
    """The file of the log's Ed25519 key; without one no checkpoint is signed."""
    log_origin: str | None = None
    """The checkpoints' origin line; the key's name by default."""
    sign_every: float = 0.0
    """The least time between two new signed checkpoints (0: at each read that asks)."""
    page_cache: int = 0
    """Bytes of timeline pages kept in memory (`projections.page_cache`); 0 keeps none."""

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str] | None = None) -> SystemConfig:
        """The command line's config: the store at `url` (raise StoreURLError) and the
        key named by TIMELINE_SIGNING_KEY and TIMELINE_LOG_ORIGIN in `environ`."""
        environ = environ or {}
        key = environ.get(KEY_VARIABLE)
        return cls(
            store=parse_store_url(url),
            signing_key=Path(key) if key else None,
            log_origin=environ.get(ORIGIN_VARIABLE) or None,
        )


class System:
    """The write service and the read side of one store, opened as they are asked for."""

    def __init__(self, config: SystemConfig) -> None:
        self.config = config
        self.dialect: Dialect = dialect_of(config.store)
        self._read_models: ReadModels | None = None

    @cached_property
    def app(self) -> TimelineApp:
        """The write service on the store."""
        from domain.application import TimelineApp

        return TimelineApp(self.config.store.env())

    @cached_property
    def db(self) -> Database:
        """The views' database: the store's own SQLite file or PostgreSQL database."""
        return open_database(self.config.store)

    @cached_property
    def signer(self) -> CheckpointSigner | None:
        """The log's signer, its key read now; None when no key is configured. Raise
        OSError or ValueError (NoteError) for a key file that is no signer key."""
        if self.config.signing_key is None:
            return None
        return CheckpointSigner(self.config.signing_key, self.config.log_origin)

    def level_views(self) -> LevelViews | None:
        """The views as they stand, for a command that only reads, when every one is
        level with the log and of the shape this code writes; None otherwise, and then
        `read_models()` catches them up. Raise as `signer` does for a bad key."""
        from projections.level import LevelViews, views_level

        if self._read_models is not None or not views_level(self.db):
            return None
        return LevelViews(
            self.db, lambda: self.app, self.signer, sign_every=self.config.sign_every
        )

    def read_models(
        self, *, in_process: bool | None = None, signed: bool = True, catch_up_now: bool = True
    ) -> ReadModels:
        """The read models, opened (and, in process, caught up) at the first call.

        From then on every command the write service stores brings them up:
        the routes and commands that write need not remember to. `in_process`
        as for `ReadModels` (default: the dialect's); `signed=False` leaves the
        key unread, for a command that signs nothing (`replay`); `catch_up_now=False`
        leaves the first catch-up to `ReadModels.follow_in_background()`, for a
        server that answers while it catches up (the commands need the views level).
        """
        if self._read_models is None:
            from projections.read_models import ReadModels

            models = ReadModels(
                self.app,
                self.db,
                in_process=in_process,
                page_cache=self.config.page_cache,
                signer=self.signer if signed else None,
                sign_every=self.config.sign_every,
                catch_up_now=catch_up_now,
            )
            self.app.when_written(models.written)
            self._read_models = models
        return self._read_models

    def projector(self, views: Sequence[type[View]] | None = None) -> Projector:
        """A projector of `views` (default: all) on this store, for the commands that
        drive one themselves (`project`)."""
        from projections.projector import VIEW_CLASSES, Projector

        return Projector(self.app, self.db, views=VIEW_CLASSES if views is None else views)

    def attest(self) -> Attested | None:
        """The command line's step after a write: where the views follow in process
        (SQLite) no follower runs beside a command, so the ledger catches up here,
        and with a key its head is signed. None where a follower does this
        (PostgreSQL). Raise OSError or ValueError for an unreadable key."""
        if not self.dialect.views_follow_in_process:
            return None
        from projections.trust.attest import attest

        return attest(self.app, self.db, self.signer)

    def close(self) -> None:
        """Close what was opened: the read models (and with them the database), the app."""
        if self._read_models is not None:
            self._read_models.close()
        elif "db" in self.__dict__:
            self.db.close()
        if "app" in self.__dict__:
            self.app.close()

    def __enter__(self) -> System:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def bootstrap(config: SystemConfig) -> System:
    """The system of the store `config` names; nothing is opened until asked for."""
    return System(config)
