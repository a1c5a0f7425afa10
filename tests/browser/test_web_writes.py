"""Writing from the browser in the real Chromium: sign in, record, refusals."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site, fill, sign_in

pytestmark = BROWSER

SOURCE = "cbs-news-2023-12-28-mexico-meeting"


def test_a_writer_signs_in_and_records_a_meeting_and_a_statement(
    writable: Site, page: Page
) -> None:
    sign_in(writable, page, "web-writer", "read,write")
    page.get_by_role("link", name="Record").click()
    page.get_by_role("link", name="Meeting").click()
    fill(
        page,
        {
            "title": "Officials meet again in Mexico City",
            "summary": "A second round on the border.",
            "occurred": "2023-12-28",
            "details.participants": "antony-blinken\nandres-manuel-lopez-obrador",
            "details.format": "in_person",
            "actors.0.actor": "antony-blinken",
            "actors.0.role": "participant",
            "topics.0": "migration",
            "sources.0.source": SOURCE,
            "sources.0.quote": "they met again",
        },
    )
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Officials meet again in Mexico City"
    )
    page.goto(writable.url("/entries/new?kind=statement"))
    fill(
        page,
        {
            "title": "Mayorkas speaks on the border",
            "summary": "He says the border is not open.",
            "occurred": "2023-12~",
            "details.speaker": "alejandro-mayorkas",
            "details.quotes": "The border is not open.",
            "details.medium": "remarks",
            "sources.0.source": SOURCE,
        },
    )
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mayorkas speaks on the border")


def test_a_refused_field_shows_the_domains_message_and_keeps_the_typing(
    writable: Site, writer: Page
) -> None:
    page = writer
    page.goto(writable.url("/entries/new?kind=meeting"))
    fill(
        page,
        {
            "title": "A meeting nobody dated",
            "summary": "Typed with care.",
            "occurred": "sometime",
            "details.participants": "antony-blinken\nandres-manuel-lopez-obrador",
            "sources.0.source": SOURCE,
        },
    )
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#e-occurred")).to_be_visible()
    expect(page.locator('[name="summary"]')).to_have_value("Typed with care.")
    expect(page.locator('[name="occurred"]')).to_have_value("sometime")
    # forms.js puts the reader on the field to fix.
    expect(page.locator('[name="occurred"]')).to_be_focused()


def test_a_read_only_token_sees_no_forms(writable: Site, page: Page) -> None:
    sign_in(writable, page, "web-reader", "read")
    expect(page.get_by_role("link", name="Record")).to_have_count(0)
    page.goto(writable.url("/entries/new?kind=meeting"))
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Token lacks scope write")


def test_a_form_posted_without_its_csrf_token_is_refused(writable: Site, writer: Page) -> None:
    page = writer
    page.goto(writable.url("/entries/new?kind=meeting"))
    page.locator('main [name="csrf_token"]').evaluate("e => e.remove()")
    fill(page, {"title": "Forged", "summary": "x", "occurred": "2023-12"})
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Form not accepted")


def test_a_writer_adds_an_alias_from_the_actor_page(writable: Site, writer: Page) -> None:
    page = writer
    page.goto(writable.url("/actors/greg-abbott"))
    page.get_by_role("link", name="Keep up to date").click()
    page.get_by_role("textbox", name="Alias").fill("Governor Abbott")
    page.get_by_role("button", name="Add an alias").click()
    expect(page).to_have_url(writable.url("/actors/greg-abbott"))
    expect(page.get_by_text("Governor Abbott")).to_be_visible()


def recorded(site: Site, bearer: str, title: str) -> str:
    """The id of a new statement recorded through the API."""
    body = {
        "kind": "statement",
        "title": title,
        "summary": "As first reported.",
        "occurred": "2023-12-27",
        "actors": [],
        "topics": ["migration"],
        "details": {"speaker": "alejandro-mayorkas", "quotes": ["We are working."]},
        "sources": [{"source": SOURCE}],
    }
    response = httpx.post(
        site.url("/api/v1/entries"), json=body, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert response.status_code in (201, 202), response.text
    entry_id: str = response.json()["id"]
    return entry_id


def test_a_correction_shows_old_and_new_before_it_is_saved(
    writable: Site, writer: Page, bearer: str
) -> None:
    page = writer
    entry_id = recorded(writable, bearer, "To be corrected")
    page.goto(writable.url(f"/entries/{entry_id}"))
    page.get_by_role("link", name="Correct, retract, link or cite").click()
    page.locator("#f-correct-occurred").fill("2023-12-26")
    page.locator("#f-correct-reason").fill("the report says Tuesday")
    page.get_by_role("button", name="Preview the correction").click()
    expect(page.locator("del")).to_have_text("2023-12-27")
    expect(page.locator("ins")).to_have_text("2023-12-26")
    page.get_by_role("button", name="Save the correction").click()
    expect(page).to_have_url(writable.url(f"/entries/{entry_id}"))
    expect(page.get_by_text("the report says Tuesday").first).to_be_visible()


def test_a_stale_version_keeps_the_typed_text(writable: Site, writer: Page, bearer: str) -> None:
    page = writer
    entry_id = recorded(writable, bearer, "Raced over")
    page.goto(writable.url(f"/entries/{entry_id}/edit"))
    page.locator('[name="summary"]').fill("My careful summary.")
    page.locator("#f-correct-reason").fill("clearer")
    page.get_by_role("button", name="Preview the correction").click()
    meanwhile = httpx.post(
        writable.url(f"/api/v1/entries/{entry_id}/corrections"),
        json={"expected_version": 1, "changes": {"title": "Retitled meanwhile"}, "reason": "x"},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert meanwhile.status_code in (200, 202), meanwhile.text
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#e-correct")).to_contain_text("version")
    expect(page.locator(".meanwhile ins")).to_have_text("Retitled meanwhile")
    expect(page.locator('[name="summary"]')).to_have_value("My careful summary.")
    # Resolved: sent again, the correction keeps the title given meanwhile.
    page.get_by_role("button", name="Preview the correction").click()
    page.get_by_role("button", name="Save the correction").click()
    expect(page).to_have_url(writable.url(f"/entries/{entry_id}"))
    now = httpx.get(writable.url(f"/api/v1/entries/{entry_id}")).json()
    assert (now["title"], now["summary"]) == ("Retitled meanwhile", "My careful summary.")


def test_a_writer_links_two_entries_and_retracts_one(
    writable: Site, writer: Page, bearer: str
) -> None:
    page = writer
    first = recorded(writable, bearer, "The first of two")
    second = recorded(writable, bearer, "The second of two")
    page.goto(writable.url(f"/entries/{second}/edit"))
    page.get_by_label("Relation").select_option("follows")
    # The other entry is found by words of its title, picked from the list by keyboard.
    target = page.locator("#f-link-entry")
    target.press_sequentially("first of")
    expect(page.get_by_role("option", name="The first of two")).to_be_visible()
    expect(page.get_by_role("option", name="The second of two")).to_have_count(0)
    target.press("ArrowDown")
    target.press("Enter")
    expect(target).to_have_value(first)
    page.get_by_role("button", name="Link to another entry").click()
    expect(page).to_have_url(writable.url(f"/entries/{second}"))
    expect(page.get_by_role("link", name="The first of two").first).to_be_visible()
    page.goto(writable.url(f"/entries/{first}/edit"))
    page.locator("#f-retract-reason").fill("a duplicate")
    page.get_by_role("button", name="Retract").click()
    expect(page.get_by_text("This entry was retracted")).to_be_visible()
