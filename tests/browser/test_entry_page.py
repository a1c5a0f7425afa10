"""An entry's page after a correction: both versions, and the record as it stood before."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.web.dates import display_moment
from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

OLD_TITLE = "Border Patrol apprehended more than 191,000 migrants in November"
NEW_TITLE = "Border Patrol apprehended more than 191,000 migrants at the border in November"
NEW_SUMMARY = "Corrected: in November 2023 Border Patrol apprehended over 191,000 migrants."
REASON = "The report counts crossings at the southern border only"
PLANNED = "Planned: top White House officials to meet Mexican leaders in Washington in January"
RETRACTED_BECAUSE = "A plan, not an event: it belongs in a note"


@pytest.fixture(scope="module")
def desk(start_site: Callable[..., Site]) -> tuple[Site, dict[str, str]]:
    """A server of its own, for tests that write, and a writer's headers."""
    site = start_site()
    return site, {"Authorization": f"Bearer {site.token('fact-desk', 'read,write')}"}


def _change(
    desk: tuple[Site, dict[str, str]], title: str, action: str, **body: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST `action` (corrections, retractions) to the entry titled `title` as the
    writer, at its current version: the entry before, and as it stands after."""
    site, writer = desk
    found = httpx.get(site.url("/api/v1/timeline"), params={"limit": 500}).json()
    entry = next(item for item in found["items"] if item["title"] == title)
    answer = httpx.post(
        site.url(f"/api/v1/entries/{entry['id']}/{action}"),
        headers=writer,
        json={"expected_version": entry["version"], **body},
    )
    assert answer.status_code == 200, answer.text
    return entry, answer.json()


@pytest.fixture(scope="module")
def corrected(desk: tuple[Site, dict[str, str]]) -> tuple[Site, dict[str, Any]]:
    """A writer corrected one entry through the API; the site and the entry's history."""
    site = desk[0]
    changes = {"title": NEW_TITLE, "summary": NEW_SUMMARY}
    entry, _ = _change(desk, OLD_TITLE, "corrections", changes=changes, reason=REASON)
    history = httpx.get(site.url(f"/api/v1/entries/{entry['id']}/history")).json()
    return site, {"id": entry["id"], "before": entry, "versions": history["items"]}


@pytest.fixture(scope="module")
def retracted(desk: tuple[Site, dict[str, str]]) -> tuple[Site, dict[str, Any]]:
    """A writer retracted one entry through the API; the site and the entry as answered."""
    _, now = _change(desk, PLANNED, "retractions", reason=RETRACTED_BECAUSE)
    return desk[0], now


def test_the_entry_page_shows_the_correction_and_the_version_before_it(
    corrected: tuple[Site, dict[str, Any]], page: Page
) -> None:
    site, entry = corrected
    page.goto(site.url(f"/entries/{entry['id']}"))
    expect(page.locator("h1")).to_have_text(NEW_TITLE)
    expect(page.locator(".summary")).to_have_text(NEW_SUMMARY)
    versions = page.locator(".version")
    expect(versions).to_have_count(2)
    newest, first = versions.nth(0), versions.nth(1)
    expect(newest.locator("h3")).to_have_text("Version 2 · Corrected")
    expect(newest).to_contain_text("by fact-desk")
    expect(newest).to_contain_text(REASON)
    # Each change says the value it replaced, then the new one.
    expect(newest.locator(".changes")).to_contain_text(f"Title: {OLD_TITLE}")
    expect(newest.locator(".changes ins.new").first).to_have_text(NEW_TITLE)
    expect(first.locator("h3")).to_have_text("Version 1 · Recorded")
    expect(first).to_contain_text("by sample")
    expect(first).to_contain_text(f"log position {entry['before']['position']}")


def test_the_entry_as_of_its_first_version_shows_the_old_text(
    corrected: tuple[Site, dict[str, Any]], page: Page
) -> None:
    site, entry = corrected
    page.goto(site.url(f"/entries/{entry['id']}"))
    page.get_by_role("link", name="This entry as of version 1").click()
    expect(page.locator("h1")).to_have_text(OLD_TITLE)
    expect(page.locator(".summary")).to_have_text(entry["before"]["summary"])
    banner = page.locator("#as-of-banner")
    first = entry["versions"][0]
    expect(banner).to_contain_text(f"at position {first['position']}.")
    moment = display_moment(first["recorded_at"])
    expect(banner).to_contain_text(f"Its version then was recorded {moment}.")


def test_the_timeline_as_of_a_moment_before_the_correction_shows_the_old_title(
    corrected: tuple[Site, dict[str, Any]], page: Page
) -> None:
    site, entry = corrected
    first = entry["versions"][0]
    page.goto(site.url(f"/entries/{entry['id']}"))
    # A date-time, typed into the entry page's "view as of" control.
    page.get_by_label("Show the timeline as of").fill(first["recorded_at"])
    page.get_by_role("button", name="Show the timeline").click()
    page.wait_for_url(re.compile(r"/\?as_of="))
    banner = page.locator("#as-of-banner")
    expect(banner).to_contain_text("Viewing as the record stood at position")
    expect(page.get_by_role("link", name=OLD_TITLE)).to_be_visible()
    expect(page.get_by_role("link", name=NEW_TITLE)).to_have_count(0)
    expect(page.get_by_label("View as of")).to_have_value(first["recorded_at"])
    # And back to now, where the correction shows.
    banner.get_by_role("link", name="Show the record now").click()
    expect(page.get_by_role("link", name=NEW_TITLE)).to_be_visible()
    expect(page.get_by_role("link", name=OLD_TITLE)).to_have_count(0)


def test_the_timeline_link_of_a_version_shows_the_record_at_its_position(
    corrected: tuple[Site, dict[str, Any]], page: Page
) -> None:
    site, entry = corrected
    page.goto(site.url(f"/entries/{entry['id']}"))
    page.get_by_role("link", name="Timeline as of version 1").click()
    position = entry["versions"][0]["position"]
    expect(page.locator("#as-of-banner")).to_contain_text(f"at position {position} (")
    # As of its first version, the entries recorded after it are not there yet.
    then = httpx.get(site.url("/api/v1/timeline"), params={"as_of": position}).json()
    now = httpx.get(site.url("/api/v1/timeline")).json()
    shown = page.locator("article h3 a").evaluate_all("links => links.map(a => a.pathname)")
    ids = [str(path).removeprefix("/entries/") for path in shown]
    assert ids == [item["id"] for item in then["items"]]
    assert entry["id"] in ids
    assert len(ids) < len(now["items"])


def test_an_unknown_entry_is_a_404_page(site: Site, page: Page) -> None:
    answer = page.goto(site.url("/entries/00000000-0000-0000-0000-000000000000"))
    assert answer is not None
    assert answer.status == 404
    expect(page.locator("h1")).to_have_text("No such entry")
    expect(page.get_by_role("link", name="Back to the timeline")).to_be_visible()


def test_a_retracted_entry_leaves_the_timeline_and_is_marked_where_it_shows(
    retracted: tuple[Site, dict[str, Any]], page: Page
) -> None:
    site, entry = retracted
    assert entry["status"] == "retracted"
    page.goto(site.url("/"))
    expect(page.get_by_role("link", name=PLANNED)).to_have_count(0)
    page.get_by_label("Show retracted entries").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"include_retracted=true"))
    article = page.locator("article", has=page.get_by_role("link", name=PLANNED))
    expect(article.locator(".flag")).to_have_text("Retracted")
    expect(article.locator(".retraction")).to_have_text(f"Retracted: {RETRACTED_BECAUSE}")
    article.get_by_role("link", name=PLANNED).click()
    expect(page.get_by_role("note").first).to_contain_text(
        f"This entry was retracted: {RETRACTED_BECAUSE}"
    )
    expect(page.locator(".version h3").first).to_have_text(
        f"Version {entry['version']} · Retracted"
    )
