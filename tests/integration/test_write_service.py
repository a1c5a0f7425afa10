"""The write service on each backend: versions, conflicts, idempotency, principals."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import psycopg
import pytest
from eventsourcing.application import Application, ProcessingEvent

from domain import (
    AlreadyRegistered,
    CommandResult,
    DomainError,
    EntryNotFound,
    EntryRetracted,
    IdempotencyKeyReused,
    TimelineApp,
    UnknownReference,
    ValidationError,
    VersionConflict,
    store_env,
)
from domain.actors import Actor, parse_actor
from domain.entries import Entry, parse_entry
from domain.store import IdempotencyClaim
from tests.builders import ACTORS, BODIES, SOURCE, body, details, seed
from tests.postgres import PostgresServer


@pytest.fixture
def seeded(app: TimelineApp) -> TimelineApp:
    seed(app)
    return app


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_every_kind_is_recorded_with_its_id_version_and_position(
    seeded: TimelineApp, kind: str
) -> None:
    before = seeded.head_position()
    result = seeded.record_entry(body(kind), by="reporter")
    entry = seeded.get_entry(result.id)
    assert (result.version, result.position) == (1, before + 1)
    assert type(entry).kind == kind
    assert entry.title == BODIES[kind]["title"]
    assert entry.occurred.text == BODIES[kind]["occurred"]


def test_a_correction_leaves_the_earlier_version_readable(seeded: TimelineApp) -> None:
    recorded = seeded.record_entry(body("meeting"), by="reporter")
    corrected = seeded.correct_entry(
        recorded.id,
        expected_version=1,
        changes={"occurred": "2023-12-26", "title": "Talks"},
        reason="the date was misread",
        source={"source": SOURCE["id"], "quote": "Wednesday"},
        by="editor",
    )
    assert (corrected.version, corrected.position) == (2, recorded.position + 1)
    now, then = seeded.get_entry(recorded.id), seeded.get_entry(recorded.id, version=1)
    assert (now.title, now.occurred.text) == ("Talks", "2023-12-26")
    assert (then.title, then.occurred.text) == (BODIES["meeting"]["title"], "2023-12-27")
    assert {"source": SOURCE["id"], "quote": "Wednesday"} in now.citations


def test_a_stale_expected_version_is_a_conflict_and_stores_nothing(seeded: TimelineApp) -> None:
    entry = seeded.record_entry(body("statement"), by="reporter")
    seeded.correct_entry(
        entry.id, expected_version=1, changes={"title": "A"}, reason="r", by="editor"
    )
    head = seeded.head_position()
    with pytest.raises(VersionConflict, match="is at version 2, not 1"):
        seeded.correct_entry(
            entry.id, expected_version=1, changes={"title": "B"}, reason="r", by="editor"
        )
    assert seeded.head_position() == head
    assert seeded.get_entry(entry.id).title == "A"


def test_links_sources_and_retraction_grow_the_entry(seeded: TimelineApp) -> None:
    meeting = seeded.record_entry(body("meeting"), by="reporter")
    call = seeded.record_entry(body("call"), by="reporter")
    linked = seeded.link_entries(meeting.id, "follows", call.id, by="editor")
    cited = seeded.cite_source(
        meeting.id, {"source": SOURCE["id"], "quote": "productive"}, by="editor"
    )
    retracted = seeded.retract_entry(call.id, expected_version=1, reason="duplicate", by="editor")
    assert (linked.version, cited.version, retracted.version) == (2, 3, 2)
    entry = seeded.get_entry(meeting.id)
    assert entry.links == [{"relation": "follows", "target": call.id}]
    assert len(entry.citations) == 2
    gone = seeded.get_entry(call.id)
    assert (gone.status, gone.retraction_reason) == ("retracted", "duplicate")
    assert seeded.get_entry(call.id, version=1).status == "active"


def test_a_retried_command_returns_the_first_result_and_stores_nothing(
    seeded: TimelineApp,
) -> None:
    first = seeded.record_entry(body("meeting"), by="reporter", idempotency_key="k-1")
    head = seeded.head_position()
    again = seeded.record_entry(body("meeting"), by="reporter", idempotency_key="k-1")
    assert again == first
    assert seeded.head_position() == head

    def correct() -> CommandResult:
        return seeded.correct_entry(
            first.id,
            expected_version=1,
            changes={"title": "T"},
            reason="r",
            by="reporter",
            idempotency_key="k-2",
        )

    fix = correct()
    # Replayed with the same, now stale, expected_version: still the first answer.
    assert correct() == fix
    assert seeded.get_entry(first.id).version == 2


def test_an_idempotency_key_holds_after_a_restart(store_url: str) -> None:
    app = TimelineApp(store_env(store_url))
    seed(app)
    first = app.register_source(
        {"title": "AP report", "publisher": "AP"}, by="r", idempotency_key="src-1"
    )
    app.close()
    reopened = TimelineApp(store_env(store_url))
    try:
        head = reopened.head_position()
        again = reopened.register_source(
            {"title": "AP report", "publisher": "AP"}, by="r", idempotency_key="src-1"
        )
        assert again == first
        assert reopened.head_position() == head
    finally:
        reopened.close()


def test_a_key_reused_for_a_different_command_is_refused(seeded: TimelineApp) -> None:
    seeded.record_entry(body("meeting"), by="reporter", idempotency_key="k")
    head = seeded.head_position()
    with pytest.raises(IdempotencyKeyReused, match="'k' was already used"):
        seeded.record_entry(body("call"), by="reporter", idempotency_key="k")
    assert seeded.head_position() == head


def test_keys_belong_to_their_principal(seeded: TimelineApp) -> None:
    mine = seeded.record_entry(body("meeting"), by="alice", idempotency_key="k")
    theirs = seeded.record_entry(body("meeting"), by="bob", idempotency_key="k")
    assert mine.id != theirs.id


def test_every_stored_event_names_its_principal_and_key(seeded: TimelineApp) -> None:
    entry = seeded.record_entry(body("meeting"), by="alice", idempotency_key="key-7")
    seeded.retract_entry(entry.id, expected_version=1, reason="wrong", by="bob")
    states = [
        orjson.loads(n.state) for n in seeded.recorder.select_notifications(start=1, limit=100)
    ]
    assert all(state["by"] for state in states)
    assert [(s["by"], s["idempotency_key"]) for s in states[-2:]] == [
        ("alice", "key-7"),
        ("bob", None),
    ]


def test_a_batch_is_stored_whole_or_not_at_all(seeded: TimelineApp) -> None:
    head = seeded.head_position()
    with pytest.raises(UnknownReference) as caught:
        seeded.record_entries(
            [body("meeting"), body("call"), details("statement", speaker="nobody")], by="importer"
        )
    assert caught.value.field == "2.details.speaker"  # where the body names it
    assert seeded.head_position() == head
    results = seeded.record_entries([body(kind) for kind in sorted(BODIES)], by="importer")
    assert [r.position for r in results] == list(range(head + 1, head + 1 + len(BODIES)))
    assert {type(seeded.get_entry(r.id)).kind for r in results} == set(BODIES)


def test_an_actor_changes_only_by_new_events(seeded: TimelineApp) -> None:
    slug = "alejandro-mayorkas"
    seeded.rename_actor(slug, "Alejandro N. Mayorkas", by="editor")
    seeded.add_alias(slug, "DHS Secretary", by="editor")
    seeded.assume_role(
        slug, {"title": "Secretary of Homeland Security", "start": "2021-02-02"}, by="editor"
    )
    seeded.end_role(slug, "Secretary of Homeland Security", "2025-01-20", by="editor")
    seeded.register_actor(
        {"id": "a-mayorkas", "name": "A. Mayorkas", "kind": "person"}, by="editor"
    )
    seeded.merge_actor("a-mayorkas", slug, by="editor")
    actor = seeded.get_actor(slug)
    assert actor.name == "Alejandro N. Mayorkas"
    # The old name stays as an alias.
    assert actor.aliases == ["Mayorkas", "Alejandro Mayorkas", "DHS Secretary"]
    assert actor.roles == [
        {"title": "Secretary of Homeland Security", "start": "2021-02-02", "end": "2025-01-20"}
    ]
    assert seeded.get_actor("a-mayorkas").merged_into == slug


@dataclass(frozen=True)
class Existing:
    """Entries recorded before each bad command: one active, one retracted."""

    active: str
    retracted: str


Command = Callable[[TimelineApp, Existing], object]


def _record(entry: dict[str, Any]) -> Command:
    return lambda app, _: app.record_entry(entry, by="reporter")


BAD_INPUTS: list[tuple[str, Command, type[DomainError], str]] = [
    (
        "invalid EDTF",
        _record(body("meeting", occurred="2023-13-45")),
        ValidationError,
        "occurred: '2023-13-45' is not valid EDTF",
    ),
    (
        "missing required details",
        _record(details("statement", quotes=None)),
        ValidationError,
        "details.quotes: required: one or more exact quotes",
    ),
    (
        "unknown actor",
        _record(body("meeting", actors=[{"actor": "nobody", "role": "host"}])),
        UnknownReference,
        "actors.0.actor: no actor 'nobody' is registered",
    ),
    (
        "unknown source",
        _record(body("meeting", sources=[{"source": "rumour-mill"}])),
        UnknownReference,
        "sources.0.source: no source 'rumour-mill' is registered",
    ),
    (
        "meeting with one participant",
        _record(details("meeting", participants=["joe-biden"])),
        ValidationError,
        "details.participants: expected at least two different participant",
    ),
    (
        "call with one participant",
        _record(details("call", participants=["joe-biden"])),
        ValidationError,
        "details.participants: expected at least two different participant",
    ),
    (
        "no citation",
        _record(body("meeting", sources=[])),
        ValidationError,
        "sources: expected at least one citation",
    ),
    (
        "unknown kind",
        _record(body("meeting", kind="rumour")),
        ValidationError,
        "kind: expected one of: meeting, call, statement",
    ),
    (
        "correcting a retracted entry",
        lambda app, e: app.correct_entry(
            e.retracted, expected_version=2, changes={"title": "x"}, reason="r", by="e"
        ),
        EntryRetracted,
        "is retracted: it cannot be corrected",
    ),
    (
        "correcting in an unknown actor",
        lambda app, e: app.correct_entry(
            e.active,
            expected_version=1,
            changes={"actors": [{"actor": "nobody", "role": "x"}]},
            reason="r",
            by="e",
        ),
        UnknownReference,
        "changes.actors.0.actor: no actor 'nobody' is registered",
    ),
    (
        "linking a retracted entry",
        lambda app, e: app.link_entries(e.retracted, "follows", e.active, by="e"),
        EntryRetracted,
        "is retracted: it cannot be linked",
    ),
    (
        "linking to a retracted entry",
        lambda app, e: app.link_entries(e.active, "follows", e.retracted, by="e"),
        EntryRetracted,
        "is retracted: it cannot be linked",
    ),
    (
        "linking an entry to itself",
        lambda app, e: app.link_entries(e.active, "follows", e.active, by="e"),
        ValidationError,
        "entry: an entry cannot be linked to itself",
    ),
    (
        "unknown entry",
        lambda app, _: app.retract_entry(
            "7d9e6ab0-0000-4000-8000-000000000000", expected_version=1, reason="r", by="e"
        ),
        EntryNotFound,
        "entry '7d9e6ab0-0000-4000-8000-000000000000' not found",
    ),
    (
        "duplicate actor",
        lambda app, _: app.register_actor({"name": "Joe Biden", "kind": "person"}, by="e"),
        AlreadyRegistered,
        "actor 'joe-biden' is already registered",
    ),
]


@pytest.mark.parametrize(
    ("command", "error", "message"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_is_refused_with_its_reason_and_the_log_does_not_move(
    seeded: TimelineApp, command: Command, error: type[DomainError], message: str
) -> None:
    existing = Existing(
        active=seeded.record_entry(body("call"), by="reporter").id,
        retracted=seeded.record_entry(body("meeting"), by="reporter").id,
    )
    seeded.retract_entry(existing.retracted, expected_version=1, reason="wrong", by="editor")
    head = seeded.head_position()
    with pytest.raises(error) as caught:
        command(seeded, existing)
    assert message in str(caught.value)
    assert seeded.head_position() == head


def race_corrections(writers: list[TimelineApp], entry_id: str) -> list[str]:
    """Each writer corrects version 1 of the entry at the same moment."""
    barrier = threading.Barrier(len(writers))
    outcomes: list[str] = []

    def correct(app: TimelineApp, n: int) -> None:
        barrier.wait()
        try:
            app.correct_entry(
                entry_id,
                expected_version=1,
                changes={"title": f"writer {n}"},
                reason="race",
                by=f"w{n}",
            )
            outcomes.append("won")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=correct, args=(w, n)) for n, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_concurrent_corrections_with_one_version_let_exactly_one_win(store_url: str) -> None:
    writers = [TimelineApp(store_env(store_url)), TimelineApp(store_env(store_url))]
    seed(writers[0])
    try:
        for _ in range(4):
            entry = writers[0].record_entry(body("meeting"), by="r")
            assert race_corrections(writers, entry.id) == ["conflict", "won"]
            assert writers[1].get_entry(entry.id).version == 2
    finally:
        for writer in writers:
            writer.close()


def test_a_keyed_entry_sent_again_answers_as_the_first_time_and_the_store_still_writes(
    seeded: TimelineApp,
) -> None:
    first = seeded.record_entry(body("meeting"), by="reporter", idempotency_key="again")
    head = seeded.head_position()
    assert seeded.record_entry(body("meeting"), by="reporter", idempotency_key="again") == first
    assert seeded.head_position() == head
    # The refused insert left nothing half done on its connection.
    after = seeded.record_entry(body("call"), by="reporter", idempotency_key="after")
    assert after.position > head
    assert seeded.get_entry(after.id).version == 1


def test_a_key_sent_again_with_a_body_no_longer_valid_is_refused_as_reused(
    seeded: TimelineApp,
) -> None:
    seeded.record_entry(body("meeting"), by="reporter", idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        seeded.record_entry({"kind": "meeting"}, by="reporter", idempotency_key="k")


def test_a_key_another_command_used_refuses_an_entry(seeded: TimelineApp) -> None:
    seeded.register_source({"title": "AP", "publisher": "AP"}, by="r", idempotency_key="k")
    head = seeded.head_position()
    with pytest.raises(IdempotencyKeyReused):
        seeded.record_entry(body("meeting"), by="r", idempotency_key="k")
    assert seeded.head_position() == head


def test_a_bad_body_under_a_new_key_names_its_field(seeded: TimelineApp) -> None:
    with pytest.raises(ValidationError):
        seeded.record_entry({"kind": "meeting"}, by="reporter", idempotency_key="new")
    assert seeded.keys.find_prior_result("reporter", "new") is None


def test_concurrent_keyed_entries_are_stored_at_the_positions_they_answer(store_url: str) -> None:
    apps = [TimelineApp(store_env(store_url)) for _ in range(3)]
    seed(apps[0])
    results: list[CommandResult] = []

    def write(app: TimelineApp, n: int) -> None:
        for i in range(15):
            results.append(app.record_entry(body("meeting"), by="w", idempotency_key=f"{n}-{i}"))

    try:
        threads = [threading.Thread(target=write, args=(a, n)) for n, a in enumerate(apps)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = [n.id for n in apps[0].recorder.select_notifications(start=1, limit=1000)]
        assert sorted(r.position for r in results) == stored[-45:]
        assert stored == sorted(stored)
    finally:
        for app in apps:
            app.close()


@pytest.mark.postgres
def test_a_write_on_postgresql_announces_the_position_it_took(postgres: PostgresServer) -> None:
    with postgres.database() as url:
        app = TimelineApp(store_env(url))
        try:
            seed(app)
            with psycopg.connect(url, autocommit=True) as listening:
                listening.execute(f'LISTEN "{app.recorder.channel_name}"')  # type: ignore[attr-defined]
                result = app.record_entry(body("meeting"), by="reporter", idempotency_key="n")
                heard = [n.payload for n in listening.notifies(timeout=5, stop_after=1)]
            assert heard == [str(result.position)]
        finally:
            app.close()


def test_an_actor_and_the_entry_naming_it_are_recorded_together(seeded: TimelineApp) -> None:
    before = seeded.head_position()
    named = body("meeting", actors=[{"actor": "alicia-barcena", "role": "participant"}])
    actor, entry = seeded.record_entry_with_actor(
        {"name": "Alicia Bárcena", "kind": "person"}, named, by="reporter"
    )
    assert (actor.id, actor.position, entry.position) == ("alicia-barcena", before + 1, before + 2)
    assert seeded.get_entry(entry.id).actors[0]["actor"] == "alicia-barcena"


def test_an_entry_refused_with_its_actor_records_neither(seeded: TimelineApp) -> None:
    before = seeded.head_position()
    refused = body("meeting", summary="", actors=[{"actor": "alicia-barcena", "role": "x"}])
    with pytest.raises(ValidationError, match="summary"):
        seeded.record_entry_with_actor(
            {"name": "Alicia Bárcena", "kind": "person"}, refused, by="r"
        )
    unknown = body("meeting", actors=[{"actor": "nobody-known", "role": "x"}])
    with pytest.raises(UnknownReference):
        seeded.record_entry_with_actor(
            {"name": "Alicia Bárcena", "kind": "person"}, unknown, by="r"
        )
    with pytest.raises(AlreadyRegistered):
        seeded.record_entry_with_actor(
            {"name": "Antony Blinken", "kind": "person"}, body("meeting"), by="r"
        )
    assert seeded.head_position() == before


def _stored(app: TimelineApp) -> list[tuple[Any, ...]]:
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(1, 100)
    ]


def test_saving_aggregates_stores_what_the_librarys_own_save_stores(
    app: TimelineApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `TimelineApp.save` collects an aggregate's events without the library's
    # protocol checks: the rows and claims it stores are those `Application.save` stores.
    twin = TimelineApp(store_env(f"sqlite:///{tmp_path / 'twin.db'}"))
    try:
        actor = Actor.register(parse_actor(ACTORS[0]), by="tests")
        entry = Entry.record(parse_entry(body("meeting")), id=uuid4(), by="tests")
        claim = IdempotencyClaim("tests", "key-1", "fingerprint", str(entry.id), entry.id, 1)
        twins = copy.deepcopy([actor, entry])
        theirs = Application.save(twin, *twins, idempotency=(claim,))
        with monkeypatch.context() as patch:
            # The library's collecting is what this path goes without.
            patch.setattr(ProcessingEvent, "collect_events", _not_called)
            mine = app.save(actor, None, entry, idempotency=(claim,))
        assert [r.notification.id for r in mine] == [r.notification.id for r in theirs] == [1, 2]
        assert _stored(app) == _stored(twin)
        assert app.keys.find_prior_result("tests", "key-1") == twin.keys.find_prior_result(
            "tests", "key-1"
        )
        assert app.keys.find_prior_result("tests", "key-1") is not None
        assert app.repository.get(entry.id).title == twin.repository.get(entry.id).title
    finally:
        twin.close()


def _not_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("the library's ProcessingEvent.collect_events was called")


def test_an_event_given_to_save_is_saved_as_the_library_saves_it(app: TimelineApp) -> None:
    fields = parse_actor(ACTORS[0])
    (registered,) = Actor.register(fields, by="tests").collect_events()
    (recording,) = app.save(registered)
    assert recording.notification.id == app.head_position() == 1
    assert app.get_actor(fields.slug).name == ACTORS[0]["name"]
