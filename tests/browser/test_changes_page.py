"""What changed between two moments (`/changes`), and old → new in an entry's history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

OLD_TITLE = "Border Patrol apprehended more than 191,000 migrants in November"
NEW_TITLE = "Border Patrol apprehended over 191,000 migrants in November"
REASON = "The report's own wording"
PLANNED = "Planned: top White House officials to meet Mexican leaders in Washington in January"
RETRACTED_BECAUSE = "A plan, not an event"


def _entry(site: Site, title: str) -> dict[str, Any]:
    found = httpx.get(site.url("/api/v1/timeline"), params={"limit": 500}).json()["items"]
    entry: dict[str, Any] = next(item for item in found if item["title"] == title)
    return entry


@pytest.fixture(scope="module")
def edited(start_site: Callable[..., Site]) -> tuple[Site, int, dict[str, Any]]:
    """A server where a writer corrected one entry's title and retracted another;
    the log position before both, and the corrected entry as answered after."""
    site = start_site()
    writer = {"Authorization": f"Bearer {site.token('desk', 'read,write')}"}
    before = int(httpx.get(site.url("/api/v1/timeline")).json()["as_of"]["position"])
    entry = _entry(site, OLD_TITLE)
    corrected = httpx.post(
        site.url(f"/api/v1/entries/{entry['id']}/corrections"),
        headers=writer,
        json={
            "expected_version": entry["version"],
            "changes": {"title": NEW_TITLE},
            "reason": REASON,
        },
    )
    assert corrected.status_code == 200, corrected.text
    planned = _entry(site, PLANNED)
    retracted = httpx.post(
        site.url(f"/api/v1/entries/{planned['id']}/retractions"),
        headers=writer,
        json={"expected_version": planned["version"], "reason": RETRACTED_BECAUSE},
    )
    assert retracted.status_code == 200, retracted.text
    return site, before, corrected.json()


def test_the_changes_between_two_moments_name_who_why_and_old_and_new(
    edited: tuple[Site, int, dict[str, Any]], page: Page
) -> None:
    site, before, entry = edited
    page.goto(site.url(f"/changes?from={before}"))
    expect(page.locator("#count")).to_contain_text(f"After log position {before} up to")
    expect(page.locator("#count")).to_contain_text("1 corrected, 1 retracted.")
    rows = page.locator(".change-list > li")
    expect(rows).to_have_count(2)
    correction = rows.first
    expect(correction).to_have_attribute("data-event", "corrected")
    expect(correction.locator(".change-title")).to_have_text(NEW_TITLE)
    expect(correction.locator(".version-meta")).to_contain_text("by desk")
    expect(correction.locator(".why")).to_have_text(f"Why: {REASON}")
    expect(correction.locator("del.old")).to_have_text(OLD_TITLE)
    expect(correction.locator("ins.new")).to_have_text(NEW_TITLE)
    retraction = rows.nth(1)
    expect(retraction).to_have_attribute("data-event", "retracted")
    expect(retraction.locator(".why")).to_have_text(f"Why: {RETRACTED_BECAUSE}")
    correction.get_by_role("link", name=NEW_TITLE).click()
    page.wait_for_url(f"**/entries/{entry['id']}")


def test_a_stretch_before_the_edits_holds_only_what_the_sample_recorded(
    edited: tuple[Site, int, dict[str, Any]], page: Page
) -> None:
    site, before, _ = edited
    page.goto(site.url(f"/changes?from=0&to={before}"))
    events = page.locator(".change-list > li").evaluate_all(
        "rows => rows.map(r => r.dataset.event)"
    )
    assert set(events) <= {"recorded", "linked", "source_cited"}
    assert events.count("recorded") == 24
    positions = page.locator(".change-list > li").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.position))"
    )
    assert positions == sorted(positions)
    assert all(0 < p <= before for p in positions)


def test_the_entry_history_shows_old_and_new_and_links_to_that_moment(
    edited: tuple[Site, int, dict[str, Any]], page: Page
) -> None:
    site, _, entry = edited
    page.goto(site.url(f"/entries/{entry['id']}"))
    latest = page.locator(".version").first
    expect(latest.locator("del.old")).to_have_text(OLD_TITLE)
    expect(latest.locator("ins.new")).to_have_text(NEW_TITLE)
    latest.get_by_role("link", name="What changed at this moment").click()
    page.wait_for_url("**/changes?**")
    rows = page.locator(".change-list > li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-position", str(entry["position"]))


def test_the_view_as_of_banner_links_to_what_changed_since(
    edited: tuple[Site, int, dict[str, Any]], page: Page
) -> None:
    site, before, _ = edited
    page.goto(site.url(f"/?as_of={before}"))
    page.locator("#changes-since").click()
    page.wait_for_url(f"**/changes?from={before}")
    expect(page.locator(".change-list > li")).to_have_count(2)


def test_moments_may_be_times_and_bad_ones_are_refused(
    edited: tuple[Site, int, dict[str, Any]], page: Page
) -> None:
    site, before, entry = edited
    moment = entry["updated_at"]
    answer = httpx.get(site.url("/changes"), params={"from": before, "to": moment})
    assert answer.status_code == 200
    assert answer.text.count('data-event="corrected"') == 1
    for params, words in [
        ({"from": "soon"}, "expected a log position or an ISO 8601 time"),
        ({"from": "9", "to": "3"}, "From (9) is after To (3)"),
    ]:
        refused = httpx.get(site.url("/changes"), params=params)
        assert refused.status_code == 422
        assert words in refused.text
    page.goto(site.url("/changes?from=soon"))
    expect(page.locator("#errors")).to_be_visible()
