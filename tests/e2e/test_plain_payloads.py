"""The log and the stream show plain JSON, not the store's type tags, and the log's
hashes still prove the events as stored."""

from __future__ import annotations

from typing import Any

import orjson

from projections.audit.proofs import leaf_of_state_hash, topic_field, uuid_bytes
from tests.e2e.conftest import BASE, Api


def _tagged(value: Any) -> bool:
    return b'"_type_"' in orjson.dumps(value)


def _log(api: Api) -> list[dict[str, Any]]:
    token = api.app.state.tokens.create("auditor", ["audit"])
    response = api.client.get(
        f"{BASE}/log", params={"limit": 1000}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_log_items_carry_plain_states_with_times_as_iso_text(seeded: Api) -> None:
    entry = seeded.record(occurred="2023-12-27")
    seeded.wait(entry["position"])
    items = _log(seeded)
    assert not any(_tagged(item) for item in items)
    last = items[-1]
    assert last["state"]["timestamp"] == last["recorded_at"]
    assert last["state"]["occurred"] == {
        "text": "2023-12-27",
        "start": "2023-12-27",
        "end": "2023-12-27",
    }


def test_a_log_item_s_leaf_hash_is_recomputed_from_its_fields_and_state_sha256(
    seeded: Api,
) -> None:
    seeded.wait(seeded.record()["position"])
    for item in _log(seeded):
        leaf = leaf_of_state_hash(
            item["position"],
            uuid_bytes(item["originator_id"]),
            item["originator_version"],
            topic_field(item["topic"]),
            bytes.fromhex(item["state_sha256"]),
        )
        assert leaf.hex() == item["hash"]


def test_stream_messages_carry_plain_states(seeded: Api) -> None:
    entry = seeded.record()
    head = entry["position"]
    with seeded.client.stream("GET", f"{BASE}/stream", params={"after": 0, "limit": head}) as s:
        text = "".join(s.iter_text())
    data = [orjson.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert [item["position"] for item in data] == list(range(1, head + 1))
    assert '"_type_"' not in text
    assert data[-1]["state"]["timestamp"] == data[-1]["recorded_at"]


def test_an_entry_s_history_carries_no_type_tags(seeded: Api) -> None:
    entry = seeded.record()
    corrected = seeded.post(
        f"/entries/{entry['id']}/corrections",
        {"expected_version": 1, "changes": {"occurred": "2023-12~"}, "reason": "coarser"},
    )
    assert corrected.status_code == 200, corrected.text
    history = seeded.get(f"/entries/{entry['id']}/history").json()["items"]
    assert not _tagged(history)
    assert history[-1]["changes"] == {"occurred": "2023-12~"}
