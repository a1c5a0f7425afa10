"""Stored events as the read models see them: decoded with orjson alone.

The domain's event state is plain JSON apart from two tagged values, the
library's timestamp and an EDTF date. The views read those tags directly
instead of rebuilding domain event objects, which would cost a transcoder
walk and a dataclass per event during a replay.

Decoding is where a row changed outside the engine shows: a state that is not
a JSON object or has no recorded time, a field its class declares missing, a
topic that names no event class of the domain (when a view asks for its
class). All of them raise `UnreadableEvent`, and only they do, so an error a
view raises after decoding is the view's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import orjson
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import ApplicationRecorder, Notification
from eventsourcing.utils import get_topic

from domain import ENTRY_CLASSES, Actor, Entry, Source

__all__ = [
    "AGGREGATES",
    "EVENT_CLASSES",
    "Change",
    "UnreadableEvent",
    "decode",
    "decode_row",
    "edtf",
    "read_changes",
    "timestamp",
]

AGGREGATES: tuple[type[Aggregate], ...] = (Entry, *ENTRY_CLASSES.values(), Actor, Source)
"""Every aggregate class whose events the log holds."""


def _stored_events(aggregate: type[Aggregate]) -> list[type[DomainEvent]]:
    # The library nests an `Event` and a `Created` base in every aggregate;
    # neither is ever stored.
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, DomainEvent)
        and name not in ("Event", "Created")
    ]


EVENT_CLASSES: dict[str, type[DomainEvent]] = {
    get_topic(cls): cls for aggregate in AGGREGATES for cls in _stored_events(aggregate)
}
"""Each event class the log may hold, by the topic it is stored under."""

# The fields each class's stored state has: all but the two the log keeps in
# columns of their own. An older `class_version`'s state is upcast first, as
# the library's mapper does, so it has them too.
_STORED_FIELDS: dict[str, frozenset[str]] = {
    topic: frozenset(f.name for f in fields(cls)) - {"originator_id", "originator_version"}
    for topic, cls in EVENT_CLASSES.items()
}
_CLASS_VERSIONS: dict[str, tuple[type[DomainEvent], int]] = {
    topic: (cls, version)
    for topic, cls in EVENT_CLASSES.items()
    if (version := getattr(cls, "class_version", 1)) > 1
}
_ENTRY_EVENTS = frozenset(t for t, cls in EVENT_CLASSES.items() if issubclass(cls, Entry.Event))
_ACTOR_EVENTS = frozenset(t for t, cls in EVENT_CLASSES.items() if issubclass(cls, Actor.Event))


class UnreadableEvent(ValueError):
    """The event at a log position is one no engine could have written.

    A ValueError, as a JSON decoding error is; what a view raises after the
    event was decoded is not one of these.
    """

    def __init__(
        self,
        position: int,
        reason: str,
        advice: str = "`policy-timeline verify` tells more",
    ) -> None:
        super().__init__(
            f"the event at log position {position} was changed outside the engine "
            f"past reading ({reason}); {advice}"
        )
        self.position = position
        self.reason = reason
        self.advice = advice

    def __reduce__(self) -> tuple[type[UnreadableEvent], tuple[int, str, str]]:
        # Raised again in the process that started a replay's second one.
        return type(self), (self.position, self.reason, self.advice)


@dataclass(frozen=True, slots=True)
class Change:
    """One stored event: its log position, aggregate, version, topic and state.

    `stored` is the state exactly as the log holds it (the same bytes object,
    not a copy), which the ledger hashes; empty only for a change built by hand.
    """

    position: int
    originator_id: str
    version: int
    topic: str
    state: dict[str, Any]
    stored: bytes = b""

    @property
    def event_class(self) -> type[DomainEvent]:
        """The domain's class of the event; raise UnreadableEvent for a topic it has none of."""
        try:
            return EVENT_CLASSES[self.topic]
        except KeyError:
            raise UnreadableEvent(
                self.position, f"its topic {self.topic!r} names no event of the domain"
            ) from None

    @property
    def is_entry(self) -> bool:
        return self.topic in _ENTRY_EVENTS

    @property
    def is_actor(self) -> bool:
        return self.topic in _ACTOR_EVENTS

    @property
    def recorded_at(self) -> str:
        return timestamp(self.state)


