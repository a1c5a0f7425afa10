"""Entry rules, checked on the aggregates alone: no store, no I/O."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain import ENTRY_CLASSES, Entry, EntryRetracted, ValidationError
from domain.details import KINDS
from domain.entries import parse_entry
from tests.builders import BODIES, body, details


def record(kind: str = "meeting", **changes: Any) -> Entry:
    return Entry.record(parse_entry(body(kind, **changes)), id=uuid4(), by="tests")


def test_every_kind_has_its_own_aggregate_and_recorded_event() -> None:
    assert set(ENTRY_CLASSES) == set(KINDS) == set(BODIES)
    for kind in KINDS:
        entry = record(kind)
        (event,) = entry.collect_events()
        assert type(entry).kind == kind
        assert type(event).__qualname__ == f"{type(entry).__name__}.Recorded"


def test_actors_named_in_the_details_join_the_entry_with_their_role() -> None:
    entry = record("statement")
    assert {"actor": "andres-manuel-lopez-obrador", "role": "speaker"} in entry.actors


def test_an_actor_already_listed_keeps_the_role_given_to_it() -> None:
    entry = record("meeting")
    roles = [a for a in entry.actors if a["actor"] == "antony-blinken"]
    assert roles == [{"actor": "antony-blinken", "role": "participant"}]


@pytest.mark.parametrize(
    ("kind", "changes", "field", "message"),
    [
        (
            "meeting",
            {"participants": ["antony-blinken"]},
            "details.participants",
            "at least two different participant actors",
        ),
        (
            "meeting",
            {"participants": ["antony-blinken", "antony-blinken"]},
            "details.participants",
            "at least two different participant actors",
        ),
        ("meeting", {"participants": None}, "details.participants", "required"),
        ("meeting", {"format": "telepathy"}, "details.format", "in_person, virtual"),
        ("meeting", {"duration_minutes": -5}, "details.duration_minutes", "from 0 to"),
        ("call", {"participants": ["joe-biden"]}, "details.participants", "at least two"),
        ("call", {"medium": "fax"}, "details.medium", "phone, video"),
        ("statement", {"speaker": None}, "details.speaker", "required"),
        ("statement", {"quotes": []}, "details.quotes", "at least 1"),
        ("statement", {"quotes": None}, "details.quotes", "required"),
        ("statement", {"medium": "tv"}, "details.medium", "press_release"),
        ("enforcement_action", {"agency": None}, "details.agency", "required"),
        ("enforcement_action", {"action": None}, "details.action", "required"),
        (
            "enforcement_action",
            {"measure": {"value": "many", "unit": "x"}},
            "details.measure.value",
            "a number",
        ),
        ("congressional_negotiation", {"package": None}, "details.package", "required"),
        ("congressional_negotiation", {"status": "vibing"}, "details.status", "proposed"),
        ("congressional_negotiation", {"vote": {"yeas": 50}}, "details.vote.nays", "required"),
        ("statistic", {"metric": None}, "details.metric", "required"),
        ("statistic", {"value": None}, "details.value", "required"),
        ("statistic", {"unit": None}, "details.unit", "required"),
        ("statistic", {"period": None}, "details.period", "required"),
        ("statistic", {"period": "soon"}, "details.period", "not valid EDTF"),
        ("policy_action", {"instrument": None}, "details.instrument", "required"),
        ("policy_action", {"instrument": "tweet"}, "details.instrument", "executive_order"),
        ("meeting", {"agenda": "x"}, "details.agenda", "unknown field; accepted"),
    ],
)
def test_missing_or_wrong_details_name_the_field_and_what_is_accepted(
    kind: str, changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_entry(details(kind, **changes))
    assert caught.value.field == field
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "rumour"}, "kind", "expected one of: meeting, call"),
        ({"sources": []}, "sources", "at least one citation"),
        ({"title": "  "}, "title", "non-empty text"),
        ({"occurred": "late December"}, "occurred", "not valid EDTF"),
        ({"topics": ["Border Security"]}, "topics.0", "slug"),
        ({"actors": [{"actor": "antony-blinken"}]}, "actors.0.role", "non-empty text"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_entry_fields_name_the_field(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_entry(body("meeting", **changes))
    assert caught.value.field == field
    assert message in caught.value.message


def test_a_correction_changes_the_state_and_keeps_the_kind_rules() -> None:
    entry = record("meeting")
    entry.correct({"occurred": "2023-12-26"}, "the source was misread", None, by="tests")
    assert entry.occurred.text == "2023-12-26"
    with pytest.raises(ValidationError) as caught:
        entry.correct({"details": {"participants": ["antony-blinken"]}}, "r", None, by="tests")
    assert caught.value.field == "changes.details.participants"


def test_a_correction_of_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        record().correct({"kind": "call"}, "r", None, by="tests")
    assert caught.value.field == "changes.kind"
    assert "accepted: title, summary" in caught.value.message


def test_an_entry_cannot_be_linked_to_itself() -> None:
    entry = record()
    with pytest.raises(ValidationError, match="cannot be linked to itself"):
        entry.link("follows", entry, by="tests")


def test_a_retracted_entry_accepts_no_correction_or_link() -> None:
    entry, other = record(), record("call")
    entry.retract("duplicate of another entry", by="tests")
    with pytest.raises(EntryRetracted, match="cannot be corrected"):
        entry.correct({"title": "New"}, "r", None, by="tests")
    with pytest.raises(EntryRetracted, match="cannot be linked"):
        entry.link("follows", other, by="tests")
    with pytest.raises(EntryRetracted, match="cannot be linked"):
        other.link("follows", entry, by="tests")


def test_an_unknown_relation_is_refused() -> None:
    with pytest.raises(ValidationError, match="responds_to, part_of, follows, contradicts"):
        record().link("likes", record("call"), by="tests")
