"""Stored events as the read models see them: decoded with orjson alone.

The domain's event state is plain JSON apart from two tagged values, the
library's timestamp and an EDTF date. The views read those tags directly
instead of rebuilding domain event objects, which would cost a transcoder
walk and a dataclass per event during a replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from eventsourcing.persistence import Notification

__all__ = ["Change", "decode", "edtf", "timestamp"]

ENTRY_PREFIX = "domain.entries:"
ACTOR_PREFIX = "domain.actors:"


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
    def event(self) -> str:
        """The event's class name: `Meeting.Recorded` -> `Recorded`."""
        return self.topic.rpartition(".")[2]

    @property
    def is_entry(self) -> bool:
        return self.topic.startswith(ENTRY_PREFIX)

    @property
    def is_actor(self) -> bool:
        return self.topic.startswith(ACTOR_PREFIX)

    @property
    def recorded_at(self) -> str:
        return timestamp(self.state)


def decode(notifications: Sequence[Notification]) -> list[Change]:
    """Decode a page of notifications read from the log."""
    return [
        Change(
            n.id,
            str(n.originator_id),
            n.originator_version,
            n.topic,
            orjson.loads(n.state),
            n.state,
        )
        for n in notifications
    ]


def timestamp(state: dict[str, Any]) -> str:
    """The event's recorded time, ISO 8601 with its UTC offset."""
    value: str = state["timestamp"]["_data_"]
    return value


def edtf(value: dict[str, Any]) -> dict[str, str]:
    """An EDTF date as stored: `{text, start, end}`."""
    data: dict[str, str] = value["_data_"]
    return data
