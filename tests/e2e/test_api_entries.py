"""Entries through the HTTP API v1: record, read now and as of, history, commands."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.builders import UNKNOWN_ID, body
from tests.e2e.conftest import Api, fields_named, problem_of

BOUNDS = {
    "meeting": ("2023-12-27", "2023-12-27"),
    "call": ("2023-12-18", "2023-12-22"),
    "statement": ("2023-12-20", "2023-12-22"),  # 2023-12-21~: a day either side
    "enforcement_action": ("2023-11-01", "2023-11-30"),
    "congressional_negotiation": ("2023-12-01", "2023-12-31"),
    "statistic": ("2023-12-18", "2023-12-22"),
    "policy_action": ("2023-12-01", "2023-12-31"),
}


def test_an_entry_of_each_kind_is_recorded_with_201_its_version_position_and_bounds(
    seeded: Api,
) -> None:
    for kind, bounds in BOUNDS.items():
        head = seeded.head()

        response = seeded.post("/entries", body(kind))

        assert response.status_code == 201, response.text
        entry = response.json()
        assert entry["kind"] == kind
        assert entry["title"] == body(kind)["title"]
        assert entry["details"].items() >= body(kind)["details"].items()
        assert (entry["version"], entry["status"]) == (1, "active")
        assert entry["position"] == head + 1
        assert response.headers["Log-Position"] == str(entry["position"])
        assert (entry["occurred_start"], entry["occurred_end"]) == bounds, kind
        assert entry["recorded_at"] == entry["updated_at"]
        read = seeded.get(f"/entries/{entry['id']}")
        assert read.status_code == 200
        assert read.json() == entry


def test_an_entry_reads_the_same_whatever_the_spelling_of_its_uuid(seeded: Api) -> None:
    entry = seeded.record("call")

    response = seeded.get(f"/entries/{entry['id'].upper()}")

    assert response.status_code == 200
    assert response.json()["id"] == entry["id"]


@pytest.mark.parametrize("entry_id", [UNKNOWN_ID, "not-an-id", "12345"])
def test_an_unknown_or_malformed_entry_id_is_a_404_problem_on_every_route(
    local_seeded: Api, entry_id: str
) -> None:
    seeded = local_seeded
    head = seeded.head()
    answers = [
        seeded.get(f"/entries/{entry_id}"),
        seeded.get(f"/entries/{entry_id}/history"),
        seeded.post(
            f"/entries/{entry_id}/corrections",
            {"expected_version": 1, "changes": {"title": "X"}, "reason": "typo"},
        ),
        seeded.post(f"/entries/{entry_id}/retractions", {"expected_version": 1, "reason": "x"}),
        seeded.post(f"/entries/{entry_id}/links", {"relation": "follows", "entry": str(uuid4())}),
    ]

    for response in answers:
        problem_of(response, 404)
    assert seeded.head() == head


def test_a_correction_answers_200_with_version_2_and_the_old_version_stays_readable(
    seeded: Api,
) -> None:
    entry = seeded.record("meeting")

    response = seeded.post(
        f"/entries/{entry['id']}/corrections",
        {
            "expected_version": 1,
            "changes": {"title": "Blinken and Mayorkas meet López Obrador"},
            "reason": "name both secretaries",
        },
    )

    assert response.status_code == 200, response.text
    corrected = response.json()
    assert corrected["version"] == 2
    assert corrected["title"] == "Blinken and Mayorkas meet López Obrador"
    assert corrected["position"] > entry["position"]
    assert response.headers["Log-Position"] == str(corrected["position"])
    assert corrected["recorded_at"] == entry["recorded_at"] != corrected["updated_at"]
    now = seeded.get(f"/entries/{entry['id']}").json()
    assert now == corrected
    then = seeded.get(f"/entries/{entry['id']}", as_of=entry["position"])
    assert then.status_code == 200
    assert then.json()["title"] == entry["title"]
    assert then.json()["version"] == 1
    assert then.headers["Log-Position"] == str(entry["position"])
    problem_of(seeded.get(f"/entries/{entry['id']}", as_of=entry["position"] - 1), 404)


def test_an_entry_history_lists_every_version_with_who_why_and_what_changed(
    seeded: Api,
) -> None:
    entry = seeded.record("statement")
    corrected = seeded.post(
        f"/entries/{entry['id']}/corrections",
        {"expected_version": 1, "changes": {"occurred": "2023-12-21"}, "reason": "exact day"},
    ).json()
    retracted = seeded.post(
        f"/entries/{entry['id']}/retractions", {"expected_version": 2, "reason": "misattributed"}
    ).json()

    response = seeded.get(f"/entries/{entry['id']}/history")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["version"], i["event"], i["position"]) for i in items] == [
        (1, "recorded", entry["position"]),
        (2, "corrected", corrected["position"]),
        (3, "retracted", retracted["position"]),
    ]
    assert {i["by"] for i in items} == {"reporter"}
    assert [i["reason"] for i in items[1:]] == ["exact day", "misattributed"]
    assert "occurred" in items[1]["changes"]


def test_a_stale_expected_version_is_a_409_problem_and_stores_nothing(seeded: Api) -> None:
    entry = seeded.record("call")
    correction = {"expected_version": 1, "changes": {"title": "First"}, "reason": "r"}
    assert seeded.post(f"/entries/{entry['id']}/corrections", correction).status_code == 200
    head = seeded.head()

    stale = [
        seeded.post(
            f"/entries/{entry['id']}/corrections", {**correction, "changes": {"title": "Second"}}
        ),
        seeded.post(f"/entries/{entry['id']}/retractions", {"expected_version": 1, "reason": "r"}),
    ]

    for response in stale:
        problem_of(response, 409)
    assert seeded.head() == head
    assert len(seeded.get(f"/entries/{entry['id']}/history").json()["items"]) == 2
    assert seeded.get(f"/entries/{entry['id']}").json()["title"] == "First"


def test_a_retracted_entry_leaves_the_timeline_and_stays_with_include_retracted(
    seeded: Api,
) -> None:
    kept = seeded.record("call")
    gone = seeded.record("meeting")

    response = seeded.post(
        f"/entries/{gone['id']}/retractions", {"expected_version": 1, "reason": "duplicate"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "retracted"
    assert response.json()["retraction_reason"] == "duplicate"
    assert response.json()["version"] == 2
    timeline = seeded.get("/timeline").json()["items"]
    assert [e["id"] for e in timeline] == [kept["id"]]
    everything = seeded.get("/timeline", include_retracted="true").json()["items"]
    assert [e["id"] for e in everything] == [kept["id"], gone["id"]]
    assert seeded.get(f"/entries/{gone['id']}").json()["status"] == "retracted"
    again = seeded.post(
        f"/entries/{gone['id']}/corrections",
        {"expected_version": 2, "changes": {"title": "Revived"}, "reason": "r"},
    )
    problem_of(again, 409)


def test_a_link_answers_200_with_the_entry_naming_the_other(seeded: Api) -> None:
    call = seeded.record("call")
    statement = seeded.record("statement")

    response = seeded.post(
        f"/entries/{statement['id']}/links", {"relation": "responds_to", "entry": call["id"]}
    )

    assert response.status_code == 200, response.text
    linked = response.json()
    assert linked["links"] == [
        {"relation": "responds_to", "entry": call["id"], "target": call["id"]}
    ]
    assert linked["version"] == 2
    assert response.headers["Log-Position"] == str(linked["position"])
    assert seeded.get(f"/entries/{statement['id']}").json()["links"] == linked["links"]


@pytest.mark.parametrize("target", [UNKNOWN_ID, "not-an-id"])
def test_a_link_to_an_unknown_entry_is_a_422_naming_the_entry_field(
    local_seeded: Api, target: str
) -> None:
    seeded = local_seeded
    entry = seeded.record("call")
    head = seeded.head()

    response = seeded.post(
        f"/entries/{entry['id']}/links", {"relation": "follows", "entry": target}
    )

    assert fields_named(problem_of(response, 422)) == [["entry"]]
    assert seeded.head() == head


def test_a_correction_naming_an_unknown_actor_is_a_422_naming_where_it_is(
    seeded: Api,
) -> None:
    entry = seeded.record("call")
    head = seeded.head()

    response = seeded.post(
        f"/entries/{entry['id']}/corrections",
        {
            "expected_version": 1,
            "changes": {"actors": [{"actor": "nobody", "role": "host"}]},
            "reason": "r",
        },
    )

    assert fields_named(problem_of(response, 422)) == [["changes", "actors", 0, "actor"]]
    assert seeded.head() == head
    assert seeded.get(f"/entries/{entry['id']}").json()["version"] == 1
