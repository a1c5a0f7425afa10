"""`GET /api/v1/dates/resolve` and the `/dates` page read without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.conftest import Api, fields_named, problem_of

REFERENCE = "2023-12-28"  # the seed report's publication, a Thursday


def test_last_week_resolves_to_the_iso_week_before_the_reference(local_api: Api) -> None:
    response = local_api.get("/dates/resolve", phrase="last week", reference=REFERENCE)
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["edtf"] == "2023-12-18/2023-12-24"
    assert (found["start"], found["end"]) == ("2023-12-18", "2023-12-24")
    assert (found["phrase"], found["reference"]) == ("last week", REFERENCE)
    assert "2023-12-28" in found["basis"]
    assert "Log-Position" in response.headers


@pytest.mark.parametrize(
    ("phrase", "edtf", "start", "end"),
    [
        ("Wednesday", "2023-12-27", "2023-12-27", "2023-12-27"),
        ("this month", "2023-12", "2023-12-01", "2023-12-31"),
        ("2023-11-30", "2023-11-30", "2023-11-30", "2023-11-30"),
    ],
)
def test_seed_phrases_resolve_with_their_bounds(
    local_api: Api, phrase: str, edtf: str, start: str, end: str
) -> None:
    found = local_api.get("/dates/resolve", phrase=phrase, reference=REFERENCE).json()
    assert (found["edtf"], found["start"], found["end"]) == (edtf, start, end)


def test_an_unknown_phrase_is_a_422_naming_phrase_with_the_phrases_accepted(
    local_api: Api,
) -> None:
    response = local_api.get("/dates/resolve", phrase="the other day", reference=REFERENCE)
    problem = problem_of(response, 422)
    assert fields_named(problem) == [["phrase"]]
    assert "last week" in problem["errors"][0]["msg"]
    assert "reference date" in problem["errors"][0]["msg"]


@pytest.mark.parametrize("reference", ["28/12/2023", "2023-13-01", ""])
def test_a_reference_that_is_not_a_day_is_a_422_naming_reference(
    local_api: Api, reference: str
) -> None:
    response = local_api.get("/dates/resolve", phrase="last week", reference=reference)
    assert fields_named(problem_of(response, 422)) == [["reference"]]


def test_a_phrase_at_the_calendars_edge_is_refused_not_a_500(local_api: Api) -> None:
    response = local_api.get("/dates/resolve", phrase="last week", reference="0001-01-01")
    assert fields_named(problem_of(response, 422)) == [["reference"]]


def test_the_dates_page_resolves_its_form_without_javascript(local_api: Api) -> None:
    response = local_api.client.get(
        "/dates", params={"phrase": "last week", "phrase_reference": REFERENCE}
    )
    assert response.status_code == 200, response.text
    assert "2023-12-18/2023-12-24" in response.text
    assert "between 18 December 2023 and 24 December 2023" in response.text
    assert "<script>" not in response.text  # the CSP forbids inline scripts


def test_the_dates_page_says_why_a_phrase_is_refused(local_api: Api) -> None:
    response = local_api.client.get(
        "/dates", params={"phrase": "the other day", "phrase_reference": REFERENCE}
    )
    assert response.status_code == 422
    assert "phrase:" in response.text
    assert "last week" in response.text


def test_a_phrase_without_a_reference_is_refused_on_the_page(local_api: Api) -> None:
    response = local_api.client.get("/dates", params={"phrase": "last week"})
    assert response.status_code == 422
    assert "needs the reference date" in response.text


def test_while_reads_are_protected_resolving_needs_a_read_token(
    serve: Callable[..., Api],
) -> None:
    api = serve(protect_reads=True)
    refused = api.get("/dates/resolve", phrase="last week", reference=REFERENCE)
    assert refused.status_code == 401
    answered = api.get("/dates/resolve", api.auth, phrase="last week", reference=REFERENCE)
    assert answered.json()["edtf"] == "2023-12-18/2023-12-24"
