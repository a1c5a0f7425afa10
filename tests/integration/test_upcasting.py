"""An event stored by an older class_version is read through its upcaster, by the
domain and by the views alike."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import orjson
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain import Actor, TimelineApp
from domain.values import actor_uuid
from projections import ReadModels


class Memo(Aggregate):
    """A stand-in aggregate whose Written event gained `language` in version 2."""

    class Written(Aggregate.Created):
        class_version = 2
        text: str
        language: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["language"] = "en"

    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language


def test_a_version_one_event_is_read_through_the_upcaster(app: TimelineApp) -> None:
    memo_id = uuid4()
    # Exactly what version 1 of the class stored: no language, no class_version.
    v1_state = {
        "timestamp": datetime(2024, 1, 3, tzinfo=UTC),
        "originator_topic": get_topic(Memo),
        "text": "meeting planned for January in Washington",
    }
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=memo_id,
                originator_version=1,
                topic=get_topic(Memo.Written),
                state=app.mapper.transcoder.encode(v1_state),
            )
        ]
    )
    memo: Aggregate = app.repository.get(memo_id)
    assert isinstance(memo, Memo)
    assert (memo.text, memo.language) == ("meeting planned for January in Washington", "en")


def test_a_current_event_records_its_class_version(app: TimelineApp) -> None:
    memo = Memo(text="x", language="es")
    (recording,) = app.save(memo)
    state = app.mapper.transcoder.decode(recording.notification.state)
    assert state["class_version"] == 2
    assert app.repository.get(memo.id).language == "es"


def _store_v1(app: TimelineApp, event: type[DomainEvent], version: int, **state: object) -> None:
    """Store `event` on the actor `joe-biden` as its class_version 1 wrote it."""
    v1_state = {"timestamp": datetime(2024, 1, 3, tzinfo=UTC), "by": "tests", **state}
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=actor_uuid("joe-biden"),
                originator_version=version,
                topic=get_topic(event),
                state=app.mapper.transcoder.encode({**v1_state, "idempotency_key": None}),
            )
        ]
    )


def test_a_version_one_rename_and_merge_read_without_reason_and_kept_no_alias(
    app: TimelineApp, read_models: ReadModels
) -> None:
    app.register_actor({"name": "Joe Biden", "kind": "person", "aliases": ["Biden"]}, by="t")
    app.register_actor({"name": "Joseph Biden", "kind": "person"}, by="t")
    _store_v1(app, Actor.Renamed, 2, name="Joseph R. Biden Jr.")
    _store_v1(app, Actor.MergedInto, 3, target="joseph-biden")

    actor = app.get_actor("joe-biden")
    assert (actor.name, actor.aliases, actor.merged_into) == (
        "Joseph R. Biden Jr.",
        ["Biden"],
        "joseph-biden",
    )
    read_models.written()
    versions = [orjson.loads(item) for item in read_models.queries.actor_versions("joe-biden")]
    assert [(v["event"], v["reason"]) for v in versions] == [
        ("registered", None),
        ("renamed", None),
        ("merged", None),
    ]
    assert versions[1]["changes"] == {"name": "Joseph R. Biden Jr."}
    assert read_models.queries.actor("joe-biden")["aliases"] == ["Biden"]
