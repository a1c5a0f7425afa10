"""The audit ledger on each backend: every stored event a leaf in log order, heads at any
position, a checkpoint per batch, proofs that check offline, and never rebuilt."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import orjson
import pytest

from domain import StoreConfig, TimelineApp
from projections import Projector, ReadModels
from projections.audit.ledger import Ledger, LedgerBehind, LedgerView, NoSuchEvent
from projections.audit.merkle import root_of
from projections.audit.proofs import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    event_leaf_hash,
)
from projections.database import open_database
from projections.views.changes import Change, decode, timestamp
from tests.builders import body, seed

BY = "reporter"


def record_some(app: TimelineApp, read_models: ReadModels | None = None) -> None:
    """Actors, a source, entries and a correction: every kind of stored event the log has."""
    seed(app)
    meeting = app.record_entry(body("meeting"), by=BY)
    app.record_entry(body("call"), by=BY)
    if read_models is not None:
        read_models.written()
    app.correct_entry(
        meeting.id, expected_version=1, changes={"title": "Talks"}, reason="shorter", by=BY
    )
    app.record_entry(body("statement"), by=BY)
    if read_models is not None:
        read_models.written()


def log_leaves(app: TimelineApp) -> list[tuple[int, bytes, str]]:
    """(position, leaf hash, recorded time) of every stored event, from the library's own read."""
    found = []
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        h = event_leaf_hash(n.id, n.originator_id, n.originator_version, n.topic, n.state)
        found.append((n.id, h, timestamp(orjson.loads(n.state))))
    return found


@contextmanager
def ledger_alone(app: TimelineApp, store_config: StoreConfig, page: int) -> Iterator[Projector]:
    db = open_database(store_config)
    try:
        projector = Projector(app, db, views=[LedgerView], page=page)
        projector.create()
        yield projector
    finally:
        db.close()


