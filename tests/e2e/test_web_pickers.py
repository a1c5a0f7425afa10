"""Pickers, inline actors, list-field corrections and the sign-in limit, over HTTP."""

# Names in Cyrillic are the point here; ruff would take their letters for Latin look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

import re

import orjson

from domain.details import KINDS
from tests.e2e.conftest import Api
from tests.e2e.test_web_entry_edits import edit_form
from tests.e2e.test_web_sessions import csrf_of, meeting_form, sign_in, token


def signed_in(api: Api) -> str:
    """Sign the client in as a writer; the CSRF token of its forms."""
    sign_in(api.client, token(api, "ana", ["read", "write"]))
    return csrf_of(api.client.get("/entries/new?kind=meeting").text)


def test_an_actor_typed_by_name_in_another_script_is_recorded_by_its_id(
    local_seeded: Api,
) -> None:
    zelensky = local_seeded.created("/actors", {"name": "Володимир Зеленський", "kind": "person"})
    csrf = signed_in(local_seeded)
    form = meeting_form(
        csrf,
        **{
            "details.participants": "Antony Blinken\nЗеленський",
            "actors.0.actor": "zelensky",
        },
    )
    response = local_seeded.client.post("/entries/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    entry_id = response.headers["location"].rsplit("/", 1)[1]
    entry = local_seeded.get(f"/entries/{entry_id}").json()
    assert entry["details"]["participants"] == ["antony-blinken", zelensky["id"]]
    assert entry["actors"][0] == {"actor": zelensky["id"], "role": "participant"}


def test_an_actor_name_that_names_no_one_is_refused_in_the_domains_words_with_guesses(
    local_seeded: Api,
) -> None:
    csrf = signed_in(local_seeded)
    form = meeting_form(csrf, **{"actors.0.actor": "Obrador Lopez"})
    response = local_seeded.client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert 'id="e-actors.0.actor"' in response.text
    assert 'value="Obrador Lopez"' in response.text
    form = meeting_form(csrf, **{"actors.0.actor": "López Obr"})
    response = local_seeded.client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert "Did you mean: andres-manuel-lopez-obrador" in response.text


def test_a_new_actor_is_registered_before_the_entry_that_names_it(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    form = meeting_form(
        csrf,
        **{
            "new_actor.name": "Alicia Bárcena",
            "new_actor.kind": "person",
            "details.participants": "antony-blinken\nAlicia Bárcena",
        },
    )
    response = local_seeded.client.post("/entries/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    actor = local_seeded.get("/actors/alicia-barcena").json()
    assert actor["name"] == "Alicia Bárcena"
    entry_id = response.headers["location"].rsplit("/", 1)[1]
    entry = local_seeded.get(f"/entries/{entry_id}").json()
    assert "alicia-barcena" in entry["details"]["participants"]


def test_a_new_actor_refused_records_nothing_and_keeps_the_typing(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    head = local_seeded.head()
    form = meeting_form(csrf, **{"new_actor.name": "Alicia Bárcena", "new_actor.kind": ""})
    response = local_seeded.client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert 'id="e-new_actor.kind"' in response.text
    assert 'value="Alicia Bárcena"' in response.text
    assert 'value="Officials meet in Mexico City"' in response.text
    assert local_seeded.head() == head


def test_an_entry_refused_with_its_new_actor_records_neither_and_keeps_the_typing(
    local_seeded: Api,
) -> None:
    csrf = signed_in(local_seeded)
    head = local_seeded.head()
    form = meeting_form(
        csrf,
        **{
            "new_actor.name": "Alicia Bárcena",
            "new_actor.kind": "person",
            "actors.0.actor": "Alicia Bárcena",
            "summary": "",
        },
    )
    response = local_seeded.client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert 'id="e-summary"' in response.text
    assert 'name="new_actor.name" value="Alicia Bárcena"' in response.text
    assert local_seeded.get("/actors/alicia-barcena").status_code == 404
    assert local_seeded.head() == head
    # Sent again, put right, both are recorded.
    form["summary"] = "They met."
    again = local_seeded.client.post("/entries/new", data=form, follow_redirects=False)
    assert again.status_code == 303, again.text
    entry_id = again.headers["location"].rsplit("/", 1)[1]
    entry = local_seeded.get(f"/entries/{entry_id}").json()
    assert {"actor": "alicia-barcena", "role": "participant"} in entry["actors"]


def test_a_new_actor_already_registered_is_refused_beside_its_name(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    head = local_seeded.head()
    form = meeting_form(csrf, **{"new_actor.name": "Antony Blinken", "new_actor.kind": "person"})
    response = local_seeded.client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert 'aria-describedby="e-new_actor.name"' in response.text
    assert "pick it in an actor field instead" in response.text
    assert local_seeded.head() == head


def test_the_dialog_registers_an_actor_and_answers_its_id(local_seeded: Api) -> None:
    csrf = signed_in(local_seeded)
    client = local_seeded.client
    made = client.post(
        "/actors/new", data={"csrf_token": csrf, "name": "Łukasz", "kind": "person"}
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"id": "lukasz", "name": "Łukasz"}
    again = client.post(
        "/actors/new", data={"csrf_token": csrf, "name": "Łukasz", "kind": "person"}
    )
    assert again.status_code == 409
    assert again.json()["field"] == "name"
    bad = client.post("/actors/new", data={"csrf_token": csrf, "name": "X", "kind": "robot"})
    assert (bad.status_code, bad.json()["field"]) == (422, "kind")
    forged = client.post("/actors/new", data={"name": "Forged", "kind": "person"})
    assert forged.status_code == 403


def test_the_pickers_suggest_actors_by_transliterated_names_to_writers(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    assert client.get("/forms/suggest/actors", params={"q": "obrador"}).status_code == 401
    sign_in(client, token(local_seeded, "reader", ["read"]))
    assert client.get("/forms/suggest/actors", params={"q": "obrador"}).status_code == 403
    client.cookies.clear()
    signed_in(local_seeded)
    found = client.get("/forms/suggest/actors", params={"q": "lopez"}).json()["items"]
    assert found[0]["id"] == "andres-manuel-lopez-obrador"
    assert found[0]["name"] == "Andrés Manuel López Obrador"
    alias = client.get("/forms/suggest/actors", params={"q": "amlo"}).json()["items"]
    assert alias[0]["hint"] == "AMLO"
    sources = client.get("/forms/suggest/sources", params={"q": "productive"}).json()["items"]
    assert sources[0]["id"] == "cbs-2023-12-28"
    assert client.get("/forms/suggest/actors", params={"q": " "}).json() == {"items": []}


def test_a_correction_of_topics_actors_and_details_is_previewed_then_saved(
    local_seeded: Api,
) -> None:
    entry = local_seeded.record("meeting")
    page = edit_form(local_seeded, entry)
    csrf = csrf_of(page)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form = {k: v.replace("&#34;", '"').replace("&quot;", '"') for k, v in form.items()}
    form.update(
        {
            "csrf_token": csrf,
            "title": entry["title"],
            "summary": entry["summary"],
            "occurred": entry["occurred"],
            "location": entry["location"],
            "actors.0.actor": "antony-blinken",
            "actors.0.role": "participant",
            "actors.1.actor": "Mayorkas",
            "actors.1.role": "participant",
            "topics.0": "migration",
            "details.participants": "antony-blinken\nandres-manuel-lopez-obrador",
            "details.format": "virtual",
            "details.duration_minutes": "120",
            "correction_source": "cbs-2023-12-28",
            "correction_quote": "by video",
            "reason": "it was held by video",
        }
    )
    assert orjson.loads(form["seen.topics"]) == ["border-security", "migration"]
    preview = local_seeded.client.post(f"/entries/{entry['id']}/edit/preview", data=form)
    assert preview.status_code == 200, preview.text
    assert "<del>border-security, migration</del>" in preview.text
    assert "<ins>migration</ins>" in preview.text
    assert "alejandro-mayorkas (participant)" in preview.text
    assert "format: virtual" in preview.text
    assert "Cited for the correction" in preview.text
    carried = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview.text)
    )
    carried = {k: v.replace("&#34;", '"').replace("&#39;", "'") for k, v in carried.items()}
    saved = local_seeded.client.post(
        f"/entries/{entry['id']}/edit/correct", data=carried, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    now = local_seeded.get(f"/entries/{entry['id']}").json()
    assert now["topics"] == ["migration"]
    assert now["details"]["format"] == "virtual"
    assert {"actor": "alejandro-mayorkas", "role": "participant"} in now["actors"]
    history = local_seeded.get(f"/entries/{entry['id']}/history").json()["items"]
    assert set(history[-1]["changes"]) >= {"topics", "details", "actors"}


def test_an_unchanged_list_field_is_not_sent_as_a_correction(local_seeded: Api) -> None:
    entry = local_seeded.record("statistic")
    page = edit_form(local_seeded, entry)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form = {k: v.replace("&#34;", '"') for k, v in form.items()}
    inputs = re.findall(
        r'<input type="(?:text|number)" id="f-correct-[^"]*" name="([^"]+)" value="([^"]*)"', page
    )
    form.update(dict(inputs))
    form.update({"summary": "A clearer summary.", "reason": "clearer"})
    preview = local_seeded.client.post(f"/entries/{entry['id']}/edit/preview", data=form)
    assert preview.status_code == 200, preview.text
    assert re.findall(r'<th scope="row">([^<]+)</th>', preview.text) == ["summary"]


def test_sign_in_answers_429_after_five_unknown_tokens_a_minute(local_seeded: Api) -> None:
    client = local_seeded.client
    csrf = csrf_of(client.get("/sign-in").text)
    for _ in range(5):
        refused = client.post("/sign-in", data={"csrf_token": csrf, "token": "ptl_guess"})
        assert refused.status_code == 401
    limited = client.post(
        "/sign-in", data={"csrf_token": csrf, "token": token(local_seeded, "ana", ["write"])}
    )
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "Too many attempts" in limited.text


def test_a_stale_list_correction_shows_the_lists_changed_meanwhile_and_keeps_the_rows(
    local_seeded: Api,
) -> None:
    entry = local_seeded.record("meeting")
    page = edit_form(local_seeded, entry)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form = {k: v.replace("&#34;", '"') for k, v in form.items()}
    local_seeded.post(
        f"/entries/{entry['id']}/corrections",
        {"expected_version": 1, "changes": {"topics": ["asylum"]}, "reason": "meanwhile"},
    )
    form.update(
        {
            "title": entry["title"],
            "summary": entry["summary"],
            "occurred": entry["occurred"],
            "topics.0": "migration",
            "topics.1": "ukraine-aid",
            "reason": "aid talks",
        }
    )
    response = local_seeded.client.post(f"/entries/{entry['id']}/edit/correct", data=form)
    assert response.status_code == 409
    assert "<del>border-security, migration</del>" in response.text
    assert "<ins>asylum</ins>" in response.text
    assert 'name="topics.1" value="ukraine-aid"' in response.text
    assert 'name="expected_version" value="2"' in response.text
    # The form now compares with the topics as they stand.
    fresh = re.search(r'name="seen.topics" value="([^"]*)"', response.text)
    assert fresh is not None
    assert orjson.loads(fresh.group(1).replace("&#34;", '"')) == ["asylum"]


def test_a_list_field_seen_as_junk_is_taken_as_empty_not_a_server_error(
    local_seeded: Api,
) -> None:
    entry = local_seeded.record("meeting")
    page = edit_form(local_seeded, entry)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form.update(
        {
            "title": entry["title"],
            "summary": entry["summary"],
            "occurred": entry["occurred"],
            "seen.actors": "5",
            "seen.topics": "{not json",
            "seen.details": "[1, 2]",
            "topics.0": "migration",
            "reason": "x",
        }
    )
    preview = local_seeded.client.post(f"/entries/{entry['id']}/edit/preview", data=form)
    assert preview.status_code == 200, preview.text
    assert "<ins>migration</ins>" in preview.text
    stale = dict(form, expected_version="0")
    response = local_seeded.client.post(f"/entries/{entry['id']}/edit/correct", data=stale)
    assert response.status_code in (409, 422), response.text


def test_every_label_of_every_kinds_form_points_at_one_input(local_seeded: Api) -> None:
    signed_in(local_seeded)
    for kind in KINDS:
        page = local_seeded.client.get(f"/entries/new?kind={kind}").text
        ids = re.findall(r' id="([^"]+)"', page)
        assert len(ids) == len(set(ids)), kind
        assert set(re.findall(r'<label for="([^"]+)"', page)) <= set(ids), kind
    entry = local_seeded.record("congressional_negotiation")
    page = local_seeded.client.get(f"/entries/{entry['id']}/edit").text
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'<label for="([^"]+)"', page)) <= set(ids)
