"""The entry form's fields read back and forth, and the sign-in limit, without a server."""

# Names in Cyrillic are the point here; ruff would take their letters for Latin look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

import pytest

from api.web.forms import entry_body, form_values, inputs, rows
from api.web.forms_pickers import resolve_actors, suggestions
from api.web.sign_in_limit import SignInLimit
from domain.details import KINDS
from domain.values import search_key
from tests.builders import body

ACTORS: list[dict[str, Any]] = [
    {"id": "volodymyr-zelenskyi", "name": "Володимир Зеленський", "aliases": ["Zelensky"]},
    {"id": "soren-kierkegaard", "name": "Søren Kierkegaard", "aliases": []},
    {"id": "joe-biden", "name": "Joe Biden", "aliases": []},
    {"id": "joe-manchin", "name": "Joe Manchin", "aliases": []},
]


def lookup(text: str) -> list[dict[str, Any]]:
    """A stand-in for the actor search: the actors whose id or name holds the text."""
    key = search_key(text)
    return [
        a
        for a in ACTORS
        if key in search_key(a["id"])
        or any(key in search_key(n) for n in [a["name"], *a["aliases"]])
    ]


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_entry_read_into_the_form_makes_the_same_body_again(kind: str) -> None:
    entry = body(kind)
    made = entry_body(kind, form_values(entry))
    for name in ("title", "summary", "occurred", "actors", "topics", "details", "sources"):
        assert made[name] == entry[name], name


def test_a_form_shows_a_row_for_each_actor_it_holds_and_a_blank_one() -> None:
    entry = body("meeting", actors=[{"actor": f"a-{i}", "role": "participant"} for i in range(5)])
    values = form_values(entry)
    assert rows(values, "actors.", 3) == 6
    assert len(entry_body("meeting", values)["actors"]) == 5
    assert rows({}, "actors.", 3) == 3


def test_a_negotiation_form_offers_a_row_for_each_position_and_one_more() -> None:
    positions = [{"actor": "congress", "position": f"view {i}"} for i in range(4)]
    entry = body("congressional_negotiation")
    entry["details"]["positions"] = positions
    values = form_values(entry)
    (field,) = [i for i in inputs("congressional_negotiation", values) if i.name.endswith("ions")]
    assert len(field.parts) == 5 * 2
    assert entry_body("congressional_negotiation", values)["details"]["positions"] == positions


def test_a_posted_row_index_past_the_bound_is_ignored() -> None:
    assert rows({"actors.100000.actor": "x"}, "actors.", 3) == 3


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Зеленський", "volodymyr-zelenskyi"),
        ("zelensky", "volodymyr-zelenskyi"),
        ("Soren Kierkegaard", "soren-kierkegaard"),
        ("joe-biden", "joe-biden"),
        ("Joe", "Joe"),  # two actors: left as typed, for the domain to refuse
        ("nobody", "nobody"),
    ],
)
def test_a_name_typed_in_an_actor_input_becomes_the_id_of_the_one_actor_it_names(
    typed: str, expected: str
) -> None:
    form = {"actors.0.actor": typed}
    assert resolve_actors(form, ["actors.0.actor"], lookup)["actors.0.actor"] == expected


def test_a_one_a_line_actor_input_is_read_line_by_line() -> None:
    form = {"details.participants": "Joe Biden\nЗеленський\n"}
    resolved = resolve_actors(form, ["details.participants"], lookup)
    assert resolved["details.participants"] == "joe-biden\nvolodymyr-zelenskyi"


def test_an_ambiguous_name_is_answered_with_the_actors_it_may_mean() -> None:
    assert suggestions("Joe", lookup) == (
        " Did you mean: joe-biden (Joe Biden), joe-manchin (Joe Manchin)?"
    )
    assert suggestions("nobody", lookup) == ""


def test_five_failed_sign_ins_a_minute_make_a_client_wait() -> None:
    limit = SignInLimit(failures=5, window=60)
    for second in range(5):
        assert limit.retry_after("10.0.0.1", now=float(second)) is None
        limit.failed("10.0.0.1", now=float(second))
    assert limit.retry_after("10.0.0.1", now=10.0) == 50
    assert limit.retry_after("10.0.0.2", now=10.0) is None
    # A minute after the first failure, one more try is allowed.
    assert limit.retry_after("10.0.0.1", now=60.5) is None


def test_a_sign_in_limit_remembers_a_bounded_number_of_clients() -> None:
    limit = SignInLimit(failures=2, window=60, clients=100)
    for n in range(1000):
        limit.failed(f"client-{n}", now=1.0)
        limit.failed(f"client-{n}", now=1.0)
    assert len(limit) == 100
    assert limit.retry_after("client-999", now=2.0) == 59
    assert limit.retry_after("client-0", now=2.0) is None


def test_a_success_forgets_the_clients_failures() -> None:
    limit = SignInLimit(failures=1, window=60)
    limit.failed("c", now=0.0)
    assert limit.retry_after("c", now=1.0) == 59
    limit.succeeded("c")
    assert limit.retry_after("c", now=1.0) is None