def test_every_stored_event_is_a_leaf_in_log_order_and_the_head_is_their_root(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    leaves = log_leaves(app)
    ledger = read_models.ledger

    head = ledger.head()
    assert head == Checkpoint(
        len(leaves), app.head_position(), root_of([h for _, h, _ in leaves]).hex(), leaves[-1][2]
    )
    assert ledger.latest_checkpoint() == head
    assert ledger.leaf_hashes([p for p, _, _ in leaves] + [10_000]) == {
        p: h.hex() for p, h, _ in leaves
    }
    # Actors, sources and entries alike.
    topics = {n.topic.partition(":")[0] for n in app.recorder.select_notifications(1, 100)}
    assert topics == {"domain.actors", "domain.sources", "domain.entries"}


def test_the_head_at_any_position_is_the_root_of_the_events_up_to_it_checkpointed_or_not(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    leaves = log_leaves(app)
    ledger = read_models.ledger
    checkpointed = {c.position: c for c in ledger.checkpoints()}
    assert 0 < len(checkpointed) < len(leaves)  # most positions have no checkpoint row

    assert ledger.head(0) == Checkpoint(0, 0, root_of([]).hex(), None)
    for size, (position, _, recorded_at) in enumerate(leaves, start=1):
        head = ledger.head(position)
        assert head == Checkpoint(
            size, position, root_of([h for _, h, _ in leaves[:size]]).hex(), recorded_at
        )
        if position in checkpointed:
            assert checkpointed[position] == head
            assert ledger.checkpoint_at(position) == head


def test_each_batch_writes_one_checkpoint_timed_by_its_last_event_not_the_clock(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    record_some(app)
    leaves = log_leaves(app)
    with ledger_alone(app, store_config, page=3) as projector:
        projector.catch_up()
        ledger = Ledger(projector.db)
        checkpoints = ledger.checkpoints()

    sizes = [*range(3, len(leaves), 3), len(leaves)]
    assert [c.tree_size for c in checkpoints] == sizes
    for checkpoint in checkpoints:
        position, _, recorded_at = leaves[checkpoint.tree_size - 1]
        assert (checkpoint.position, checkpoint.recorded_at) == (position, recorded_at)
        assert checkpoint.root == root_of([h for _, h, _ in leaves[: checkpoint.tree_size]]).hex()


def test_an_inclusion_proof_saved_as_json_checks_offline_and_fails_once_anything_changes(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    ledger = read_models.ledger
    for position, _, _ in log_leaves(app):
        proof = ledger.inclusion_proof(position)
        saved = orjson.loads(orjson.dumps(proof.to_json()))
        assert saved["event"]["position"] == position
        assert saved["head"] == ledger.head().to_json()
        assert InclusionProof.from_json(saved).verify()

    proof = ledger.inclusion_proof(3)
    state = proof.to_json()
    changed = bytearray(proof.event.state)
    changed[len(changed) // 2] ^= 1
    edited = {**state["event"], "state": base64.b64encode(changed).decode()}
    with pytest.raises(ValueError, match="leaf_hash: the event hashes to"):
        InclusionProof.from_json({**state, "event": edited})
    del state["leaf_hash"]
    assert not InclusionProof.from_json({**state, "event": edited}).verify()
    for field, value in (("position", 4), ("originator_version", 2), ("topic", "x")):
        assert not InclusionProof.from_json(
            {**state, "event": {**state["event"], field: value}}
        ).verify()
    assert not InclusionProof.from_json({**state, "leaf_index": 3}).verify()
    other_root = ledger.head(5).root
    assert not InclusionProof.from_json(
        {**state, "head": {**state["head"], "root": other_root}}
    ).verify()


def test_a_proof_against_an_earlier_head_verifies_against_that_head(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    early = read_models.ledger.head(5)
    proof = read_models.ledger.inclusion_proof(2, against=5)
    assert proof.head == early
    assert proof.verify()
    with pytest.raises(ValueError, match="against: the head at 5 is before position 6"):
        read_models.ledger.inclusion_proof(6, against=5)


def test_consistency_proofs_show_each_checkpoint_is_a_prefix_of_every_later_one(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    ledger = read_models.ledger
    checkpoints = ledger.checkpoints()
    sizes = [0, *(c.tree_size for c in checkpoints)]
    for first in sizes:
        for second in sizes:
            if first > second:
                continue
            proof = ledger.consistency_proof(first, second)
            assert proof.second == ledger.head(proof.second.position)
            saved = ConsistencyProof.from_json(orjson.loads(orjson.dumps(proof.to_json())))
            assert saved.verify(), (first, second)
            if 0 < first < second:
                swapped = ConsistencyProof(proof.second, proof.first, proof.path)
                assert not swapped.verify()


def test_the_head_and_checkpoint_at_a_position_stay_the_same_after_more_writes(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    position = app.head_position()
    head, checkpoint = (
        read_models.ledger.head(position),
        read_models.ledger.checkpoint_at(position),
    )
    assert checkpoint == head

    for kind in ("policy_action", "statistic", "meeting"):
        app.record_entry(body(kind), by=BY)
        read_models.written()

    assert read_models.ledger.head().tree_size == head.tree_size + 3
    assert read_models.ledger.head(position) == head
    assert read_models.ledger.checkpoint_at(position) == checkpoint
    later = read_models.ledger.head()
    assert read_models.ledger.consistency_proof(head.tree_size, later.tree_size).verify()


def test_a_replay_rebuilds_the_other_views_but_never_the_ledger(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    ledger = read_models.ledger
    checkpoints = ledger.checkpoints()
    # A mark in the ledger's own tables that a rebuild from the log would erase.
    with read_models.db.write() as c:
        c.execute("UPDATE ledger_leaves SET recorded_at = 'witnessed' WHERE position = 1")

    report = read_models.projector.rebuild(compare=True)

    assert report.views == (
        "timeline",
        "entry_history",
        "actors",
        "actor_versions",
        "co_actors",
        "references",
    )
    assert "ledger" not in report.live
    assert set(report.live) == set(report.rebuilt)
    assert ledger.checkpoints() == checkpoints
    assert ledger.head(1).recorded_at == "witnessed"
    app.record_entry(body("policy_action"), by=BY)  # and it keeps following
    read_models.written()
    assert ledger.head().position == app.head_position()


def test_a_replay_catches_a_ledger_that_is_behind_up_first(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    record_some(app)
    models = ReadModels(app, open_database(store_config), in_process=False)
    try:
        assert models.ledger.position() == 0
        models.projector.rebuild()
        assert models.ledger.head() == models.ledger.head(app.head_position())
        assert models.ledger.head().tree_size == len(log_leaves(app))
    finally:
        models.close()


def test_questions_the_ledger_cannot_answer_are_refused_with_what_to_do(
    app: TimelineApp, read_models: ReadModels
) -> None:
    record_some(app, read_models)
    ledger = read_models.ledger
    head = app.head_position()
    with pytest.raises(LedgerBehind, match=f"up to position {head}, not yet {head + 1}"):
        ledger.head(head + 1)
    with pytest.raises(LedgerBehind):
        ledger.inclusion_proof(head + 1)
    with pytest.raises(NoSuchEvent, match="no event at position 0"):
        ledger.inclusion_proof(0)
    with pytest.raises(ValueError, match="position: expected 0 or more"):
        ledger.head(-1)
    with pytest.raises(ValueError, match="first_size and second_size"):
        ledger.consistency_proof(3, 2)
    with pytest.raises(ValueError, match="first_size and second_size"):
        ledger.consistency_proof(1, head + 1)


def test_the_same_record_hashes_to_the_same_head_on_either_backend(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    """Fixed rows, written raw: the head is one constant on SQLite and on PostgreSQL."""
    rows = [
        (
            f"{i:032x}",
            1,
            "tests.ledger:Fixed",
            orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": f"2024-01-0{i}"}}),
        )
        for i in range(1, 6)
    ]
    app.keys.insert_event_rows(rows)
    with ledger_alone(app, store_config, page=2) as projector:
        projector.catch_up()
        ledger = Ledger(projector.db)
        assert ledger.head() == Checkpoint(
            5, 5, "bfb043748c9e9ea6c3e718cda70edeff17aa26a28e537dfa56c0e321e99a7a6c", "2024-01-05"
        )
        assert (
            ledger.inclusion_proof(3).event.originator_id
            == f"{3:032x}"[:8] + "-0000-0000-0000-000000000003"
        )


def test_heads_and_proofs_of_a_larger_tree_use_its_stored_subtrees_and_agree(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    """100 events: subtrees of 16 and more are stored, smaller ones made from leaves."""
    rows = [
        (
            f"{i:032x}",
            1,
            "tests.ledger:Fixed",
            orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": f"t{i:03d}"}}),
        )
        for i in range(1, 101)
    ]
    app.keys.insert_event_rows(rows)
    leaves = log_leaves(app)
    hashes = [h for _, h, _ in leaves]
    with ledger_alone(app, store_config, page=7) as projector:
        projector.catch_up()
        ledger = Ledger(projector.db)
        with projector.db.read() as c:
            c.execute("SELECT COUNT(*) FROM ledger_nodes")
            assert c.fetchone() == (100 // 16 + 100 // 32 + 100 // 64,)
        for size in (1, 15, 16, 17, 33, 64, 99, 100):
            assert ledger.head(leaves[size - 1][0]).root == root_of(hashes[:size]).hex()
        for position in range(1, 101, 3):
            proof = ledger.inclusion_proof(position)
            assert proof.verify()
            assert proof.to_json()["leaf_hash"] == hashes[position - 1].hex()
        for first in range(0, 101, 9):
            assert ledger.consistency_proof(first, 100).verify()
        one_batch = Projector(app, projector.db, views=[LedgerView], suffix="__one")
        one_batch.create()
        one_batch.catch_up()
        assert one_batch.views[0].rows() == projector.views[0].rows()


class _RolledBack(Exception):
    """The batch's transaction ends without a commit."""


def _apply_then_roll_back(projector: Projector, changes: Sequence[Change]) -> None:
    with projector.db.write() as c:
        projector._apply(c, changes)
        raise _RolledBack


def test_a_follower_grows_the_tree_right_after_a_batch_rolled_back_or_another_grew_it(
    app: TimelineApp, store_config: StoreConfig
) -> None:
    """A follower keeps the tree's edge between batches rather than read it again:
    what it kept is of no use once its batch rolled back, or another process
    appended meanwhile, and every checkpoint's root is still the log's."""
    record_some(app)
    leaves = log_leaves(app)
    changes = decode(app.recorder.select_notifications(start=1, limit=10_000))
    with ledger_alone(app, store_config, page=3) as follower:
        follower.catch_up(until=leaves[2][0])  # three leaves, their edge kept
        with pytest.raises(_RolledBack):
            _apply_then_roll_back(follower, changes[3:6])  # kept: six leaves; stored: three
        other = Projector(app, follower.db, views=[LedgerView], page=2)
        other.catch_up(until=leaves[4][0])  # five leaves now, by another hand
        follower.catch_up()
        checkpoints = Ledger(follower.db).checkpoints()

    assert checkpoints[-1].tree_size == len(leaves)
    for checkpoint in checkpoints:
        assert checkpoint.root == root_of([h for _, h, _ in leaves[: checkpoint.tree_size]]).hex()
