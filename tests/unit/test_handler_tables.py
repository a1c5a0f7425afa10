"""Every view says, by the domain's classes, what it does with every event; decoding
a row no engine wrote raises UnreadableEvent and nothing else does."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import Notification

import domain
from domain import Actor, Entry
from domain.entries import Meeting
from projections import VIEW_CLASSES
from projections.audit.ledger import LedgerView
from projections.views.changes import AGGREGATES, EVENT_CLASSES, Change, UnreadableEvent, decode
from projections.views.entries import evolve, recorded
from projections.views.handlers import Handlers
from projections.views.view import View
from tests.builders import UNKNOWN_ID

TABLED = [view for view in VIEW_CLASSES if view.events is not None]


def domain_aggregates() -> set[type[Aggregate]]:
    found: set[type[Aggregate]] = set()
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        if module.name == "domain.import_worker":
            continue  # a process's entry point, not a module to import
        for _, value in inspect.getmembers(importlib.import_module(module.name)):
            if inspect.isclass(value) and issubclass(value, Aggregate) and value is not Aggregate:
                found.add(value)
    return found


def test_the_read_side_knows_every_aggregate_of_the_domain() -> None:
    assert domain_aggregates() == set(AGGREGATES)


@pytest.mark.parametrize("view", TABLED, ids=lambda view: view.name)
@pytest.mark.parametrize("topic", sorted(EVENT_CLASSES))
def test_every_view_handles_or_ignores_every_domain_event(view: type[View], topic: str) -> None:
    assert view.events is not None
    assert view.events.decides(EVENT_CLASSES[topic]), f"{view.name} says nothing of {topic}"


def test_only_the_ledger_takes_every_event_whole_without_a_table() -> None:
    assert [view for view in VIEW_CLASSES if view.events is None] == [LedgerView]


@pytest.mark.parametrize("view", TABLED, ids=lambda view: view.name)
def test_a_handler_table_names_only_the_domain_s_own_event_classes(view: type[View]) -> None:
    assert view.events is not None
    for cls in view.events.classes:
        assert cls.__module__.startswith("domain."), cls
        assert issubclass(cls, DomainEvent)


def test_a_view_stops_at_an_event_its_table_does_not_name() -> None:
    handlers = Handlers[list[Change]]("probe", {Entry.Recorded: list.append}, ignore=())
    change = change_of(Actor.Registered, {})
    with pytest.raises(LookupError, match="the probe view has no handler"):
        handlers([], change)


def test_a_table_that_both_handles_and_ignores_a_class_is_refused() -> None:
    with pytest.raises(ValueError, match="both handles and ignores"):
        Handlers[list[Change]]("probe", {Entry.Linked: list.append}, ignore=(Entry.Linked,))


def change_of(cls: type[DomainEvent], state: dict[str, Any]) -> Change:
    topic = next(topic for topic, known in EVENT_CLASSES.items() if known is cls)
    return Change(7, str(uuid4()), 1, topic, state)


def notification(topic: str, state: bytes, position: int = 7) -> Notification:
    return Notification(
        id=position, originator_id=uuid4(), originator_version=1, topic=topic, state=state
    )


def stored(**state: Any) -> bytes:
    at = {"_type_": "datetime_iso", "_data_": datetime(2024, 1, 3, tzinfo=UTC).isoformat()}
    return orjson.dumps({"timestamp": at, **state})


LINKED = {"relation": "follows", "target": UNKNOWN_ID, "by": "t", "idempotency_key": None}


def test_a_stored_event_decodes_to_its_domain_class() -> None:
    (change,) = decode([notification("domain.entries:Entry.Linked", stored(**LINKED))])
    assert change.event_class is Entry.Linked
    assert change.is_entry
    assert not change.is_actor


@pytest.mark.parametrize(
    ("topic", "state", "reason"),
    [
        ("domain.entries:Entry.Linked", b"not json", "its state is not JSON"),
        ("domain.entries:Entry.Linked", b"[]", "its state is JSON list, not an object"),
        ("domain.entries:Entry.Linked", stored(by="t"), "its state lacks idempotency_key"),
        (
            "domain.entries:Entry.Linked",
            orjson.dumps({**LINKED, "timestamp": "yesterday"}),
            "its timestamp is not a recorded time",
        ),
    ],
)
def test_a_row_no_engine_wrote_is_unreadable_at_its_position(
    topic: str, state: bytes, reason: str
) -> None:
    with pytest.raises(UnreadableEvent, match=reason) as raised:
        decode([notification(topic, state, position=12)])
    assert raised.value.position == 12
    assert str(raised.value).startswith("the event at log position 12 was changed outside")


def test_a_topic_the_domain_lacks_decodes_for_the_ledger_but_stops_a_view() -> None:
    (change,) = decode([notification("domain.entries:Entry.Vanished", stored(), position=12)])
    with pytest.raises(UnreadableEvent, match="names no event of the domain") as raised:
        Handlers[list[Change]]("probe", {Entry.Event: list.append}, ignore=())([], change)
    assert raised.value.position == 12


def test_an_error_in_evolving_an_entry_is_not_taken_for_an_unreadable_event() -> None:
    body = recorded(change_of(Meeting.Recorded, RECORDED))
    retraction = change_of(Entry.Retracted, {"by": "t"})  # decoded by hand: no reason
    with pytest.raises(KeyError) as raised:
        evolve(body, retraction)
    assert not isinstance(raised.value, UnreadableEvent)


RECORDED: dict[str, Any] = {
    "timestamp": {"_type_": "datetime_iso", "_data_": "2024-01-03T00:00:00+00:00"},
    "title": "t",
    "summary": "s",
    "occurred": {
        "_type_": "edtf",
        "_data_": {"text": "2023-12", "start": "2023-12-01", "end": "2023-12-31"},
    },
    "actors": [],
    "topics": [],
    "location": None,
    "details": {},
    "citations": [],
    "note": None,
    "by": "t",
}
