"""The date helper (`/dates`): a phrase read live as it is typed, and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

REFERENCE = "2023-12-28"
EDTF = "2023-12-18/2023-12-24"
BOUNDS = "between 18 December 2023 and 24 December 2023"


@pytest.fixture
def without_script(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_typing_a_phrase_shows_its_edtf_and_bounds_and_use_this_fills_them_in(
    site: Site, page: Page
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/dates/" in r.url else None)
    page.goto(site.url("/dates"))
    page.get_by_label("Reference date").fill(REFERENCE)
    page.get_by_label("Date or phrase").press_sequentially("last week")
    output = page.locator("[data-date-output]")
    expect(output.locator("[data-date-edtf]")).to_have_text(EDTF)
    expect(output.locator("[data-date-bounds]")).to_have_text(BOUNDS)
    page.get_by_role("button", name="use this").click()
    expect(page.get_by_label("Date or phrase")).to_have_value(EDTF)
    expect(page.get_by_label("Note")).to_have_value(
        output.locator("[data-date-basis]").inner_text()
    )
    expect(page.get_by_label("Note")).to_have_value(re.compile("published 2023-12-28"))
    # Asked once the typing paused, not at each key.
    assert 1 <= len(asked) <= 3, asked
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_an_unknown_phrase_says_what_is_accepted_as_it_is_typed(site: Site, page: Page) -> None:
    page.goto(site.url("/dates"))
    page.get_by_label("Reference date").fill(REFERENCE)
    page.get_by_label("Date or phrase").press_sequentially("the other day")
    expect(page.locator("[data-date-error]")).to_contain_text("phrase: ")
    expect(page.locator("[data-date-error]")).to_contain_text("last week")


def test_without_javascript_the_form_is_resolved_by_the_server(
    site: Site, without_script: Page
) -> None:
    page = without_script
    page.goto(site.url("/dates"))
    page.get_by_label("Reference date").fill(REFERENCE)
    page.get_by_label("Date or phrase").fill("last week")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url("**/dates?*")
    expect(page.locator("[data-date-edtf]")).to_have_text(EDTF)
    expect(page.locator("[data-date-bounds]")).to_have_text(BOUNDS)
    expect(page.get_by_label("Date or phrase")).to_have_value("last week")
