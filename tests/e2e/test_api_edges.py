"""Input at the edges of what JSON, Unicode and the calendar allow: each is a
4xx problem naming the field, never a 500, and nothing of it is stored."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.builders import body, details
from tests.e2e.conftest import BASE, Api, fields_named, problem_of


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"name": "Nul\u0000Actor", "kind": "person"}, ["name"]),
        ({"name": "Bell\u0007", "kind": "person"}, ["name"]),
        ({"name": "Ok", "kind": "person", "aliases": ["A\u001bB"]}, ["aliases", 0]),
    ],
)
def test_text_with_control_characters_is_refused(
    api: Api, sent: dict[str, Any], field: list[str | int]
) -> None:
    # PostgreSQL cannot store NUL: had it been accepted, its views would stop
    # at this event for good. Both backends refuse it the same way.
    head = api.head()

    assert fields_named(problem_of(api.post("/actors", sent), 422)) == [field]
    assert api.head() == head


def test_tabs_and_line_breaks_are_ordinary_text(local_api: Api) -> None:
    created = local_api.created(
        "/actors", {"name": "Two\tParts", "kind": "person", "aliases": ["Line\nBreak"]}
    )
    assert (created["name"], created["aliases"]) == ("Two\tParts", ["Line\nBreak"])


@pytest.mark.parametrize("path", ["/timeline", "/actors", "/actors/joe-biden"])
@pytest.mark.parametrize("position", ["\u00b2", "\u0661", "-1", "1e3"])
def test_a_min_position_that_is_not_ascii_digits_is_a_422(
    local_api: Api, path: str, position: str
) -> None:
    response = local_api.get(path, min_position=position)

    assert fields_named(problem_of(response, 422)) == [["min_position"]]


@pytest.mark.parametrize("path", ["/timeline", "/entries/{entry}", "/actors/joe-biden/history"])
def test_an_as_of_in_other_digits_is_a_422_not_a_position(local_seeded: Api, path: str) -> None:
    local_api = local_seeded
    path = path.format(entry=local_api.record("call")["id"])
    for as_of in ("\u00b2", "\u0661", "\uff12\uff10\uff12\uff13"):
        response = local_api.get(path, as_of=as_of)
        assert fields_named(problem_of(response, 422)) == [["as_of"]], as_of


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def _first_cursor(api: Api) -> list[Any]:
    for kind in ("meeting", "call", "statement"):
        api.record(kind)
    page = api.get("/timeline", limit=1).json()
    cursor = page["next_cursor"]
    decoded: list[Any] = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return decoded


def test_a_cursor_from_a_position_the_log_has_not_reached_is_a_422_and_not_kept(
    local_seeded: Api,
) -> None:
    api = local_seeded
    position, *rest = _first_cursor(api)
    ahead = _cursor([position + 1, *rest])

    early = api.get("/timeline", limit=1, cursor=ahead)
    assert fields_named(problem_of(early, 422)) == [["cursor"]]
    # The record reaches that position; the page then holds what it holds there.
    late_entry = api.record("statistic", occurred="1999-01-01")
    assert late_entry["position"] == position + 1
    page = api.get("/timeline", limit=1, cursor=ahead)
    assert page.status_code == 200
    assert page.json()["as_of"]["position"] == position + 1


@pytest.mark.parametrize(
    "change",
    [
        lambda c: [True, *c[1:]],
        lambda c: [c[0], c[1], 2**63, *c[3:]],
        lambda c: [c[0], c[1], c[2], -1, c[4]],
        lambda c: [c[0], 7, *c[2:]],
    ],
)
def test_a_tampered_cursor_is_a_422_naming_cursor(local_seeded: Api, change: Any) -> None:
    tampered = _cursor(change(_first_cursor(local_seeded)))

    response = local_seeded.get("/timeline", limit=1, cursor=tampered)

    assert fields_named(problem_of(response, 422)) == [["cursor"]]


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        (details("meeting", duration_minutes=10**30), ["details", "duration_minutes"]),
        (details("meeting", duration_minutes=2**53), ["details", "duration_minutes"]),
        (details("statistic", value=-(10**20)), ["details", "value"]),
    ],
)
def test_whole_numbers_past_what_json_readers_hold_are_refused(
    local_seeded: Api, sent: dict[str, Any], field: list[str]
) -> None:
    head = local_seeded.head()

    response = local_seeded.post("/entries", sent)

    assert field in fields_named(problem_of(response, 422))
    assert local_seeded.head() == head


def test_an_expected_version_past_64_bits_is_a_422(local_seeded: Api) -> None:
    entry = local_seeded.record("call")
    sent = {"expected_version": 10**30, "changes": {"title": "T"}, "reason": "r"}

    response = local_seeded.post(f"/entries/{entry['id']}/corrections", sent)

    assert fields_named(problem_of(response, 422)) == [["expected_version"]]


@pytest.mark.parametrize(
    "occurred", ["9999-12-31~", "0001-01-01~", "9999-12~", "\uff12\uff10\uff12\uff13-\uff11\uff12"]
)
def test_dates_past_the_calendar_or_in_other_digits_are_refused(
    local_seeded: Api, occurred: str
) -> None:
    head = local_seeded.head()

    recorded = local_seeded.post("/entries", body("call", occurred=occurred))
    filtered = local_seeded.client.get(f"{BASE}/timeline", params={"to": occurred})

    assert fields_named(problem_of(recorded, 422)) == [["occurred"]]
    assert fields_named(problem_of(filtered, 422)) == [["to"]]
    assert local_seeded.head() == head
