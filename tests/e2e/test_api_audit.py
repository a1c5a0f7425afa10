"""The auditors' routes: the raw log, a replay compared view by view, verify and proofs."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import orjson
import pytest

from projections import ReadModels
from projections.audit.proofs import ConsistencyProof, InclusionProof
from projections.views.packing import unpack
from tests.e2e.conftest import BASE, Api, problem_of


def _auditor(api: Api) -> dict[str, str]:
    token = api.app.state.tokens.create("auditor", ["audit"])
    return {"Authorization": f"Bearer {token}"}


def _read_models(api: Api) -> ReadModels:
    read_models: ReadModels = api.app.state.read_models
    return read_models


@pytest.fixture
def auditor(seeded: Api) -> dict[str, str]:
    return _auditor(seeded)


def test_the_log_lists_every_stored_event_in_order_with_its_leaf_hash(
    seeded: Api, auditor: dict[str, str]
) -> None:
    entry = seeded.record(title="Talks in Mexico City")
    seeded.wait(entry["position"])
    response = seeded.client.get(f"{BASE}/log", params={"limit": 1000}, headers=auditor)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    positions = [item["position"] for item in items]
    assert positions == sorted(positions)
    assert positions[-1] == entry["position"] == int(response.headers["Log-Position"])
    last = items[-1]
    assert last["originator_id"].replace("-", "") == entry["id"].replace("-", "")
    assert last["originator_version"] == 1
    assert last["topic"] == "domain.entries:Meeting.Recorded"
    assert last["state"]["title"] == "Talks in Mexico City"
    assert response.json()["next_after"] is None
    hashes = [item["hash"] for item in items]
    assert all(isinstance(h, str) and len(h) == 64 for h in hashes)
    assert len(set(hashes)) == len(hashes)


def test_the_log_pages_with_next_after(seeded: Api, auditor: dict[str, str]) -> None:
    seeded.wait(seeded.record()["position"])
    seen: list[int] = []
    after: int | None = 0
    while after is not None:
        page = seeded.client.get(
            f"{BASE}/log", params={"after": after, "limit": 2}, headers=auditor
        ).json()
        assert len(page["items"]) <= 2
        seen += [item["position"] for item in page["items"]]
        after = page["next_after"]
    assert seen == list(range(seen[0], seen[0] + len(seen)))
    assert seen[-1] == seeded.head()


def test_the_log_needs_the_audit_scope(seeded: Api) -> None:
    assert seeded.get("/log").status_code == 401
    refused = seeded.client.get(f"{BASE}/log", headers=seeded.auth)
    assert "lacks the scope 'audit'" in problem_of(refused, 403)["detail"]


def test_the_log_refuses_a_start_beyond_its_end(local_seeded: Api) -> None:
    auditor = _auditor(local_seeded)
    head = local_seeded.head()
    response = local_seeded.client.get(f"{BASE}/log", params={"after": head + 1}, headers=auditor)
    assert problem_of(response, 422)["errors"][0]["loc"] == ["query", "after"]


def test_a_replay_rebuilds_every_view_and_finds_them_equal(
    seeded: Api, auditor: dict[str, str]
) -> None:
    entry = seeded.record()
    seeded.post(
        f"/entries/{entry['id']}/corrections",
        {"expected_version": 1, "changes": {"title": "Renamed"}, "reason": "typo"},
    )
    response = seeded.client.post(f"{BASE}/audit/replay", headers=auditor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True
    assert report["position"] == seeded.head()
    names = {view["name"] for view in report["views"]}
    assert names == {
        "timeline",
        "entry_history",
        "actors",
        "actor_versions",
        "co_actors",
        "references",
    }
    for view in report["views"]:
        assert view["equal"] is True
        assert view["live"] == view["rebuilt"]
        assert len(view["live"]) == 64


def test_a_replay_finds_a_view_that_went_wrong_and_mends_it(local_seeded: Api) -> None:
    auditor = _auditor(local_seeded)
    entry = local_seeded.record(title="The meeting")
    path = f"/entries/{entry['id']}"
    assert local_seeded.get(path).json()["title"] == "The meeting"
    read_models = _read_models(local_seeded)
    with read_models.db.write() as c:
        c.execute("SELECT body FROM timeline_entries WHERE entry_id = ?", (entry["id"],))
        row = c.fetchone()
        assert row is not None
        body: dict[str, Any] = orjson.loads(unpack(row[0]))
        body["title"] = "Something else"
        c.execute(
            "UPDATE timeline_entries SET body = ? WHERE entry_id = ?",
            (orjson.dumps(body), entry["id"]),
        )
    assert local_seeded.get(path).json()["title"] == "Something else"

    report = local_seeded.client.post(f"{BASE}/audit/replay", headers=auditor).json()

    assert report["ok"] is False
    unequal = [view["name"] for view in report["views"] if not view["equal"]]
    assert unequal == ["timeline"]
    assert local_seeded.get(path).json()["title"] == "The meeting"


def test_a_replay_needs_the_audit_scope(seeded: Api) -> None:
    assert seeded.client.post(f"{BASE}/audit/replay").status_code == 401
    problem_of(seeded.post("/audit/replay"), 403)


def _audit(api: Api, auditor: dict[str, str], path: str, **params: Any) -> dict[str, Any]:
    response = api.client.get(f"{BASE}/audit/{path}", params=params, headers=auditor)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_verify_finds_an_untouched_log_whole(seeded: Api, auditor: dict[str, str]) -> None:
    seeded.wait(seeded.record()["position"])
    head = seeded.head()
    report = _audit(seeded, auditor, "verify")
    assert report["ok"] is True
    assert report["checked"] == head
    assert report["head"]["position"] == head
    assert report["head"]["tree_size"] == head
    assert report["head"]["hash"] == _read_models(seeded).ledger.head().root
    assert report["unattested"] == 0
    assert "first_bad" not in report


def test_verify_names_the_position_of_a_changed_event(local_seeded: Api) -> None:
    auditor = _auditor(local_seeded)
    entry = local_seeded.record(title="Talks in Mexico City")
    local_seeded.record()
    with _read_models(local_seeded).db.write() as c:
        c.execute(
            "UPDATE stored_events SET state = "
            "CAST(replace(CAST(state AS TEXT), 'Mexico', 'Mexicx') AS BLOB) WHERE rowid = ?",
            (entry["position"],),
        )
    report = _audit(local_seeded, auditor, "verify")
    assert report["ok"] is False
    assert report["first_bad"]["position"] == entry["position"]
    assert report["first_bad"]["problem"] == "changed"
    assert report["checked"] == entry["position"] - 1


def test_an_inclusion_proof_checks_out_offline_and_fails_for_another_event(
    seeded: Api, auditor: dict[str, str]
) -> None:
    entry = seeded.record(title="Talks in Mexico City")
    seeded.wait(seeded.record()["position"])
    body = _audit(seeded, auditor, "proof", position=entry["position"])
    proof = InclusionProof.from_json(body)
    assert proof.verify()
    assert body["event"]["position"] == entry["position"]
    assert b"Talks in Mexico City" in base64.b64decode(body["event"]["state"])
    assert body["head"]["tree_size"] == seeded.head()
    forged = {**body, "event": {**body["event"], "state": base64.b64encode(b"{}").decode()}}
    with contextlib.suppress(ValueError):
        assert not InclusionProof.from_json(forged).verify()


def test_a_proof_against_an_earlier_head_still_holds_after_more_writes(
    seeded: Api, auditor: dict[str, str]
) -> None:
    entry = seeded.record()
    seeded.wait(entry["position"])
    then = _audit(seeded, auditor, "verify")["head"]
    seeded.wait(seeded.record()["position"])
    body = _audit(seeded, auditor, "proof", position=entry["position"], against=then["position"])
    assert body["head"]["root"] == then["hash"]
    assert InclusionProof.from_json(body).verify()


def test_a_consistency_proof_shows_the_log_only_grew(seeded: Api, auditor: dict[str, str]) -> None:
    seeded.wait(seeded.record()["position"])
    then = _audit(seeded, auditor, "verify")["head"]
    seeded.wait(seeded.record()["position"])
    body = _audit(seeded, auditor, "consistency", first=then["tree_size"])
    assert body["first"]["root"] == then["hash"]
    assert body["second"]["tree_size"] == seeded.head()
    assert ConsistencyProof.from_json(body).verify()


def test_proofs_refuse_what_is_not_there(local_seeded: Api) -> None:
    auditor = _auditor(local_seeded)
    head = local_seeded.head()

    def get(path: str, **params: Any) -> Any:
        return local_seeded.client.get(f"{BASE}/audit/{path}", params=params, headers=auditor)

    assert problem_of(get("proof", position=head + 5), 422)["errors"][0]["loc"] == [
        "query",
        "position",
    ]
    refused = problem_of(get("proof", position=head, against=1), 422)
    assert refused["errors"][0]["loc"] == ["query", "against"]
    too_far = problem_of(get("consistency", first=1, second=head + 1), 422)
    assert too_far["errors"][0]["loc"] == ["query", "second"]
    backwards = problem_of(get("consistency", first=3, second=2), 422)
    assert backwards["errors"][0]["loc"] == ["query", "first"]


def test_refused_proofs_say_what_is_wrong_in_the_query_s_own_words(local_seeded: Api) -> None:
    auditor = _auditor(local_seeded)
    head = local_seeded.head()

    def detail(path: str, **params: Any) -> str:
        response = local_seeded.client.get(f"{BASE}/audit/{path}", params=params, headers=auditor)
        return str(problem_of(response, 422)["detail"])

    assert detail("proof", position=head, against=1) == (
        f"query.against: the tree head at 1 is before position {head}; expected {head} or later"
    )
    assert detail("consistency", first=3, second=2) == (
        "query.first: 3 is after second, 2; expected first <= second"
    )
    assert detail("consistency", first=1, second=head + 1) == (
        f"query.second: {head + 1} is beyond the ledger's tree size, {head}"
    )
    assert detail("consistency", first=head + 1) == (
        f"query.first: {head + 1} is beyond the ledger's tree size, {head}"
    )


def test_the_audit_routes_need_the_audit_scope(seeded: Api) -> None:
    for path in ("verify", "proof?position=1", "receipt?position=1"):
        assert seeded.client.get(f"{BASE}/audit/{path}").status_code == 401
        problem_of(seeded.client.get(f"{BASE}/audit/{path}", headers=seeded.auth), 403)


def test_a_consistency_proof_is_open_to_a_witness_without_a_token(seeded: Api) -> None:
    answer = seeded.client.get(f"{BASE}/audit/consistency?first=1")
    assert answer.status_code == 200
    assert answer.json()["kind"] == "consistency"


def test_a_proof_of_a_row_altered_past_reading_is_a_conflict_not_a_crash(
    local_seeded: Api,
) -> None:
    auditor = _auditor(local_seeded)
    with _read_models(local_seeded).db.write() as c:
        c.execute("UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = 2")
    response = local_seeded.client.get(
        f"{BASE}/audit/proof", params={"position": 2}, headers=auditor
    )
    assert "changed outside the engine" in problem_of(response, 409)["detail"]


def test_the_log_names_a_row_altered_past_reading_with_a_409_and_pages_on_past_it(
    local_seeded: Api,
) -> None:
    auditor = _auditor(local_seeded)
    with _read_models(local_seeded).db.write() as c:
        c.execute("UPDATE stored_events SET state = x'ffff00' WHERE rowid = 3")
        c.execute("UPDATE stored_events SET originator_id = 'not-a-uuid' WHERE rowid = 5")

    def get(**params: Any) -> Any:
        return local_seeded.client.get(f"{BASE}/log", params=params, headers=auditor)

    for after, bad in ((0, 3), (2, 3), (3, 5), (4, 5)):
        detail = problem_of(get(after=after, limit=10), 409)["detail"]
        assert detail.startswith(f"the event at log position {bad} was changed outside the engine")
        assert f"after={bad} reads the log on past it" in detail
    before = get(after=0, limit=2)
    assert before.status_code == 200, before.text
    assert [item["position"] for item in before.json()["items"]] == [1, 2]
    assert before.json()["next_after"] == 2
    past = get(after=5, limit=2)
    assert past.status_code == 200, past.text
    assert [item["position"] for item in past.json()["items"]] == [6, 7]


def test_a_replay_over_a_row_altered_past_reading_is_a_conflict_and_keeps_the_views(
    local_seeded: Api,
) -> None:
    auditor = _auditor(local_seeded)
    local_seeded.wait(local_seeded.record("meeting")["position"])
    local_seeded.wait(local_seeded.record("call")["position"])
    timeline = local_seeded.client.get(f"{BASE}/timeline", headers=local_seeded.auth)
    assert timeline.status_code == 200, timeline.text
    with _read_models(local_seeded).db.write() as c:
        c.execute("UPDATE stored_events SET originator_id = 'not-a-uuid' WHERE rowid = 2")
    response = local_seeded.client.post(f"{BASE}/audit/replay", headers=auditor)
    detail = problem_of(response, 409)["detail"]
    assert detail.startswith("the views cannot be rebuilt: an event in the log was changed")
    # Another query than before, so no cached page answers it: the live views do.
    again = local_seeded.client.get(
        f"{BASE}/timeline", params={"order": "desc"}, headers=local_seeded.auth
    )
    assert again.json()["items"] == timeline.json()["items"][::-1] != []
