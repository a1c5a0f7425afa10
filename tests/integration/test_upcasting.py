"""An event stored by an older class_version is read through its upcaster."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain import TimelineApp


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
