"""Actors and sources through the HTTP API v1: register, find, read, history."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api, problem_of


def test_an_actor_is_registered_with_201_and_an_id_derived_from_its_name(api: Api) -> None:
    response = api.post(
        "/actors", {"name": "Andrés Manuel López Obrador", "kind": "person", "aliases": ["AMLO"]}
    )

    assert response.status_code == 201
    actor = response.json()
    assert actor["id"] == "andres-manuel-lopez-obrador"
    assert actor["name"] == "Andrés Manuel López Obrador"
    assert (actor["version"], actor["position"]) == (1, 1)
    assert response.headers["Log-Position"] == "1"
    read = api.get("/actors/andres-manuel-lopez-obrador", min_position=1)
    assert read.status_code == 200
    assert read.json()["aliases"] == ["AMLO"]


def test_on_sqlite_a_registered_actor_is_found_at_once(local_api: Api) -> None:
    # There the views catch up after each write, without a min_position.
    local_api.post("/actors", {"name": "Joe Biden", "kind": "person"})

    assert local_api.get("/actors/joe-biden").status_code == 200
    assert [a["id"] for a in local_api.get("/actors", q="biden").json()["items"]] == ["joe-biden"]


def test_actors_are_found_whatever_their_accents_and_case(seeded: Api) -> None:
    def found(q: str) -> list[str]:
        response = seeded.get("/actors", q=q)
        assert response.status_code == 200
        return [actor["id"] for actor in response.json()["items"]]

    assert found("lopez obrador") == ["andres-manuel-lopez-obrador"]
    assert found("LÓPEZ") == ["andres-manuel-lopez-obrador"]
    assert found("amlo") == ["andres-manuel-lopez-obrador"]
    assert found("mayorkas") == ["alejandro-mayorkas"]
    assert found("nobody at all") == []


def test_actor_pages_follow_next_cursor_to_the_last_one(seeded: Api) -> None:
    every = seeded.get("/actors", limit=100).json()
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 4} if cursor is None else {"limit": 4, "cursor": cursor}
        page = seeded.get("/actors", **params).json()
        assert len(page["items"]) <= 4
        seen += [actor["id"] for actor in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert every["next_cursor"] is None
    assert seen == [actor["id"] for actor in every["items"]] == sorted(seen)
    assert len(seen) == 6


def test_a_taken_actor_id_is_a_409_problem_and_stores_nothing(seeded: Api) -> None:
    head = seeded.head()

    response = seeded.post(
        "/actors", {"id": "joe-biden", "name": "Someone Else", "kind": "person"}
    )

    assert "joe-biden" in problem_of(response, 409)["detail"]
    assert seeded.head() == head
    assert seeded.get("/actors/joe-biden").json()["name"] == "Joe Biden"


def test_an_unknown_actor_is_a_404_problem(api: Api) -> None:
    for path in ("/actors/nobody", "/actors/nobody/history"):
        problem_of(api.get(path), 404)


def test_an_actor_page_counts_its_active_entries_and_names_its_co_actors(seeded: Api) -> None:
    meeting = seeded.record("meeting")
    seeded.record("call")
    seeded.record("statement")

    actor = seeded.get("/actors/andres-manuel-lopez-obrador").json()

    assert actor["entries"] == 3
    assert sorted(actor["co_actors"], key=lambda co: co["actor"]) == [
        {"actor": "antony-blinken", "entries": 1},
        {"actor": "joe-biden", "entries": 1},
    ]
    seeded.post(
        f"/entries/{meeting['id']}/retractions", {"expected_version": 1, "reason": "duplicate"}
    )
    actor = seeded.get("/actors/andres-manuel-lopez-obrador").json()
    assert actor["entries"] == 2
    assert actor["co_actors"] == [{"actor": "joe-biden", "entries": 1}]


def test_an_actor_history_is_in_occurred_order_with_the_actors_role(seeded: Api) -> None:
    meeting = seeded.record("meeting")  # 2023-12-27
    call = seeded.record("call")  # 2023-12-18/2023-12-22
    statement = seeded.record("statement")  # 2023-12-21~
    seeded.record("statistic")  # not López Obrador's

    response = seeded.get("/actors/andres-manuel-lopez-obrador/history")

    assert response.status_code == 200
    page = response.json()
    assert [(e["id"], e["role"]) for e in page["items"]] == [
        (call["id"], "participant"),
        (statement["id"], "speaker"),
        (meeting["id"], "participant"),
    ]
    assert page["as_of"]["position"] == int(response.headers["Log-Position"])
    backwards = seeded.get("/actors/andres-manuel-lopez-obrador/history", order="desc").json()
    assert [e["id"] for e in backwards["items"]] == [meeting["id"], statement["id"], call["id"]]
    first = seeded.get("/actors/andres-manuel-lopez-obrador/history", limit=2).json()
    rest = seeded.get(
        "/actors/andres-manuel-lopez-obrador/history", limit=2, cursor=first["next_cursor"]
    ).json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in page["items"]]
    assert rest["next_cursor"] is None


def test_a_source_is_registered_with_201_and_read_back(api: Api) -> None:
    response = api.post(
        "/sources",
        {
            "title": "Biden and López Obrador speak",
            "publisher": "CBS News",
            "url": "https://www.cbsnews.com/news/example",
            "published": "2023-12-28",
        },
    )

    assert response.status_code == 201
    source = response.json()
    assert source["id"] == "biden-and-lopez-obrador-speak"
    assert response.headers["Log-Position"] == "1"
    read = api.get(f"/sources/{source['id']}", min_position=response.headers["Log-Position"])
    assert read.status_code == 200
    assert read.json() == {**source, "entries": 0}
    assert int(read.headers["Log-Position"]) >= 1


def test_a_taken_source_id_is_a_409_and_an_unknown_one_a_404(seeded: Api) -> None:
    head = seeded.head()

    taken = seeded.post(
        "/sources", {"id": "cbs-2023-12-28", "title": "Another", "publisher": "AP"}
    )
    unknown = seeded.get("/sources/no-such-source")

    problem_of(taken, 409)
    problem_of(unknown, 404)
    assert seeded.head() == head
