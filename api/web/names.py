"""What the pages show in place of ids: actors' display names and sources' titles.

Entries name actors and sources by slug. The pages read the actor directory
once per position of the views (names change only by events, so a directory
read at one position stays right until the views move) and sources once
ever (a source never changes after it is registered). A page pinned to an
earlier `as_of` names actors as they were named then, as an export does
(`projections.presentation.exports.references`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson

from domain import ActorNotFound, SourceNotFound, TimelineApp
from domain.values import fold
from projections import Queries, ReadModels
from projections.presentation.exports.references import References

__all__ = ["ActorDirectory", "Names"]

# Past this many actors the filter takes a typed id instead of a list to choose from.
DIRECTORY_LIMIT = 1000
_PAGE = 500
_SOURCES_KEPT = 1024


@dataclass(frozen=True)
class ActorDirectory:
    """Actors' display names by id, read at one position of the views; `complete`
    when every actor fits (then it also lists them for the filter)."""

    position: int
    names: dict[str, str]
    complete: bool

    def choices(self) -> list[tuple[str, str]]:
        """(id, name) by name, accents and case ignored."""
        return sorted(self.names.items(), key=lambda pair: (fold(pair[1]), pair[0]))


class Names:
    """Actor names and source descriptions for the pages, kept between requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._directory: ActorDirectory | None = None
        self._sources: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def directory(self, queries: Queries, position: int) -> ActorDirectory:
        """The directory as of the views' `position` (read again when they moved)."""
        with self._lock:
            kept = self._directory
        if kept is not None and kept.position == position:
            return kept
        names: dict[str, str] = {}
        after: str | None = None
        while len(names) < DIRECTORY_LIMIT:
            page = [orjson.loads(raw) for raw in queries.actors(None, _PAGE, after=after)]
            names.update((actor["id"], actor["name"]) for actor in page)
            if len(page) < _PAGE:
                break
            after = page[-1]["id"]
        directory = ActorDirectory(position, names, complete=len(names) < DIRECTORY_LIMIT)
        with self._lock:
            self._directory = directory
        return directory

    def actor_names(self, queries: Queries, position: int, slugs: Iterable[str]) -> dict[str, str]:
        """The display name of each of `slugs`; an unknown actor keeps its id."""
        directory = self.directory(queries, position)
        found: dict[str, str] = {}
        for slug in slugs:
            name = directory.names.get(slug)
            if name is None and not directory.complete:
                try:
                    name = str(queries.actor(slug, co_actors=0)["name"])
                except ActorNotFound:
                    name = None
            found[slug] = name or slug
        return found

    def actor_names_at(
        self, read_models: ReadModels, now: int, position: int, slugs: Iterable[str]
    ) -> dict[str, str]:
        """The display name each of `slugs` had at `position`, the views being at `now`;
        an actor registered after `position` (a later version may name one) by its
        name now."""
        names = self.actor_names(read_models.queries, now, slugs)
        if position >= now:
            return names
        then = References(lambda: read_models.app, read_models.db, position)
        for slug in names:
            with suppress(ActorNotFound):
                names[slug] = then.actor_name(slug)
        return names

    def sources(self, app: TimelineApp, slugs: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each source as `{id, title, publisher, authors, url, published}`; one the store does
        not hold shows its id as its title."""
        found: dict[str, dict[str, Any]] = {}
        for slug in slugs:
            with self._lock:
                kept = self._sources.get(slug)
            if kept is None:
                kept = self._read_source(app, slug)
                with self._lock:
                    self._sources[slug] = kept
                    while len(self._sources) > _SOURCES_KEPT:
                        self._sources.popitem(last=False)
            found[slug] = kept
        return found

    @staticmethod
    def _read_source(app: TimelineApp, slug: str) -> dict[str, Any]:
        try:
            source = app.get_source(slug)
        except SourceNotFound:
            return {
                "id": slug,
                "title": slug,
                "publisher": None,
                "authors": [],
                "url": None,
                "published": None,
            }
        url = source.url if source.url and source.url.startswith(("http://", "https://")) else None
        return {
            "id": source.slug,
            "title": source.title,
            "publisher": source.publisher,
            "authors": list(source.authors),
            "url": url,
            "published": source.published,
        }
