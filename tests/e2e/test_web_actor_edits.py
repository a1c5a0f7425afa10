"""Keeping an actor up to date from the browser's forms, over HTTP."""

from __future__ import annotations

import re

from tests.e2e.conftest import Api
from tests.e2e.test_web_sessions import csrf_of, sign_in, token


def signed_in(api: Api) -> str:
    sign_in(api.client, token(api, "ana", ["read", "write"]))
    page = api.client.get("/actors/antony-blinken/edit")
    assert page.status_code == 200, page.text
    ids = re.findall(r' id="([^"]+)"', page.text)
    assert len(ids) == len(set(ids)), "each label points at one input"
    return csrf_of(page.text)


def test_the_actor_forms_rename_alias_and_give_a_role(local_seeded: Api) -> None:
    client = local_seeded.client
    csrf = signed_in(local_seeded)
    version = local_seeded.get("/actors/antony-blinken").json()["version"]
    for action, fields in [
        ("rename", {"name": "Antony J. Blinken", "reason": "full name"}),
        ("alias", {"alias": "Tony Blinken"}),
        ("role", {"title": "Secretary of State", "start": "2021-01-26"}),
    ]:
        response = client.post(
            f"/actors/antony-blinken/edit/{action}",
            data={"csrf_token": csrf, "expected_version": str(version), **fields},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        version += 1
    actor = local_seeded.get("/actors/antony-blinken").json()
    assert actor["name"] == "Antony J. Blinken"
    assert "Tony Blinken" in actor["aliases"]
    assert actor["roles"][-1]["title"] == "Secretary of State"


def test_a_stale_version_shows_the_actor_now_and_keeps_the_typed_text(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    csrf = signed_in(local_seeded)
    version = local_seeded.get("/actors/antony-blinken").json()["version"]
    local_seeded.post("/actors/antony-blinken/aliases", {"alias": "Secretary Blinken"})
    response = client.post(
        "/actors/antony-blinken/edit/rename",
        data={"csrf_token": csrf, "expected_version": str(version), "name": "A. Blinken"},
    )
    assert response.status_code == 409
    assert "Secretary Blinken" in response.text  # what changed meanwhile
    assert 'value="A. Blinken"' in response.text
    assert f'name="expected_version" value="{version + 1}"' in response.text


def test_a_refused_merge_says_why_beside_its_form(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    response = local_seeded.client.post(
        "/actors/antony-blinken/edit/merge",
        data={"csrf_token": csrf, "into": "antony-blinken", "reason": "dup"},
    )
    assert response.status_code in (409, 422)
    assert 'id="e-merge"' in response.text


def test_a_merge_into_no_one_is_refused_beside_the_field_with_guesses(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    response = local_seeded.client.post(
        "/actors/antony-blinken/edit/merge",
        data={"csrf_token": csrf, "into": "Obrador Lopez", "reason": "dup"},
    )
    assert response.status_code == 422
    assert re.search(r'id="f-merge-into"[^>]*aria-invalid="true"', response.text)
    assert '<p class="field-error" id="e-into">' in response.text
    assert 'value="Obrador Lopez"' in response.text


def test_a_merge_finds_the_actor_it_duplicates_by_name(local_seeded: Api) -> None:
    duplicate = local_seeded.created("/actors", {"name": "Lopez Obrador", "kind": "person"})
    csrf = signed_in(local_seeded)
    # "López Obrador" is the duplicate's own name too: it is not a candidate.
    response = local_seeded.client.post(
        f"/actors/{duplicate['id']}/edit/merge",
        data={"csrf_token": csrf, "into": "López Obrador", "reason": "the same man"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    merged = local_seeded.get(f"/actors/{duplicate['id']}").json()
    assert merged.get("merged_into") == "andres-manuel-lopez-obrador", merged


def test_an_actor_form_without_its_csrf_token_is_refused(local_seeded: Api) -> None:
    signed_in(local_seeded)
    response = local_seeded.client.post(
        "/actors/antony-blinken/edit/alias", data={"alias": "Forged"}
    )
    assert response.status_code == 403
    assert "Forged" not in local_seeded.get("/actors/antony-blinken").json()["aliases"]


def test_a_blank_new_name_is_refused_with_the_domains_message(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    response = local_seeded.client.post(
        "/actors/antony-blinken/edit/rename", data={"csrf_token": csrf, "name": "  "}
    )
    assert response.status_code == 422
    assert '<p class="field-error" id="e-name">' in response.text
    assert local_seeded.get("/actors/antony-blinken").json()["name"] == "Antony Blinken"
