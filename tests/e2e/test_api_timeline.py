"""The timeline through the HTTP API v1: filters, order, pages, as_of, read-your-writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api import Settings, create_app
from domain import TimelineApp, store_env
from scripts.cli import main
from tests.builders import BODIES, body
from tests.e2e.conftest import BASE, Api, TestClient, fields_named, problem_of
from tests.postgres import PostgresServer

# The builders' entries in timeline order: occurred lower bound, the finer
# precision first, then log position (recorded in BODIES order).
ORDER = [
    "enforcement_action",  # 2023-11
    "congressional_negotiation",  # 2023-12?
    "policy_action",  # 2023-12, recorded after the negotiation
    "call",  # 2023-12-18/2023-12-22, recorded before the statistic
    "statistic",  # 2023-12-18/2023-12-22
    "statement",  # 2023-12-21~, from 2023-12-20
    "meeting",  # 2023-12-27
]


@pytest.fixture
def recorded(seeded: Api) -> dict[str, str]:
    """Every builder kind recorded once: kind -> entry id."""
    return {kind: seeded.record(kind)["id"] for kind in BODIES}


def kinds(api: Api, **params: Any) -> list[str]:
    response = api.get("/timeline", **params)
    assert response.status_code == 200, response.text
    return [entry["kind"] for entry in response.json()["items"]]


def test_the_timeline_filters_by_topic_actor_kind_dates_and_words(
    seeded: Api, recorded: dict[str, str]
) -> None:
    assert kinds(seeded) == ORDER
    assert kinds(seeded, order="desc") == ORDER[::-1]
    assert kinds(seeded, topic="sanctions") == ["statement"]
    assert kinds(seeded, topic="migration") == ["call", "statement", "meeting"]
    assert kinds(seeded, actor="border-patrol") == [
        "enforcement_action",
        "policy_action",
        "statistic",
    ]
    assert kinds(seeded, kind="statistic") == ["statistic"]
    # An entry matches when its occurred interval overlaps from..to.
    assert kinds(seeded, **{"from": "2023-12-21", "to": "2023-12-21"}) == [
        "congressional_negotiation",
        "policy_action",
        "call",
        "statistic",
        "statement",
    ]
    assert kinds(seeded, **{"from": "2023-12-23"}) == [
        "congressional_negotiation",
        "policy_action",
        "meeting",
    ]
    assert kinds(seeded, to="2023-11") == ["enforcement_action"]
    assert kinds(seeded, q="poor countries") == ["statement"]  # a quote
    assert kinds(seeded, q="apprehended") == ["enforcement_action"]  # a summary
    assert kinds(seeded, topic="migration", actor="joe-biden", order="desc") == ["call"]


def test_a_day_comes_before_its_month_in_the_timeline(
    seeded: Api, recorded: dict[str, str]
) -> None:
    seeded.record("policy_action", occurred="2023-12-01", title="On the first")

    first_day: dict[str, Any] = {"from": "2023-12-01", "to": "2023-12-01"}
    assert kinds(seeded, **first_day) == [
        "policy_action",
        "congressional_negotiation",
        "policy_action",
    ]
    assert seeded.get("/timeline", **first_day).json()["items"][0]["title"] == "On the first"


def test_a_cursor_continues_the_same_snapshot_after_new_entries_arrive(
    seeded: Api, recorded: dict[str, str]
) -> None:
    first = seeded.get("/timeline", limit=3)
    page = first.json()
    assert [e["kind"] for e in page["items"]] == ORDER[:3]
    assert page["as_of"]["position"] == int(first.headers["Log-Position"])
    snapshot = page["as_of"]
    statement = recorded["statement"]

    seeded.record("call", occurred="2023-12-19", title="A call that came in later")
    seeded.post(
        f"/entries/{statement}/corrections",
        {"expected_version": 1, "changes": {"title": "Corrected later"}, "reason": "r"},
    )
    seeded.post(
        f"/entries/{recorded['meeting']}/retractions", {"expected_version": 1, "reason": "r"}
    )

    rest: list[dict[str, Any]] = []
    cursor = page["next_cursor"]
    while cursor is not None:
        response = seeded.get("/timeline", limit=3, cursor=cursor)
        assert response.status_code == 200, response.text
        later = response.json()
        assert later["as_of"] == snapshot
        assert response.headers["Log-Position"] == str(snapshot["position"])
        rest += later["items"]
        cursor = later["next_cursor"]
    assert [e["kind"] for e in rest] == ORDER[3:]
    assert next(e["title"] for e in rest if e["id"] == statement) == BODIES["statement"]["title"]
    now = kinds(seeded)
    assert len(now) == len(ORDER)
    assert "meeting" not in now


def test_pages_of_the_sample_chronology_join_up_in_either_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    assert main(["--db", url, "load-sample"]) == 0
    capsys.readouterr()

    with TestClient(create_app(Settings(db=url))) as client:

        def walk(**params: Any) -> list[str]:
            ids: list[str] = []
            cursor = None
            for _ in range(100):
                sent = {**params, "limit": 4}
                if cursor is not None:
                    sent["cursor"] = cursor
                page = client.get("/api/v1/timeline", params=sent).json()
                ids += [entry["id"] for entry in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    return ids
            raise AssertionError("the pages never ended")

        whole = [e["id"] for e in client.get("/api/v1/timeline?limit=500").json()["items"]]
        found = client.get("/api/v1/actors", params={"q": "gobierno de mexico"}).json()

        assert len(whole) > 20
        assert walk() == whole
        assert walk(order="desc") == whole[::-1]
        assert walk(topic="border-security") == [
            e["id"]
            for e in client.get(
                "/api/v1/timeline", params={"topic": "border-security", "limit": 500}
            ).json()["items"]
        ]
    assert [actor["id"] for actor in found["items"]] == ["government-of-mexico"]


def test_the_timeline_as_of_a_position_or_a_time_shows_the_record_then(
    seeded: Api, recorded: dict[str, str]
) -> None:
    page = seeded.get("/timeline").json()
    last = seeded.get(f"/entries/{recorded['policy_action']}").json()  # recorded last

    before_last = seeded.get("/timeline", as_of=last["position"] - 1).json()
    at_time = seeded.get("/timeline", as_of=last["recorded_at"]).json()
    before_all = seeded.get("/timeline", as_of="2000-01-01T00:00:00Z").json()

    assert [e["kind"] for e in before_last["items"]] == [k for k in ORDER if k != "policy_action"]
    assert before_last["as_of"]["position"] == last["position"] - 1
    assert at_time["items"] == page["items"]
    assert at_time["as_of"]["position"] == last["position"]
    assert before_all["items"] == []
    assert before_all["as_of"] == {"position": 0, "recorded_at": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"from": "the day before"}, "from"),
        ({"to": "2023-13"}, "to"),
        ({"kind": "rumour"}, "kind"),
        ({"order": "sideways"}, "order"),
        ({"limit": 0}, "limit"),
        ({"limit": 100_000}, "limit"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "-1"}, "as_of"),
        ({"q": "  "}, "q"),
        ({"include_retracted": "perhaps"}, "include_retracted"),
        ({"min_position": -1}, "min_position"),
    ],
)
def test_a_bad_timeline_parameter_is_a_422_problem_naming_it(
    local_seeded: Api, params: dict[str, Any], field: str
) -> None:
    local_seeded.record("call")

    response = local_seeded.get("/timeline", **params)

    assert fields_named(problem_of(response, 422)) == [[field]]


def test_a_cursor_carried_to_other_filters_is_a_422_naming_cursor(
    local_seeded: Api,
) -> None:
    for kind in ("call", "statistic", "meeting"):
        local_seeded.record(kind)
    cursor = local_seeded.get("/timeline", limit=1).json()["next_cursor"]
    assert cursor is not None

    response = local_seeded.get("/timeline", limit=1, cursor=cursor, topic="migration")

    assert fields_named(problem_of(response, 422)) == [["cursor"]]


def test_a_read_with_min_position_reflects_a_write_made_elsewhere(local_seeded: Api) -> None:
    # Another process writes to the store, unseen by this one's views until they look.
    db = local_seeded.app.state.settings.db
    other = TimelineApp(store_env(db))
    try:
        call = other.record_entry(body("call"), by="importer")
        statement = other.record_entry(body("statement"), by="importer")
    finally:
        other.close()

    by_query = local_seeded.get("/timeline", min_position=statement.position)
    by_header = local_seeded.get(
        f"/actors/{BODIES['call']['details']['participants'][0]}/history",
        headers={"Min-Log-Position": str(call.position)},
    )

    assert int(by_query.headers["Log-Position"]) >= statement.position
    assert [e["id"] for e in by_query.json()["items"]] == [call.id, statement.id]
    assert int(by_header.headers["Log-Position"]) >= call.position
    assert [e["id"] for e in by_header.json()["items"]] == [call.id]


@pytest.mark.parametrize(
    ("params", "headers", "field"),
    [
        ({"min_position": 1000}, {}, "min_position"),
        ({}, {"Min-Log-Position": "1000"}, "Min-Log-Position"),
    ],
)
def test_a_min_position_beyond_the_log_is_a_422_problem(
    local_seeded: Api, params: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    for path in ("/timeline", "/actors", "/actors/joe-biden", "/entries/x"):
        response = local_seeded.get(path, headers=headers, **params)
        assert fields_named(problem_of(response, 422)) == [[field]], path


@pytest.mark.postgres
def test_on_postgresql_a_read_waits_a_bounded_time_for_views_nobody_follows(
    postgres: PostgresServer,
) -> None:
    with postgres.database() as url:
        other = TimelineApp(store_env(url))
        settings = Settings(db=url, read_wait_seconds=0.3)
        try:
            with TestClient(create_app(settings)) as client:
                written = other.register_actor({"name": "Joe Biden", "kind": "person"}, by="x")
                response = client.get("/api/v1/actors", params={"min_position": written.position})
        finally:
            other.close()

    problem_of(response, 503)
    assert response.headers["Retry-After"] == "1"


def test_a_parameter_error_names_its_place_and_a_body_error_its_field(local_api: Api) -> None:
    schema_error = local_api.get("/timeline", limit=0).json()
    domain_error = local_api.client.get(f"{BASE}/timeline", params={"from": "yesterday"}).json()
    header_error = local_api.get("/timeline", headers={"Min-Log-Position": "99"}).json()
    body_error = local_api.post("/actors", {"name": "X", "kind": "robot"}).json()

    assert [e["loc"] for e in schema_error["errors"]] == [["query", "limit"]]
    assert [e["loc"] for e in domain_error["errors"]] == [["query", "from"]]
    assert [e["loc"] for e in header_error["errors"]] == [["header", "Min-Log-Position"]]
    assert [e["loc"] for e in body_error["errors"]] == [["kind"]]
