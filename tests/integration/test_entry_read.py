"""An entry read now or at a position is one statement, and answers as a snapshot's reads did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest

from domain import EntryNotFound, TimelineApp
from projections import Projector, ReadModels
from projections.database import Database
from projections.queries import Queries
from projections.views.timeline import TimelineView
from tests.builders import body, seed
from tests.integration.test_read_models import every_event


def snapshot_answer(
    q: Queries, entry_id: str, as_of: str | int | None
) -> tuple[bytes, int] | None:
    """The entry as the views' head, its body and its links read one by one in one
    snapshot give it; None when it is not there."""
    with q.db.read() as c:
        position = q._position(c, as_of)
        try:
            body = q._entry_body(c, entry_id, position)
        except EntryNotFound:
            return None
        incoming = q._links(c, "to_entry", entry_id, position)
    return body[:-1] + b',"incoming_links":' + orjson.dumps(incoming) + b"}", position


def one_read(q: Queries, entry_id: str, as_of: str | int | None) -> tuple[bytes, int] | None:
    try:
        return q.entry_at(entry_id, as_of=as_of)
    except EntryNotFound:
        return None


def test_an_entry_read_in_one_statement_answers_as_a_snapshot_at_every_position(
    app: TimelineApp, read_models: ReadModels
) -> None:
    entries = every_event(app, read_models.written)
    q = read_models.queries
    head = q.position()
    found = 0
    for entry_id in [*entries.values(), "not-an-entry"]:
        for as_of in [None, *range(head + 2), str(head), str(head + 5)]:
            expected = snapshot_answer(q, entry_id, as_of)
            assert one_read(q, entry_id, as_of) == expected, (entry_id, as_of)
            found += expected is not None
    # Links to the meeting, versions corrected and retracted are among what was compared.
    meeting = q.entry_at(entries["meeting"])[0]
    assert b'"incoming_links":[{"relation":"responds_to"' in meeting
    assert found > len(entries) * head // 2


def test_an_entry_is_not_found_until_both_views_a_read_follows_have_applied_it(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    recorded = app.record_entry(body("statement"), by="reporter")
    fresh = Projector(app, read_models.db, suffix="__fresh")
    fresh.create()
    q = Queries(read_models.db, suffix="__fresh")
    with pytest.raises(EntryNotFound):
        q.entry_at(recorded.id)
    Projector(app, read_models.db, views=[TimelineView], suffix="__fresh").catch_up()
    with pytest.raises(EntryNotFound):  # the actor versions, not yet there, hold the head at 0
        q.entry_at(recorded.id, as_of=recorded.position)
    fresh.catch_up()
    assert q.entry_at(recorded.id)[1] == recorded.position


class CountingDatabase:
    """A real database that counts what each read asks of it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.asked: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @contextmanager
    def read(self) -> Iterator[Any]:
        self.asked.append("snapshot")
        with self._db.read() as c:
            yield c

    def read_rows(self, sql: str, params: Any = ()) -> list[Any]:
        self.asked.append("statement")
        return self._db.read_rows(sql, params)


def test_a_write_answer_reads_its_entry_in_one_statement_and_a_time_in_a_snapshot(
    app: TimelineApp, read_models: ReadModels
) -> None:
    entries = every_event(app, read_models.written)
    db = CountingDatabase(read_models.db)
    q = Queries(db)
    recorded_at = q_recorded_at(read_models, entries["meeting"])
    head = read_models.queries.position()
    for as_of in (None, head, str(head)):
        db.asked.clear()
        q.entry(entries["meeting"], as_of=as_of)
        assert db.asked == ["statement"], as_of
    db.asked.clear()
    q.entry(entries["meeting"], as_of=recorded_at)
    assert db.asked == ["snapshot"]


def q_recorded_at(read_models: ReadModels, entry_id: str) -> str:
    first = orjson.loads(read_models.queries.entry_history(entry_id)[0])
    return str(first["recorded_at"])
