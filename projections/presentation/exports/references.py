"""What an export cites, resolved as the record stood at the export's position.

Entries carry source and actor slugs. Sources are registered once and never
change, so the write model answers for them at any position. An actor's
display name can change (`Actor.Renamed`), so a name is taken from the actor
directory when that row was last changed at or before the position, and
otherwise from the write model at the actor's last version up to the
position: an export as of position N shows the names the record had at N,
however many renames came after. Both look-ups keep a bounded cache, so a
million entries citing the same few hundred actors ask the store a few
hundred times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson

from domain import Actor, ActorNotFound, TimelineApp
from domain.values import actor_uuid
from projections.database import Database
from projections.page_cache import PageCache
from projections.views.actors import ActorDirectoryView

__all__ = ["References", "SourceInfo"]

CACHE_BYTES = 4 * 2**20  # sources and names met in one export, by what they weigh


@dataclass(frozen=True)
class SourceInfo:
    """A cited publication, as registered."""

    id: str
    title: str
    publisher: str
    authors: tuple[str, ...]
    url: str | None
    published: str | None


class References:
    """Source details and actor names at log position `position`, each cached (LRU).

    Raise SourceNotFound or ActorNotFound for a slug the record does not hold,
    which a recorded entry never cites.
    """

    def __init__(
        self,
        app: TimelineApp,
        db: Database,
        log_table: str,
        position: int,
        *,
        cache: int = CACHE_BYTES,
    ) -> None:
        self.app = app
        self.db = db
        self.log_table = log_table
        self.position = position
        self._sources: PageCache[SourceInfo] = PageCache(cache)
        self._names: PageCache[str] = PageCache(cache)
        # On PostgreSQL each view has its own follower: the directory may lag
        # the timeline, and then only the write model knows the names at N.
        self._directory_current = ActorDirectoryView(db).position() >= position

    def source(self, slug: str) -> SourceInfo:
        """The source `slug` as registered."""
        if (known := self._sources.get(slug)) is not None:
            return known
        source = self.app.get_source(slug)
        info = SourceInfo(
            id=source.slug,
            title=source.title,
            publisher=source.publisher,
            authors=tuple(source.authors),
            url=source.url,
            published=source.published,
        )
        self._sources.put(slug, info)
        return info

    def source_record(self, slug: str) -> dict[str, Any]:
        """The source `slug` as an import record (`type` source), as registered."""
        source = self.app.get_source(slug)
        record: dict[str, Any] = {
            "type": "source",
            "id": source.slug,
            "title": source.title,
            "publisher": source.publisher,
            "authors": list(source.authors),
        }
        for name in ("url", "published", "note"):
            if (value := getattr(source, name)) is not None:
                record[name] = value
        return record

    def actor_record(self, slug: str) -> dict[str, Any]:
        """The actor `slug` as an import record (`type` actor), as it stood at the position."""
        version = self._version_at(actor_uuid(slug))
        if version is None:
            raise ActorNotFound(slug)
        actor = self.app.get_actor(slug, version=version)
        return {
            "type": "actor",
            "id": actor.slug,
            "name": actor.name,
            "kind": actor.kind,
            "aliases": list(actor.aliases),
            "roles": [dict(role) for role in actor.roles],
        }

    def merged_into(self, slug: str) -> tuple[str, str | None] | None:
        """The actor `slug` was merged into, and why, when it was by the position."""
        version = self._version_at(actor_uuid(slug))
        if version is None or self.app.get_actor(slug, version=version).merged_into is None:
            return None
        # The aggregate keeps whom it merged into, not why: the event does.
        events = self.app.events.get(actor_uuid(slug), lte=version, desc=True)
        merge = next(e for e in events if isinstance(e, Actor.MergedInto))
        return merge.target, merge.reason

    def actor_name(self, slug: str) -> str:
        """The display name actor `slug` had at the export's position."""
        if (known := self._names.get(slug)) is not None:
            return known
        name = self._directory_name(slug) if self._directory_current else None
        if name is None:
            name = self._name_in_write_model(slug)
        self._names.put(slug, name)
        return name

    def _directory_name(self, slug: str) -> str | None:
        """The directory's name when its row was last changed at or before the position."""
        with self.db.read() as c:
            c.execute("SELECT body FROM actor_directory WHERE slug = ?", (slug,))
            row = c.fetchone()
        if row is None:
            return None
        body = orjson.loads(bytes(row[0]))
        if int(body["position"]) > self.position:
            return None
        name: str = body["name"]
        return name

    def _name_in_write_model(self, slug: str) -> str:
        uuid = actor_uuid(slug)
        version = self._version_at(uuid)
        if version is None:
            raise ActorNotFound(slug)
        return self.app.get_actor(slug, version=version).name

    def _version_at(self, uuid: UUID) -> int | None:
        """The actor's last version stored at or before the position.

        The stored events do not carry their position, so this asks the log's
        own table: SQLite numbers the rows by rowid, PostgreSQL by notification_id.
        """
        column, key = self.db.dialect.log_position, self.db.dialect.log_id(uuid)
        with self.db.read() as c:
            c.execute(
                f"SELECT MAX(originator_version) FROM {self.log_table} "
                f"WHERE originator_id = ? AND {column} <= ?",
                (key, self.position),
            )
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])
