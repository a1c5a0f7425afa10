"""Signing in from the browser: the session cookie, CSRF, and the entry form, over HTTP."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from api.web.session import COOKIE, LIFETIME, cookie_for, read_session, secret_of
from domain.details import KINDS
from tests.builders import body
from tests.e2e.conftest import Api

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html
    return found.group(1)


def sign_in(client: TestClient, token: str) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def token(api: Api, name: str, scopes: list[str]) -> str:
    created: str = api.app.state.tokens.create(name, scopes)
    return created


def meeting_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "kind": "meeting",
        "title": "Officials meet in Mexico City",
        "summary": "They discuss the border.",
        "occurred": "2023-12-27",
        "details.participants": "antony-blinken\nandres-manuel-lopez-obrador",
        "details.format": "in_person",
        "details.duration_minutes": "120",
        "actors.0.actor": "antony-blinken",
        "actors.0.role": "participant",
        "topics.0": "migration",
        "sources.0.source": "cbs-2023-12-28",
        "sources.0.quote": "the meeting lasted over two hours",
    }
    form.update(changes)
    return form


def test_signing_in_sets_an_httponly_samesite_cookie_and_shows_the_writer(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_of(page.text),
            "token": token(local_seeded, "ana", ["read", "write"]),
        },
        follow_redirects=False,
    )
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie
    home = client.get("/")
    # Personal now: no shared cache keeps it, no ETag answers 304 with a signed-out copy.
    assert home.headers["cache-control"] == "private, no-store"
    assert "etag" not in home.headers
    assert "Sign out" in home.text
    assert 'href="/entries/new"' in home.text
    assert "ana" in home.text


def test_an_unknown_token_is_refused_on_the_sign_in_page(local_seeded: Api) -> None:
    client = local_seeded.client
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": csrf_of(page.text), "token": "ptl_0123456789abcdef_x"}
    )
    assert response.status_code == 401
    assert "unknown or revoked" in response.text
    assert COOKIE not in client.cookies


def test_a_sign_in_posted_without_its_csrf_token_is_refused(local_seeded: Api) -> None:
    client = local_seeded.client
    client.get("/sign-in")
    response = client.post("/sign-in", data={"token": token(local_seeded, "ana", ["write"])})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert COOKIE not in client.cookies


def test_signing_out_clears_the_cookie_and_ends_the_session_for_good(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    kept = client.cookies[COOKIE]  # a copy, as a stolen cookie would be
    csrf = csrf_of(client.get("/").text)
    refused = client.post("/sign-out", data={}, follow_redirects=False)
    assert refused.status_code == 403  # a forged sign-out does not sign anyone out
    response = client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert re.search(rf'{COOKIE}=""; .*Max-Age=0', response.headers["set-cookie"])
    assert COOKIE not in client.cookies
    assert "Sign out" not in client.get("/").text
    client.cookies.set(COOKIE, kept)
    assert "Sign out" not in client.get("/").text
    assert client.get("/entries/new", follow_redirects=False).status_code == 303
    # The token itself still signs in afresh.
    sign_in(client, token(local_seeded, "bea", ["read", "write"]))
    assert "Sign out" in client.get("/").text


def test_a_tampered_cookie_is_no_session(local_seeded: Api) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    value = client.cookies[COOKIE]
    payload, signature = value.split(".")
    client.cookies.clear()
    client.cookies.set(COOKIE, payload[:-2] + "AA." + signature)
    assert "Sign out" not in client.get("/").text
    assert client.get("/entries/new", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_the_session(local_seeded: Api) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    assert client.get("/entries/new?kind=meeting").status_code == 200
    local_seeded.app.state.tokens.revoke("ana")
    response = client.get("/entries/new?kind=meeting", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


def test_a_cookie_past_its_expiry_is_no_session(local_seeded: Api) -> None:
    db = local_seeded.app.state.tokens.db
    secret = secret_of(db)
    made = token(local_seeded, "ana", ["read", "write"])
    value = cookie_for(secret, "ana", made, now=time.time() - LIFETIME - 1)
    assert read_session(secret, db, value) is None
    assert read_session(secret, db, cookie_for(secret, "ana", made)) is not None


def test_a_session_outlives_a_restart_of_the_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    with TestClient(create_app(Settings(db=url))) as first:
        made = first.app.state.tokens.create("ana", ["read", "write"])  # type: ignore[attr-defined]
        sign_in(first, made)
        value = first.cookies[COOKIE]
    with TestClient(create_app(Settings(db=url))) as second:
        second.cookies.set(COOKIE, value)
        assert second.get("/entries/new?kind=meeting").status_code == 200


def test_a_read_only_token_sees_no_write_controls(local_seeded: Api) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "reader", ["read"]))
    assert 'href="/entries/new"' not in client.get("/").text
    response = client.get("/entries/new?kind=meeting")
    assert response.status_code == 403
    assert "<form" not in response.text.split("<main", 1)[1]


def test_the_form_records_a_meeting_as_the_signed_in_writer(local_seeded: Api) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    page = client.get("/entries/new?kind=meeting")
    assert 'name="details.participants"' in page.text
    assert 'name="details.format"' in page.text
    response = client.post(
        "/entries/new", data=meeting_form(csrf_of(page.text)), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    entry_id = response.headers["location"].removeprefix("/entries/")
    entry = local_seeded.get(f"/entries/{entry_id}").json()
    assert entry["details"] == {
        "participants": ["antony-blinken", "andres-manuel-lopez-obrador"],
        "format": "in_person",
        "duration_minutes": 120,
    }
    assert entry["sources"][0]["quote"] == "the meeting lasted over two hours"
    history = local_seeded.get(f"/entries/{entry_id}/history").json()["items"]
    assert history[0]["by"] == "ana"


def test_a_domain_error_shows_beside_its_field_and_keeps_what_was_typed(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    csrf = csrf_of(client.get("/entries/new?kind=meeting").text)
    response = client.post("/entries/new", data=meeting_form(csrf, occurred="around christmas"))
    assert response.status_code == 422
    assert 'id="e-occurred"' in response.text
    assert 'value="around christmas"' in response.text
    assert "Officials meet in Mexico City" in response.text


def test_an_entry_form_posted_without_its_csrf_token_is_refused(local_seeded: Api) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    response = client.post("/entries/new", data=meeting_form(""))
    assert response.status_code == 403
    assert "Form not accepted" in response.text
    assert local_seeded.get("/timeline").json()["items"] == []


def as_form(body: dict[str, Any], csrf: str) -> dict[str, str]:
    """The form fields a person would fill in for the builder body `body`."""
    form = {"csrf_token": csrf, "kind": body["kind"]}
    for name in ("title", "summary", "occurred", "location", "note"):
        if body.get(name):
            form[name] = body[name]
    for i, pair in enumerate(body["actors"]):
        form[f"actors.{i}.actor"], form[f"actors.{i}.role"] = pair["actor"], pair["role"]
    for i, topic in enumerate(body["topics"]):
        form[f"topics.{i}"] = topic
    for i, cited in enumerate(body["sources"]):
        for part, value in cited.items():
            form[f"sources.{i}.{part}"] = value
    for name, value in body["details"].items():
        if isinstance(value, dict):
            for part, inner in value.items():
                form[f"details.{name}.{part}"] = str(inner)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                for part, inner in row.items():
                    form[f"details.{name}.{i}.{part}"] = str(inner)
        elif isinstance(value, list):
            form[f"details.{name}"] = "\n".join(value)
        else:
            form[f"details.{name}"] = str(value)
    return form


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_form_records_an_entry_of_each_kind_with_its_details(
    local_seeded: Api, kind: str
) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    csrf = csrf_of(client.get(f"/entries/new?kind={kind}").text)
    sent = body(kind)
    response = client.post("/entries/new", data=as_form(sent, csrf), follow_redirects=False)
    assert response.status_code == 303, response.text
    entry_id = response.headers["location"].removeprefix("/entries/")
    assert local_seeded.get(f"/entries/{entry_id}").json()["details"] == sent["details"]


def test_a_relative_phrase_is_read_against_the_reports_date_without_javascript(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    csrf = csrf_of(client.get("/entries/new?kind=meeting").text)
    form = meeting_form(csrf, occurred="last week", occurred_reference="2023-12-28")
    response = client.post("/entries/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    entry_id = response.headers["location"].removeprefix("/entries/")
    entry_json = local_seeded.get(f"/entries/{entry_id}").json()
    assert entry_json["occurred"] == "2023-12-18/2023-12-24"
    assert entry_json["note"]


def test_a_phrase_without_the_reports_date_is_refused_beside_the_date(local_seeded: Api) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    csrf = csrf_of(client.get("/entries/new?kind=meeting").text)
    # No reference date, and no registered source to take the publication date of.
    form = meeting_form(csrf, occurred="last week", **{"sources.0.source": "unknown-report"})
    response = client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert "reference date" in response.text
    assert 'value="last week"' in response.text
    # The empty reference date is marked, and points at the message that says why.
    assert re.search(
        r'name="occurred_reference"[^>]*'
        r'aria-describedby="h-occurred-reference o-occurred" aria-invalid="true"',
        response.text,
    )


def test_a_phrase_is_read_against_the_first_sources_publication_by_default(
    local_seeded: Api,
) -> None:
    client = local_seeded.client
    sign_in(client, token(local_seeded, "ana", ["read", "write"]))
    csrf = csrf_of(client.get("/entries/new?kind=meeting").text)
    # cbs-2023-12-28 was published on Thursday 2023-12-28.
    form = meeting_form(csrf, occurred="last week", occurred_reference="")
    response = client.post("/entries/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    entry_id = response.headers["location"].removeprefix("/entries/")
    entry = local_seeded.get(f"/entries/{entry_id}").json()
    assert entry["occurred"] == "2023-12-18/2023-12-24"
    assert "in a report published 2023-12-28 (Thursday)" in entry["note"]


def test_a_session_with_scope_read_reads_the_pages_while_reads_are_protected(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    with TestClient(create_app(Settings(db=url, protect_reads=True))) as client:
        tokens = client.app.state.tokens  # type: ignore[attr-defined]
        assert client.get("/").status_code == 401
        sign_in(client, tokens.create("reader", ["read"]))
        assert client.get("/").status_code == 200
        tokens.revoke("reader")
        assert client.get("/").status_code == 401


def test_the_session_secret_is_made_once_per_store_on_each_backend(api: Api) -> None:
    db = api.app.state.tokens.db
    assert secret_of(db) == secret_of(db)
    sign_in(api.client, token(api, "ana", ["read", "write"]))
    assert api.client.get("/entries/new?kind=meeting").status_code == 200
    kept = api.client.cookies[COOKIE]
    csrf = csrf_of(api.client.get("/").text)
    assert api.client.post("/sign-out", data={"csrf_token": csrf}).status_code == 200
    api.client.cookies.set(COOKIE, kept)
    assert api.client.get("/entries/new", follow_redirects=False).status_code == 303
