"""An actor's page: names, roles over time, entries in order with the role, co-actors."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

AMLO = "andres-manuel-lopez-obrador"


def test_an_actor_page_shows_names_roles_entries_and_co_actors(site: Site, page: Page) -> None:
    page.goto(site.url(f"/actors/{AMLO}"))
    expect(page.locator("h1")).to_have_text("Andrés Manuel López Obrador")
    names = page.get_by_role("region", name="Names")
    expect(names).to_contain_text("AMLO")
    roles = page.get_by_role("region", name="Roles over time")
    expect(roles).to_contain_text("President of Mexico, Mexico")
    expect(roles).to_contain_text("1 Dec 2018 \u2013 30 Sep 2024")
    history = httpx.get(site.url(f"/api/v1/actors/{AMLO}/history")).json()["items"]
    shown = page.locator("article h4 a").evaluate_all("links => links.map(a => a.pathname)")
    assert [str(p).removeprefix("/entries/") for p in shown] == [e["id"] for e in history]
    first = page.locator("article").first
    expect(first.locator(".role-here")).to_have_text(f"as {history[0]['role']}")
    co_actors = page.get_by_role("region", name="Frequent co-actors")
    expect(co_actors.get_by_role("link").first).to_have_text("Joe Biden")
    expect(co_actors).to_contain_text("3 entries together")


def test_an_actor_link_on_an_entry_opens_their_page_and_a_co_actor_link_the_next(
    site: Site, page: Page
) -> None:
    page.goto(site.url("/?actor=joe-biden"))
    page.locator("article .actors").first.get_by_role("link", name="Joe Biden").click()
    expect(page.locator("h1")).to_have_text("Joe Biden")
    page.get_by_role("region", name="Frequent co-actors").get_by_role(
        "link", name="Andrés Manuel López Obrador"
    ).click()
    expect(page.locator("h1")).to_have_text("Andrés Manuel López Obrador")


def test_newest_first_reverses_the_actors_entries(site: Site, page: Page) -> None:
    page.goto(site.url(f"/actors/{AMLO}"))
    oldest = page.locator("article h4").all_inner_texts()
    page.get_by_role("link", name="Show newest first").click()
    expect(page.get_by_role("heading", name="Entries, newest first")).to_be_visible()
    assert page.locator("article h4").all_inner_texts() == oldest[::-1]


def test_an_unknown_actor_is_a_404_page(site: Site, page: Page) -> None:
    answer = page.goto(site.url("/actors/nobody-at-all"))
    assert answer is not None
    assert answer.status == 404
    expect(page.locator("h1")).to_have_text("No such actor")
