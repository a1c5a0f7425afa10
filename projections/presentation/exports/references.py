"""What an export cites, resolved as the record stood at the export's position.

Entries carry source and actor slugs. Sources are registered once and never
change: the source directory holds each one whole once its view has it, and
the write model answers for one the view has not reached yet. An actor can
change (`Actor.Renamed`, a role ended, a merge), so an actor is read from
the actor directory when that view has reached the position and the actor's
row was last changed at or before it, and otherwise from the write model at
the actor's last version up to the position: an export as of position N
shows the actors as the record had them at N, however many changes came
after. The directory applies the same events the same way as the aggregate
(`tests/integration/test_level_views.py` holds the two equal), so which
one answers does not change a byte of the export. An export of the record as
it stands, with the views level, never builds the write model.

Each look-up keeps a bounded cache, so a million entries citing the same few
hundred actors ask the store a few hundred times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from domain.errors import ActorNotFound
from domain.values import actor_uuid
from projections.database import Database
from projections.page_cache import PageCache
from projections.views.view import tracked_positions

if TYPE_CHECKING:
    from domain import TimelineApp

__all__ = ["References", "SourceInfo"]

CACHE_BYTES = 4 * 2**20  # sources and names met in one export, by what they weigh
# A source's fields: those every source has, then those an import record leaves out when null.
_SOURCE_REQUIRED = ("id", "title", "publisher", "authors")
_SOURCE_OPTIONAL = ("url", "published", "note")


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

    `app` gives the write model, built only when a view cannot answer. Raise
    SourceNotFound or ActorNotFound for a slug the record does not hold, which a
    recorded entry never cites.
    """

    def __init__(
        self,
        app: Callable[[], TimelineApp],
        db: Database,
        position: int,
        *,
        cache: int = CACHE_BYTES,
    ) -> None:
        self._app = app
        self.db = db
        self.position = position
        self._sources: PageCache[dict[str, Any]] = PageCache(cache)
        self._actors: PageCache[dict[str, Any]] = PageCache(cache)
        # On PostgreSQL each view has its own follower: a view may lag the
        # timeline, and then only the write model knows the actors at N.
        with db.read() as c:
            reached = tracked_positions(c, ("actors", "actor_versions"))
        self._directory_current = reached.get("actors", 0) >= position
        self._versions_current = reached.get("actor_versions", 0) >= position

    @cached_property
    def app(self) -> TimelineApp:
        """The write model, for what the views cannot answer at the position."""
        return self._app()

    def source(self, slug: str) -> SourceInfo:
        """The source `slug` as registered."""
        source = self._source(slug)
        return SourceInfo(
            id=source["id"],
            title=source["title"],
            publisher=source["publisher"],
            authors=tuple(source["authors"]),
            url=source["url"],
            published=source["published"],
        )

    def source_record(self, slug: str) -> dict[str, Any]:
        """The source `slug` as an import record (`type` source), as registered."""
        source = self._source(slug)
        record: dict[str, Any] = {"type": "source"}
        record.update((name, source[name]) for name in _SOURCE_REQUIRED)
        for name in _SOURCE_OPTIONAL:
            if (value := source[name]) is not None:
                record[name] = value
        return record

    def actor_record(self, slug: str) -> dict[str, Any]:
        """The actor `slug` as an import record (`type` actor), as it stood at the position."""
        actor = self._actor(slug)
        return {
            "type": "actor",
            "id": actor["id"],
            "name": actor["name"],
            "kind": actor["kind"],
            "aliases": list(actor["aliases"]),
            "roles": [dict(role) for role in actor["roles"]],
        }

    def merged_into(self, slug: str) -> tuple[str, str | None] | None:
        """The actor `slug` was merged into, and why, when it was by the position."""
        actor = self._actor(slug)
        if actor["merged_into"] is None:
            return None
        return actor["merged_into"], actor["merge_reason"]

    def actor_name(self, slug: str) -> str:
        """The display name actor `slug` had at the export's position."""
        name: str = self._actor(slug)["name"]
        return name

    def _source(self, slug: str) -> dict[str, Any]:
        """The source's fields (`_SOURCE_REQUIRED`, `_SOURCE_OPTIONAL`): its directory
        row once the view has it."""
        if (known := self._sources.get(slug)) is not None:
            return known
        with self.db.read() as c:
            c.execute("SELECT body FROM source_directory WHERE slug = ?", (slug,))
            row = c.fetchone()
        if row is not None:
            body: dict[str, Any] = orjson.loads(bytes(row[0]))
            found = {name: body[name] for name in (*_SOURCE_REQUIRED, *_SOURCE_OPTIONAL)}
        else:
            source = self.app.get_source(slug)
            found = {
                "id": source.slug,
                "title": source.title,
                "publisher": source.publisher,
                "authors": list(source.authors),
                "url": source.url,
                "published": source.published,
                "note": source.note,
            }
        self._sources.put(slug, found)
        return found

    def _actor(self, slug: str) -> dict[str, Any]:
        """The actor at the position: id, name, kind, aliases, roles, merged_into and
        merge_reason; from the views when they answer for the position."""
        if (known := self._actors.get(slug)) is not None:
            return known
        found = self._actor_in_views(slug) or self._actor_in_write_model(slug)
        self._actors.put(slug, found)
        return found

    def _actor_in_views(self, slug: str) -> dict[str, Any] | None:
        """The directory's row when its view has reached the position and the row was
        last changed at or before it (with a merge's reason, from the versions)."""
        if not self._directory_current:
            return None
        with self.db.read() as c:
            c.execute("SELECT body FROM actor_directory WHERE slug = ?", (slug,))
            row = c.fetchone()
            if row is None:
                return None
            body: dict[str, Any] = orjson.loads(bytes(row[0]))
            if int(body["position"]) > self.position:
                return None
            body["merge_reason"] = None
            if body["merged_into"] is None:
                return body
            if not self._versions_current:
                return None
            # A merge is an actor's last event: the row's version is the merge's.
            c.execute(
                "SELECT item FROM actor_versions WHERE actor_id = ? AND version = ?",
                (str(actor_uuid(slug)), body["version"]),
            )
            merge = c.fetchone()
        if merge is None:
            return None
        item = orjson.loads(bytes(merge[0]))
        body["merge_reason"] = item["reason"]
        return body

    def _actor_in_write_model(self, slug: str) -> dict[str, Any]:
        uuid = actor_uuid(slug)
        version = self._version_at(uuid)
        if version is None:
            raise ActorNotFound(slug)
        actor = self.app.get_actor(slug, version=version)
        reason = None
        if actor.merged_into is not None:
            from domain.actors import Actor

            # The aggregate keeps whom it merged into, not why: the event does.
            events = self.app.events.get(uuid, lte=version, desc=True)
            reason = next(e for e in events if isinstance(e, Actor.MergedInto)).reason
        return {
            "id": actor.slug,
            "name": actor.name,
            "kind": actor.kind,
            "aliases": list(actor.aliases),
            "roles": [dict(role) for role in actor.roles],
            "merged_into": actor.merged_into,
            "merge_reason": reason,
        }

    def _version_at(self, uuid: UUID) -> int | None:
        """The actor's last version stored at or before the position.

        The stored events do not carry their position, so this asks the log's
        own table: SQLite numbers the rows by rowid, PostgreSQL by notification_id.
        """
        column, key = self.db.dialect.log_position, self.db.dialect.log_id(uuid)
        with self.db.read() as c:
            c.execute(
                f"SELECT MAX(originator_version) FROM {self.db.log_table} "
                f"WHERE originator_id = ? AND {column} <= ?",
                (key, self.position),
            )
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])
