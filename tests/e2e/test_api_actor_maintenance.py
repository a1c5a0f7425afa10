"""Keeping actors up to date through the HTTP API: renames, aliases, roles, merges, versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import body
from tests.e2e.conftest import BASE, Api, fields_named, problem_of

MAYORKAS = "alejandro-mayorkas"
AMLO = "andres-manuel-lopez-obrador"


def changed(api: Api, path: str, json: Any, **kwargs: Any) -> dict[str, Any]:
    """POST a change to an existing actor and return the body of its 200."""
    response = api.post(path, json, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Log-Position"] == str(response.json()["position"])
    result: dict[str, Any] = response.json()
    return result


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_a_rename_changes_the_name_and_keeps_the_old_one_as_an_alias(seeded: Api) -> None:
    actor = changed(
        seeded,
        f"/actors/{MAYORKAS}/renames",
        {"name": "Alejandro N. Mayorkas", "reason": "his full name"},
    )

    assert actor["name"] == "Alejandro N. Mayorkas"
    assert actor["aliases"] == ["Mayorkas", "Alejandro Mayorkas"]
    assert actor["version"] == 2
    seeded.wait(actor["position"])
    assert seeded.get(f"/actors/{MAYORKAS}").json()["name"] == "Alejandro N. Mayorkas"
    found = seeded.get("/actors", q="alejandro mayorkas").json()
    assert [a["id"] for a in found["items"]] == [MAYORKAS]
    versions = seeded.get(f"/actors/{MAYORKAS}/versions").json()["items"]
    assert [(v["version"], v["event"], v["reason"]) for v in versions] == [
        (1, "registered", None),
        (2, "renamed", "his full name"),
    ]
    assert versions[0]["changes"]["name"] == "Alejandro Mayorkas"
    assert versions[1]["changes"] == {
        "name": "Alejandro N. Mayorkas",
        "aliases": ["Alejandro Mayorkas"],
    }
    assert versions[1]["by"] == "reporter"
    assert versions[1]["position"] == actor["position"]


def test_an_alias_a_role_and_the_role_s_end_are_recorded_in_turn(seeded: Api) -> None:
    path = f"/actors/{MAYORKAS}"
    changed(seeded, f"{path}/aliases", {"alias": "Secretario Mayorkas"})
    role = {"title": "Secretary of Homeland Security", "organization": "DHS", "start": "2021-02"}
    changed(seeded, f"{path}/roles", role)
    actor = changed(
        seeded,
        f"{path}/role-ends",
        {"title": "Secretary of Homeland Security", "end": "2025-01-20"},
    )

    assert actor["aliases"] == ["Mayorkas", "Secretario Mayorkas"]
    assert actor["roles"] == [{**role, "end": "2025-01-20"}]
    assert actor["version"] == 4
    seeded.wait(actor["position"])
    assert seeded.get(path).json()["roles"] == actor["roles"]
    events = [v["event"] for v in seeded.get(f"{path}/versions").json()["items"]]
    assert events == ["registered", "alias_added", "role_assumed", "role_ended"]


def test_a_retry_with_the_same_key_answers_as_the_first_time_and_stores_nothing(
    seeded: Api,
) -> None:
    path = f"/actors/{MAYORKAS}/aliases"
    first = seeded.post(path, {"alias": "DHS Secretary"}, key="alias-1")
    changed(seeded, f"/actors/{MAYORKAS}/renames", {"name": "A. N. Mayorkas"})
    head = seeded.head()

    again = seeded.post(path, {"alias": "DHS Secretary"}, key="alias-1")

    assert again.status_code == 200
    assert again.content == first.content
    assert seeded.head() == head
    other = seeded.post(path, {"alias": "Someone else"}, key="alias-1")
    assert fields_named(problem_of(other, 422)) == [["Idempotency-Key"]]


@pytest.mark.parametrize(
    ("path", "json"),
    [
        ("renames", {"name": "Nobody"}),
        ("aliases", {"alias": "Nobody"}),
        ("roles", {"title": "Mayor", "start": "2020"}),
        ("role-ends", {"title": "Mayor", "end": "2020"}),
        ("merges", {"into": MAYORKAS, "reason": "a duplicate"}),
    ],
)
def test_a_change_to_an_unknown_actor_is_404(local_seeded: Api, path: str, json: Any) -> None:
    problem_of(local_seeded.post(f"/actors/nobody-at-all/{path}", json), 404)


def test_the_versions_of_an_unknown_actor_are_404(local_seeded: Api) -> None:
    problem_of(local_seeded.get("/actors/nobody-at-all/versions"), 404)


def test_changes_that_do_not_fit_the_actor_are_409(seeded: Api) -> None:
    dup = {"id": "a-mayorkas", "name": "A. Mayorkas", "kind": "person"}
    seeded.created("/actors", dup)
    itself = seeded.post("/actors/a-mayorkas/merges", {"into": "a-mayorkas", "reason": "x"})
    assert "itself" in problem_of(itself, 409)["detail"]
    unheld = seeded.post("/actors/a-mayorkas/role-ends", {"title": "Mayor", "end": "2020"})
    assert "no open role 'Mayor'" in problem_of(unheld, 409)["detail"]
    changed(seeded, "/actors/a-mayorkas/merges", {"into": MAYORKAS, "reason": "a duplicate"})

    into_merged = seeded.post("/actors/joe-biden/merges", {"into": "a-mayorkas", "reason": "x"})
    assert f"merge into '{MAYORKAS}' instead" in problem_of(into_merged, 409)["detail"]
    of_merged = seeded.post("/actors/a-mayorkas/aliases", {"alias": "Another"})
    assert "was merged into" in problem_of(of_merged, 409)["detail"]
    stale = seeded.post(f"/actors/{MAYORKAS}/aliases", {"alias": "Another", "expected_version": 7})
    assert "not 7" in problem_of(stale, 409)["detail"]


@pytest.mark.parametrize(
    ("path", "json", "field"),
    [
        ("renames", {"name": " "}, ["name"]),
        ("renames", {"name": "Alejandro Mayorkas"}, ["name"]),  # the name it has
        ("renames", {"name": "X", "why": "y"}, ["why"]),
        ("aliases", {"alias": "mayorkas"}, ["alias"]),  # held already, whatever the case
        ("roles", {"title": "Mayor"}, ["start"]),
        ("roles", {"title": "Mayor", "start": "2021-13-45"}, ["start"]),
        ("roles", {"title": "Mayor", "start": "2021", "end": "2020"}, ["end"]),
        ("role-ends", {"title": "Mayor", "end": "someday"}, ["end"]),
        ("merges", {"into": "Not A Slug", "reason": "x"}, ["into"]),
        ("merges", {"into": "joe-biden"}, ["reason"]),
        ("merges", {"into": "nobody-at-all", "reason": "x"}, ["into"]),
    ],
)
def test_bad_values_are_422_naming_the_field(
    local_seeded: Api, path: str, json: Any, field: list[str]
) -> None:
    response = local_seeded.post(f"/actors/{MAYORKAS}/{path}", json)
    assert fields_named(problem_of(response, 422)) == [field]


def test_changing_an_actor_needs_a_token_with_scope_write(local_seeded: Api) -> None:
    response = local_seeded.client.post(
        f"{BASE}/actors/{MAYORKAS}/aliases", json={"alias": "Someone"}
    )
    problem_of(response, 401)


def test_a_merge_folds_the_duplicate_s_entries_into_the_survivor_from_then_on(
    seeded: Api,
) -> None:
    seeded.created("/actors", {"id": "amlo-dup", "name": "A. M. López Obrador", "kind": "person"})
    # Blinken meets the survivor; Mayorkas meets the duplicate; the call names both.
    met = seeded.record("meeting")
    dup_meeting = body("meeting", title="Mayorkas meets AMLO")
    dup_meeting["actors"] = []
    dup_meeting["details"]["participants"] = [MAYORKAS, "amlo-dup"]
    by_dup = seeded.created("/entries", dup_meeting)
    both = body("call")
    both["details"]["participants"] = ["joe-biden", AMLO, "amlo-dup"]
    called = seeded.created("/entries", both)
    before = called["position"]

    merged = changed(
        seeded, "/actors/amlo-dup/merges", {"into": AMLO, "reason": "the same person"}
    )
    seeded.wait(merged["position"])

    assert merged["merged_into"] == AMLO
    assert seeded.get("/actors/amlo-dup").json()["merged_into"] == AMLO

    def history(actor: str, **params: Any) -> list[str]:
        response = seeded.get(f"/actors/{actor}/history", **params)
        assert response.status_code == 200, response.text
        return ids(response.json())

    def timeline(actor: str, **params: Any) -> list[str]:
        return ids(seeded.get("/timeline", actor=actor, **params).json())

    every = [called["id"], met["id"], by_dup["id"]]  # in occurred order
    assert history(AMLO, as_of=before) == [called["id"], met["id"]]
    assert history(AMLO) == every  # the call, naming both, once
    assert history(AMLO, as_of=merged["position"]) == every
    assert timeline(AMLO, as_of=before) == [called["id"], met["id"]]
    assert timeline(AMLO) == every
    assert timeline(AMLO, order="desc") == every[::-1]
    assert timeline(AMLO, topic="border-security") == [met["id"], by_dup["id"]]
    roles = [item["role"] for item in seeded.get(f"/actors/{AMLO}/history").json()["items"]]
    assert roles == ["participant"] * 3
    # Two at a time: the cursor holds the merge's moment.
    first = seeded.get(f"/actors/{AMLO}/history", limit=2).json()
    rest = seeded.get(f"/actors/{AMLO}/history", limit=2, cursor=first["next_cursor"]).json()
    assert ids(first) + ids(rest) == every

    page = seeded.get(f"/actors/{AMLO}").json()
    assert page["entries"] == 3
    assert sorted((c["actor"], c["entries"]) for c in page["co_actors"]) == [
        (MAYORKAS, 1),
        ("antony-blinken", 1),
        ("joe-biden", 1),
    ]
    # Others see the survivor where they saw the duplicate.
    mayorkas = seeded.get(f"/actors/{MAYORKAS}").json()
    assert mayorkas["co_actors"] == [{"actor": AMLO, "entries": 1}]
    biden = seeded.get("/actors/joe-biden").json()
    assert biden["co_actors"] == [{"actor": AMLO, "entries": 1}]


def test_a_chain_of_merges_folds_into_the_last_survivor(seeded: Api) -> None:
    for slug in ("amlo-one", "amlo-two"):
        seeded.created("/actors", {"id": slug, "name": slug, "kind": "person"})
    entries = []
    for i, slug in enumerate(("amlo-one", "amlo-two", AMLO)):
        entry = body("call", occurred=f"2023-12-0{i + 1}")
        entry["details"]["participants"] = ["joe-biden", slug]
        entries.append(seeded.created("/entries", entry)["id"])
    one = changed(seeded, "/actors/amlo-one/merges", {"into": "amlo-two", "reason": "same"})
    two = changed(seeded, "/actors/amlo-two/merges", {"into": AMLO, "reason": "same"})
    seeded.wait(two["position"])

    def history(actor: str, as_of: int) -> list[str]:
        return ids(seeded.get(f"/actors/{actor}/history", as_of=as_of).json())

    assert history(AMLO, one["position"]) == entries[2:]
    assert history("amlo-two", one["position"]) == entries[:2]
    assert history(AMLO, two["position"]) == entries
    assert seeded.get("/actors/joe-biden").json()["co_actors"] == [{"actor": AMLO, "entries": 3}]


def test_the_page_of_a_merged_actor_says_so_and_links_to_the_survivor(
    local_seeded: Api,
) -> None:
    local_seeded.created("/actors", {"id": "amlo-dup", "name": "AMLO dup", "kind": "person"})
    changed(local_seeded, "/actors/amlo-dup/merges", {"into": AMLO, "reason": "duplicate"})

    page = local_seeded.client.get("/actors/amlo-dup")

    assert page.status_code == 200
    assert "Merged into" in page.text
    assert f'href="/actors/{AMLO}"' in page.text
    assert "Andrés Manuel López Obrador" in page.text