def read_changes(
    recorder: ApplicationRecorder, after: int, limit: int, stop: int | None = None
) -> list[Change]:
    """Up to `limit` events after position `after` (up to `stop`), decoded.

    Raise UnreadableEvent naming the first event in that stretch that no engine
    could have written; every event before it reads.
    """
    try:
        notifications = recorder.select_notifications(
            start=after, limit=limit, stop=stop, inclusive_of_start=False
        )
    except (ValueError, TypeError) as error:
        # The library turns each row's id into a UUID as it reads: a row with
        # an id that is none fails the whole page. Find which one, row by row.
        raise _first_unreadable(recorder, after, stop, error) from None
    return decode(notifications)


def _first_unreadable(
    recorder: ApplicationRecorder, after: int, stop: int | None, error: Exception
) -> UnreadableEvent:
    last = recorder.max_notification_id() or 0
    for position in range(after + 1, last + 1 if stop is None else min(stop, last) + 1):
        try:
            found = recorder.select_notifications(start=position, limit=1, stop=position)
        except (ValueError, TypeError) as at_fault:
            return UnreadableEvent(position, f"{type(at_fault).__name__}: {at_fault}")
        decode(found)
    # The row changed back while it was looked for: name the stretch.
    return UnreadableEvent(after + 1, f"{type(error).__name__}: {error}")


def decode(notifications: Sequence[Notification]) -> list[Change]:
    """Decode a page of notifications read from the log; raise UnreadableEvent."""
    return [_decoded(n) for n in notifications]


def _decoded(n: Notification) -> Change:
    return decode_row(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)


def decode_row(
    position: int, originator_id: str, version: int, topic: str, stored: bytes
) -> Change:
    """Decode one event from its columns (its id already as `str(UUID)`); raise UnreadableEvent."""
    try:
        state = orjson.loads(stored)
    except orjson.JSONDecodeError as error:
        raise UnreadableEvent(position, f"its state is not JSON: {error}") from None
    if type(state) is not dict:
        raise UnreadableEvent(position, f"its state is JSON {type(state).__name__}, not an object")
    if topic in _CLASS_VERSIONS:
        _upcast(position, topic, state)
    # A topic the domain has no class for still decodes: the ledger takes every
    # event whole, and a view asking for its class gets UnreadableEvent then.
    expected = _STORED_FIELDS.get(topic)
    if expected is not None and not expected <= state.keys():
        missing = ", ".join(sorted(expected - state.keys()))
        raise UnreadableEvent(position, f"its state lacks {missing}")
    try:
        timestamp(state)
    except (KeyError, TypeError):
        raise UnreadableEvent(position, "its timestamp is not a recorded time") from None
    return Change(position, originator_id, version, topic, state, stored)


def _upcast(position: int, topic: str, state: dict[str, Any]) -> None:
    """Bring a state stored by an older `class_version` up to the current one, with
    the class's own upcasters: the views read events as the domain would."""
    cls, current = _CLASS_VERSIONS[topic]
    stored = state.get("class_version", 1)
    if type(stored) is not int or not 1 <= stored <= current:
        raise UnreadableEvent(position, f"its class_version {stored!r} is not 1 to {current}")
    while stored < current:
        getattr(cls, f"upcast_v{stored}_v{stored + 1}")(state)
        stored += 1


def timestamp(state: dict[str, Any]) -> str:
    """The event's recorded time, ISO 8601 with its UTC offset."""
    value: str = state["timestamp"]["_data_"]
    return value


def edtf(value: dict[str, Any]) -> dict[str, str]:
    """An EDTF date as stored: `{text, start, end}`."""
    data: dict[str, str] = value["_data_"]
    return data
