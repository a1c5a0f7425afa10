"""verify_log on each backend: stored rows altered directly, each caught at the right
position with what went wrong, and events the ledger has not seen yet left unattested."""

from __future__ import annotations

import uuid

import orjson
import pytest

from domain import StoreConfig, TimelineApp
from projections import ReadModels
from projections.audit.verify import VerifyReport, verify_log
from projections.database import open_database
from tests.builders import body, seed

BY = "reporter"


@pytest.fixture
def recorded(app: TimelineApp, read_models: ReadModels) -> ReadModels:
    """Ten actors, a source and entries, each write witnessed by the ledger as it lands."""
    seed(app)
    read_models.written()
    for kind in ("meeting", "call", "statement", "policy_action"):
        app.record_entry(body(kind), by=BY)
        read_models.written()
    return read_models


def verify(read_models: ReadModels) -> VerifyReport:
    return verify_log(read_models.db, batch=3)


def key(read_models: ReadModels) -> str:
    return "rowid" if read_models.db.dialect.name == "sqlite" else "notification_id"


def alter(read_models: ReadModels, sql: str, *params: object) -> None:
    """Run `sql` on the events table ({log}, {key}) directly, as someone with the file would."""
    with read_models.db.write() as c:
        c.execute(sql.format(log=read_models.db.log_table, key=key(read_models)), params)


def stored_state(read_models: ReadModels, position: int) -> bytes:
    with read_models.db.read() as c:
        log, column = read_models.db.log_table, key(read_models)
        c.execute(f"SELECT state FROM {log} WHERE {column} = ?", (position,))
        row = c.fetchone()
    assert row is not None
    return bytes(row[0])


def test_an_untouched_log_verifies_with_its_head_and_every_checkpoint(
    app: TimelineApp, recorded: ReadModels
) -> None:
    report = verify(recorded)
    head = recorded.ledger.head()
    assert report.to_json() == {
        "ok": True,
        "checked": app.head_position(),
        "head": {"position": head.position, "hash": head.root, "tree_size": head.tree_size},
        "checkpoints": len(recorded.ledger.checkpoints()),
        "unattested": 0,
    }
    assert report.checkpoints == 5


def test_one_changed_byte_of_a_state_is_caught_at_its_position(recorded: ReadModels) -> None:
    state = bytearray(stored_state(recorded, 9))
    state[state.index(b'"') + 1] ^= 0x20  # a letter's case, still valid JSON
    alter(recorded, "UPDATE {log} SET state = ? WHERE {key} = ?", bytes(state), 9)

    report = verify(recorded)

    assert not report.ok
    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (9, "changed")
    assert "its stored bytes were changed" in report.first_bad.detail
    assert report.checked == 8
    assert report.head_hash == recorded.ledger.head().root  # the ledger's head, as it stands


def test_a_row_no_engine_could_write_is_caught_as_changed_at_its_position(
    recorded: ReadModels,
) -> None:
    # SQLite keeps a type per value: an edit by hand can leave text where bytes were.
    # PostgreSQL's bytea column refuses text, so there the state is emptied instead.
    if recorded.db.dialect.name == "sqlite":
        alter(recorded, "UPDATE {log} SET state = CAST(state AS TEXT) WHERE {key} = ?", 7)
        expected = "a state stored as str, not bytes"
    else:
        alter(recorded, "UPDATE {log} SET state = ? WHERE {key} = ?", b"", 7)
        expected = "its stored bytes were changed"

    report = verify(recorded)

    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (7, "changed")
    assert expected in report.first_bad.detail
    assert report.checked == 6


def test_a_deleted_event_is_caught_at_its_position(recorded: ReadModels) -> None:
    alter(recorded, "DELETE FROM {log} WHERE {key} = ?", 4)

    report = verify(recorded)

    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (4, "missing")
    assert "the log has none there" in report.first_bad.detail


def test_the_last_event_deleted_is_caught_too(app: TimelineApp, recorded: ReadModels) -> None:
    head = app.head_position()
    alter(recorded, "DELETE FROM {log} WHERE {key} = ?", head)
    report = verify(recorded)
    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (head, "missing")


