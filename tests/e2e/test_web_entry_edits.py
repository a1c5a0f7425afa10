"""Correcting, retracting, linking and citing an entry from the browser's forms."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import Api
from tests.e2e.test_web_sessions import csrf_of, sign_in, token


def edit_form(api: Api, entry: dict[str, Any]) -> str:
    sign_in(api.client, token(api, "ana", ["read", "write"]))
    page = api.client.get(f"/entries/{entry['id']}/edit")
    assert page.status_code == 200, page.text
    ids = re.findall(r' id="([^"]+)"', page.text)
    assert len(ids) == len(set(ids)), "each label points at one input"
    return page.text


def correction(entry: dict[str, Any], csrf: str, **typed: str) -> dict[str, str]:
    fields = ("title", "summary", "occurred", "location", "note")
    form = {"csrf_token": csrf, "expected_version": str(entry["version"])}
    for name in fields:
        form[f"seen.{name}"] = entry.get(name) or ""
        form[name] = entry.get(name) or ""
    form.update(typed)
    return form


def test_a_correction_is_previewed_old_to_new_before_it_is_saved(local_seeded: Api) -> None:
    entry = local_seeded.record("meeting")
    csrf = csrf_of(edit_form(local_seeded, entry))
    form = correction(entry, csrf, occurred="2023-12-26", reason="the report says Tuesday")
    preview = local_seeded.client.post(f"/entries/{entry['id']}/edit/preview", data=form)
    assert preview.status_code == 200
    assert "<del>2023-12-27</del>" in preview.text
    assert "<ins>2023-12-26</ins>" in preview.text
    assert local_seeded.get(f"/entries/{entry['id']}").json()["occurred"] == "2023-12-27"
    saved = local_seeded.client.post(
        f"/entries/{entry['id']}/edit/correct", data=form, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    now = local_seeded.get(f"/entries/{entry['id']}").json()
    assert (now["occurred"], now["version"]) == ("2023-12-26", 2)


def test_a_stale_correction_shows_what_changed_and_keeps_the_typed_text(
    local_seeded: Api,
) -> None:
    entry = local_seeded.record("meeting")
    csrf = csrf_of(edit_form(local_seeded, entry))
    local_seeded.post(
        f"/entries/{entry['id']}/corrections",
        {"expected_version": 1, "changes": {"title": "Renamed meanwhile"}, "reason": "x"},
    )
    form = correction(entry, csrf, summary="My careful summary.", reason="clearer")
    response = local_seeded.client.post(f"/entries/{entry['id']}/edit/correct", data=form)
    assert response.status_code == 409
    assert "<ins>Renamed meanwhile</ins>" in response.text
    assert "My careful summary." in response.text
    assert 'value="clearer"' in response.text
    assert 'name="expected_version" value="2"' in response.text
    # The title, which this person left alone, is the one given meanwhile: sent
    # again, the form must not undo it.
    assert re.search(r'id="f-correct-title"[^>]*value="Renamed meanwhile"', response.text)
    assert 'name="seen.title" value="Renamed meanwhile"' in response.text


def test_retract_link_and_cite_from_the_forms(local_seeded: Api) -> None:
    first = local_seeded.record("meeting")
    second = local_seeded.record("statement")
    csrf = csrf_of(edit_form(local_seeded, first))
    client = local_seeded.client
    linked = client.post(
        f"/entries/{first['id']}/edit/link",
        data={"csrf_token": csrf, "relation": "follows", "entry": second["id"]},
        follow_redirects=False,
    )
    assert linked.status_code == 303, linked.text
    cited = client.post(
        f"/entries/{first['id']}/edit/cite",
        data={"csrf_token": csrf, "source": "cbs-2023-12-28", "quote": "another line"},
        follow_redirects=False,
    )
    assert cited.status_code == 303, cited.text
    retracted = client.post(
        f"/entries/{second['id']}/edit/retract",
        data={"csrf_token": csrf, "expected_version": "1", "reason": "duplicate"},
        follow_redirects=False,
    )
    assert retracted.status_code == 303, retracted.text
    now = local_seeded.get(f"/entries/{first['id']}").json()
    assert [(link["relation"], link["entry"]) for link in now["links"]] == [
        ("follows", second["id"])
    ]
    assert [s.get("quote") for s in now["sources"]][-1] == "another line"
    assert local_seeded.get(f"/entries/{second['id']}").json()["status"] == "retracted"


def test_a_retraction_without_a_reason_says_so_beside_its_form(local_seeded: Api) -> None:
    entry = local_seeded.record("meeting")
    csrf = csrf_of(edit_form(local_seeded, entry))
    response = local_seeded.client.post(
        f"/entries/{entry['id']}/edit/retract",
        data={"csrf_token": csrf, "expected_version": "1", "reason": ""},
    )
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="e-reason"' in response.text
    assert '<p class="field-error" id="e-reason">' in response.text
    assert local_seeded.get(f"/entries/{entry['id']}").json()["status"] == "active"


def test_a_correction_refused_names_its_field_beside_the_input(local_seeded: Api) -> None:
    entry = local_seeded.record("meeting")
    csrf = csrf_of(edit_form(local_seeded, entry))
    form = correction(entry, csrf, occurred="the other day", reason="the report says so")
    response = local_seeded.client.post(f"/entries/{entry['id']}/edit/correct", data=form)
    assert response.status_code == 422
    assert re.search(r'id="f-correct-occurred"[^>]*aria-invalid="true"', response.text)
    assert '<p class="field-error" id="e-occurred">' in response.text
    assert 'value="the other day"' in response.text


def test_the_link_form_finds_the_other_entry_by_words_of_its_title(local_seeded: Api) -> None:
    first = local_seeded.record("meeting", title="Envoys meet in Oaxaca")
    second = local_seeded.record("statement", title="Ministry praises the Oaxaca talks")
    local_seeded.record("statement", title="Ministry criticises tariffs")
    csrf = csrf_of(edit_form(local_seeded, first))
    client = local_seeded.client
    # "Oaxaca" is in both first and second: the entry being changed is left out.
    linked = client.post(
        f"/entries/{first['id']}/edit/link",
        data={"csrf_token": csrf, "relation": "follows", "entry": "oaxaca"},
        follow_redirects=False,
    )
    assert linked.status_code == 303, linked.text
    now = local_seeded.get(f"/entries/{first['id']}").json()
    assert [link["entry"] for link in now["links"]] == [second["id"]]


def test_words_found_in_several_entries_name_them_back_and_link_nothing(
    local_seeded: Api,
) -> None:
    first = local_seeded.record("meeting", title="Envoys meet in Oaxaca")
    second = local_seeded.record("statement", title="Ministry praises the Oaxaca talks")
    third = local_seeded.record("statement", title="Ministry criticises tariffs")
    csrf = csrf_of(edit_form(local_seeded, first))
    response = local_seeded.client.post(
        f"/entries/{first['id']}/edit/link",
        data={
            "csrf_token": csrf,
            "relation": "follows",
            "entry": "ministry",
            "expected_version": "1",
        },
    )
    assert response.status_code == 422
    assert "2 entries hold these words" in response.text
    assert second["id"] in response.text
    assert third["id"] in response.text
    assert 'aria-invalid="true" aria-describedby="h-link-entry e-entry"' in response.text
    assert '<p class="field-error" id="e-entry">entry: no entry' not in response.text
    assert local_seeded.get(f"/entries/{first['id']}").json()["links"] == []
    # Without JavaScript, the entries found are offered to choose from.
    assert f'name="entry_choice" value="{third["id"]}"' in response.text
    chosen = local_seeded.client.post(
        f"/entries/{first['id']}/edit/link",
        data={
            "csrf_token": csrf,
            "relation": "follows",
            "entry": "ministry",
            "entry_choice": third["id"],
            "expected_version": "1",
        },
        follow_redirects=False,
    )
    assert chosen.status_code == 303, chosen.text
    links = local_seeded.get(f"/entries/{first['id']}").json()["links"]
    assert [link["entry"] for link in links] == [third["id"]]


def test_the_entry_picker_suggests_other_entries_as_one_types(local_seeded: Api) -> None:
    first = local_seeded.record("meeting", title="Envoys meet in Oaxaca")
    second = local_seeded.record("statement", title="Ministry praises the Oaxaca talks")
    edit_form(local_seeded, first)
    found = local_seeded.client.get(
        "/forms/suggest/entries", params={"q": "Oaxaca", "besides": first["id"]}
    )
    assert found.status_code == 200
    assert [(i["id"], i["name"]) for i in found.json()["items"]] == [
        (second["id"], "Ministry praises the Oaxaca talks")
    ]
