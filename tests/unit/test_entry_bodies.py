"""An entry's first version as the views store it, from its `Recorded` event alone."""

from __future__ import annotations

from uuid import uuid4

from domain.entries import Statement
from projections.views.changes import EVENT_CLASSES, Change
from projections.views.entries import RECORDED_FIELDS, recorded, recorded_fields

TOPIC = next(topic for topic, cls in EVENT_CLASSES.items() if cls is Statement.Recorded)
STATE = {
    "timestamp": {"_type_": "datetime_iso", "_data_": "2024-01-03T00:00:00+00:00"},
    "occurred": {
        "_type_": "edtf",
        "_data_": {"text": "2023-11~", "start": "2023-10-01", "end": "2023-12-31"},
    },
    "title": "A title",
    "summary": "A summary",
    "actors": [{"actor": "joe-biden", "role": "speaker"}],
    "topics": ["border-security"],
    "location": None,
    "details": {"speaker": "joe-biden", "quotes": []},
    "citations": [{"source": "a-source"}],
    "note": None,
}


def test_a_first_version_lists_the_entry_fields_after_its_id_in_the_domain_order() -> None:
    body = recorded(Change(7, str(uuid4()), 1, TOPIC, STATE))
    assert list(body)[: len(RECORDED_FIELDS) + 1] == ["id", *RECORDED_FIELDS]
    assert body["kind"] == "statement"
    assert (body["occurred"], body["occurred_start"]) == ("2023-11~", "2023-10-01")
    assert body["sources"] == STATE["citations"]
    assert body["recorded_at"] == body["updated_at"] == "2024-01-03T00:00:00+00:00"


def test_the_recorded_fields_are_those_of_the_first_version() -> None:
    change = Change(7, str(uuid4()), 1, TOPIC, STATE)
    body = recorded(change)
    assert recorded_fields(change) == {name: body[name] for name in RECORDED_FIELDS}
    assert list(recorded_fields(change)) == list(RECORDED_FIELDS)