def insert_event(read_models: ReadModels, position: int) -> None:
    state = orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2024-01-03"}})
    alter(
        read_models,
        "INSERT INTO {log} ({key}, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, 1, 'domain.sources:Source.Registered', ?)",
        position,
        uuid.uuid4().hex if read_models.db.dialect.name == "sqlite" else str(uuid.uuid4()),
        state,
    )


def test_an_event_inserted_before_the_first_is_caught_there(recorded: ReadModels) -> None:
    """SQLite fills no gaps in its rowids, but takes a row below the first (position 0)."""
    insert_event(recorded, 0)

    report = verify(recorded)

    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (0, "inserted")
    assert "that the ledger never recorded" in report.first_bad.detail
    assert report.checked == 0


@pytest.mark.postgres
def test_an_event_inserted_into_a_gap_in_the_positions_is_caught_there(
    app: TimelineApp, recorded: ReadModels
) -> None:
    if recorded.db.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's sequence leaves gaps")
    gap = app.head_position() + 1
    table = recorded.db.log_table.split(".")[-1].strip('"')
    alter(
        recorded,
        "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
        f"{recorded.db.schema}.{table}",  # type: ignore[attr-defined]
        gap + 4,
    )
    later = app.record_entry(body("statistic"), by=BY)
    recorded.written()
    assert later.position == gap + 5
    assert verify(recorded).ok

    insert_event(recorded, gap + 2)

    report = verify(recorded)
    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (gap + 2, "inserted")


def test_two_events_swapped_are_caught_at_the_first_with_where_it_belongs(
    recorded: ReadModels,
) -> None:
    alter(recorded, "UPDATE {log} SET {key} = -1 WHERE {key} = ?", 5)
    alter(recorded, "UPDATE {log} SET {key} = 5 WHERE {key} = ?", 11)
    alter(recorded, "UPDATE {log} SET {key} = 11 WHERE {key} = ?", -1)

    report = verify(recorded)

    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (5, "reordered")
    assert "the one the ledger recorded at position 11" in report.first_bad.detail


def test_a_changed_checkpoint_or_ledger_node_is_caught(
    app: TimelineApp, recorded: ReadModels
) -> None:
    for kind in ("statistic", "meeting", "call", "statement", "policy_action"):
        app.record_entry(body(kind), by=BY)  # 16 events: a subtree the ledger stores
    recorded.written()
    checkpoint = recorded.ledger.checkpoints()[1]
    with recorded.db.write() as c:
        c.execute(
            "UPDATE ledger_checkpoints SET root = ? WHERE tree_size = ?",
            ("0" * 64, checkpoint.tree_size),
        )
    report = verify(recorded)
    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (
        checkpoint.position,
        "checkpoint",
    )

    with recorded.db.write() as c:
        c.execute(
            "UPDATE ledger_checkpoints SET root = ? WHERE tree_size = ?",
            (checkpoint.root, checkpoint.tree_size),
        )
        c.execute("SELECT COUNT(*) FROM ledger_nodes")
        assert c.fetchone() == (1,)
        c.execute("UPDATE ledger_nodes SET hash = ? WHERE node = ?", (b"\0" * 32, (15 << 6) | 4))
    assert verify(recorded).ok is False
    report = verify(recorded)
    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.problem) == (16, "ledger")
    assert "proofs through them fail" in report.first_bad.detail


def test_events_after_the_ledgers_position_are_unattested_not_failures(
    app: TimelineApp, store_config: StoreConfig, recorded: ReadModels
) -> None:
    witnessed = app.head_position()
    behind = ReadModels(app, open_database(store_config), in_process=False)  # nobody catches up
    try:
        app.record_entry(body("statistic"), by=BY)
        app.record_entry(body("meeting"), by=BY)
        report = verify_log(behind.db)
        assert report.ok
        assert (report.checked, report.unattested) == (witnessed, 2)
        assert report.head_position == witnessed
    finally:
        behind.close()
    recorded.written()
    assert verify(recorded).unattested == 0


def test_an_empty_store_verifies(store_config: StoreConfig, app: TimelineApp) -> None:
    models = ReadModels(app, open_database(store_config), in_process=False)
    try:
        report = verify_log(models.db)
        assert report.ok
        assert (report.checked, report.tree_size, report.head_position) == (0, 0, 0)
    finally:
        models.close()
