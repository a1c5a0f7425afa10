"""The bulk path stores exactly the bytes the write service would, and reads back alike."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain import EntryNotFound, IdempotencyKeyReused, TimelineApp, store_env
from domain.bulk import BulkEntryWriter, encode_recorded, prepare_entry
from domain.entries import Entry, parse_entry
from domain.entry_keys import entry_id_for
from domain.store import RecordedEntry
from tests.builders import BODIES, body, seed


@pytest.fixture(scope="module")
def mapper_app() -> TimelineApp:
    return TimelineApp(store_env("sqlite:///:memory:"))


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("key", ["key-1", None])
def test_a_bulk_stored_event_has_the_bytes_of_the_normal_path(
    mapper_app: TimelineApp, kind: str, key: str | None
) -> None:
    fields = parse_entry(body(kind, note="Noted — with “quotes”.", location="Ciudad de México"))
    entry = Entry.record(fields, id=uuid4(), by="tests", idempotency_key=key)
    [event] = entry.collect_events()
    normal = mapper_app.mapper.to_stored_event(event)
    bulk = encode_recorded(
        fields, entry_id=event.originator_id, by="tests", key=key, timestamp=event.timestamp
    )
    assert bulk == normal


def test_an_entry_written_in_bulk_reads_back_through_the_write_service(app: TimelineApp) -> None:
    seed(app)
    writer = BulkEntryWriter(app, by="tests")
    batch = [
        prepare_entry(i, body(kind), by="tests", key=f"k-{kind}")
        for i, kind in enumerate(sorted(BODIES), 1)
    ]
    outcome = writer.write(batch)
    assert outcome.stored == list(range(1, len(BODIES) + 1))
    for kind in BODIES:
        entry = app.get_entry(str(entry_id_for("tests", f"k-{kind}")))
        expected = parse_entry(body(kind))
        assert entry.kind == kind
        assert entry.version == 1
        assert (entry.title, entry.occurred, entry.actors, entry.details, entry.citations) == (
            expected.title,
            expected.occurred,
            expected.actors,
            expected.details,
            expected.citations,
        )
    # The entry is the record of its key: no claim is written for it.
    assert app.keys.find_prior_result("tests", "k-meeting") is None


def test_the_write_service_honours_a_key_an_import_used(app: TimelineApp) -> None:
    seed(app)
    BulkEntryWriter(app, by="tests").write(
        [prepare_entry(1, body("meeting"), by="tests", key="k")]
    )
    head = app.head_position()
    again = app.record_entry(body("meeting"), by="tests", idempotency_key="k")
    assert (again.id, again.version, again.position) == (str(entry_id_for("tests", "k")), 1, head)
    with pytest.raises(IdempotencyKeyReused):
        app.record_entry(body("call"), by="tests", idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        app.register_source({"title": "Other", "publisher": "P"}, by="tests", idempotency_key="k")
    assert app.head_position() == head
    other = app.record_entry(body("meeting"), by="someone-else", idempotency_key="k")
    assert other.id != again.id


def test_an_import_honours_a_key_the_write_service_used(app: TimelineApp) -> None:
    seed(app)
    recorded = app.record_entry(body("meeting"), by="tests", idempotency_key="k")
    app.register_source({"title": "Other", "publisher": "P"}, by="tests", idempotency_key="s")
    assert recorded.id == str(entry_id_for("tests", "k"))
    head = app.head_position()
    outcome = BulkEntryWriter(app, by="tests").write(
        [
            prepare_entry(1, body("meeting"), by="tests", key="k"),
            prepare_entry(2, body("call"), by="tests", key="k"),
            prepare_entry(3, body("call"), by="tests", key="s"),
        ]
    )
    assert outcome.present == [1]
    assert outcome.problems == [
        (2, "key: 'k' was already used for different content"),
        (3, "key: 's' was already used for different content"),
    ]
    assert app.head_position() == head


def test_a_key_given_with_spaces_is_stored_as_the_key_it_is_held_to(app: TimelineApp) -> None:
    seed(app)
    app.record_entry(body("meeting"), by="tests", idempotency_key=" k ")
    head = app.head_position()
    outcome = BulkEntryWriter(app, by="tests").write(
        [prepare_entry(1, body("meeting"), by="tests", key="k")]
    )
    assert (outcome.present, outcome.problems) == ([1], [])
    assert app.head_position() == head


def test_principals_and_keys_that_join_alike_name_different_entries(app: TimelineApp) -> None:
    seed(app)
    first = app.record_entry(body("meeting"), by="carol/x", idempotency_key="y")
    second = app.record_entry(body("call"), by="carol", idempotency_key="x/y")
    assert first.id != second.id
    assert app.get_entry(second.id).kind == "call"


def test_a_batch_written_again_is_present_and_stores_nothing(app: TimelineApp) -> None:
    seed(app)
    writer = BulkEntryWriter(app, by="tests")
    batch = [prepare_entry(1, body("meeting"), by="tests", key="k")]
    writer.write(batch)
    head = app.head_position()
    outcome = writer.write(batch)
    assert (outcome.stored, outcome.present, outcome.problems) == ([], [1], [])
    assert app.head_position() == head


def test_an_id_recorded_by_a_concurrent_writer_falls_back_to_one_entry_at_a_time(
    app: TimelineApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(app)
    writer = BulkEntryWriter(app, by="tests")
    writer.write([prepare_entry(1, body("meeting"), by="tests", key="taken")])
    # As if the other writer recorded "taken" after this batch looked its ids up.
    find_recorded = app.keys.find_recorded
    looked_up: list[list[str]] = []

    def first_finds_nothing(ids: list[str]) -> dict[str, RecordedEntry]:
        looked_up.append(ids)
        return {} if len(looked_up) == 1 else find_recorded(ids)

    monkeypatch.setattr(app.recorder, "find_recorded", first_finds_nothing)
    outcome = writer.write(
        [
            prepare_entry(1, body("meeting"), by="tests", key="taken"),
            prepare_entry(2, body("call"), by="tests", key="new"),
            prepare_entry(3, body("statement"), by="tests", key="other"),
        ]
    )
    assert outcome.present == [1]
    assert outcome.stored == [2, 3]
    assert app.get_entry(str(entry_id_for("tests", "new"))).kind == "call"


def test_an_unknown_actor_or_a_reused_key_stores_nothing_of_that_entry(app: TimelineApp) -> None:
    seed(app)
    writer = BulkEntryWriter(app, by="tests")
    writer.write([prepare_entry(1, body("meeting"), by="tests", key="used")])
    unknown = body("meeting", actors=[{"actor": "nobody-known", "role": "host"}])
    outcome = writer.write(
        [
            prepare_entry(5, unknown, by="tests", key="a"),
            prepare_entry(6, body("call"), by="tests", key="used"),
            prepare_entry(7, body("statement"), by="tests", key="fine"),
        ]
    )
    assert outcome.problems == [
        (5, "actors.0.actor: no actor 'nobody-known' is registered; register it first"),
        (6, "key: 'used' was already used for different content"),
    ]
    assert outcome.stored == [7]
    with pytest.raises(EntryNotFound):
        app.get_entry(str(entry_id_for("tests", "a")))
