"""Handler tables: what a view does with each class of the domain's events.

A view names, by the domain's own classes, the events it handles and the ones
it ignores; a subclass (`Meeting.Recorded`) finds the handler of its base
(`Entry.Recorded`). An event the table has no word for stops the view rather
than being skipped, and `tests/unit/test_handler_tables.py` checks that every
event class of the domain is handled or ignored by every view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEvent

    from projections.views.changes import Change

__all__ = ["EventTable", "Handlers", "lookup"]

B = TypeVar("B")
T = TypeVar("T")


def lookup(table: Mapping[type[DomainEvent], T], cls: type[DomainEvent]) -> T:
    """The value `table` holds for `cls` or its nearest base; raise LookupError."""
    for base in cls.__mro__:
        if base in table:
            return table[base]
    raise LookupError(cls.__qualname__)


class EventTable:
    """The event classes a view handles and those it ignores, by the domain's classes."""

    def __init__(
        self,
        view: str,
        handled: Iterable[type[DomainEvent]],
        ignored: Iterable[type[DomainEvent]],
    ) -> None:
        self.view = view
        self.handled = frozenset(handled)
        self.ignored = frozenset(ignored)
        both = self.handled & self.ignored
        if both:
            names = ", ".join(sorted(cls.__qualname__ for cls in both))
            raise ValueError(f"the {view} view both handles and ignores {names}")

    @property
    def classes(self) -> frozenset[type[DomainEvent]]:
        """Every class named in the table, handled or ignored."""
        return self.handled | self.ignored

    def decides(self, cls: type[DomainEvent]) -> bool:
        """Whether the table handles or ignores events of `cls`."""
        try:
            lookup(dict.fromkeys(self.classes, True), cls)
        except LookupError:
            return False
        return True


class Handlers(EventTable, Generic[B]):
    """A view's handler table: `handle(batch, change)` calls the handler of the change's class.

    `batch` is whatever the view gathers its rows in while it applies a batch.
    """

    def __init__(
        self,
        view: str,
        handle: Mapping[type[DomainEvent], Callable[[B, Change], None]],
        ignore: Iterable[type[DomainEvent]],
    ) -> None:
        super().__init__(view, handle, ignore)
        self._table: dict[type[DomainEvent], Callable[[B, Change], None] | None] = {
            **dict.fromkeys(self.ignored),
            **handle,
        }
        self._by_topic: dict[str, Callable[[B, Change], None] | None] = {}

    def __call__(self, batch: B, change: Change) -> None:
        try:
            handler = self._by_topic[change.topic]
        except KeyError:
            handler = self._by_topic[change.topic] = self._resolve(change)
        if handler is not None:
            handler(batch, change)

    def _resolve(self, change: Change) -> Callable[[B, Change], None] | None:
        try:
            return lookup(self._table, change.event_class)
        except LookupError:
            raise LookupError(
                f"the {self.view} view has no handler for {change.topic!r} (the event at "
                f"log position {change.position}), and does not ignore it either"
            ) from None
