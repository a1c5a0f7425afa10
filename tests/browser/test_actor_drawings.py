"""The actor page's drawings: roles on a time axis, entries per month, co-actors around."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

BLINKEN = "antony-blinken"


def _history(site: Site, actor: str) -> list[dict[str, object]]:
    """Every entry of the actor's history, following the API's cursors to the end."""
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = httpx.get(site.url(f"/api/v1/actors/{actor}/history"), params=params).json()
        items += answer["items"]
        cursor = answer.get("next_cursor")
        if not cursor:
            return items


def test_the_roles_axis_draws_one_bar_per_role_of_the_actor(site: Site, page: Page) -> None:
    roles = httpx.get(site.url(f"/api/v1/actors/{BLINKEN}")).json()["roles"]
    page.goto(site.url(f"/actors/{BLINKEN}"))
    drawing = page.get_by_role("img", name="Roles over time")
    expect(drawing.locator("g.role-row[data-bar]")).to_have_count(len(roles))
    expect(drawing).to_have_attribute(
        "aria-label",
        "Roles over time: Secretary of State, US Department of State, "
        "26 Jan 2021 \u2013 20 Jan 2025.",
    )
    # A role with both ends known to the day is drawn sure from end to end.
    expect(drawing.locator("rect.unsure")).to_have_count(0)
    expect(page.get_by_role("region", name="Roles over time")).to_contain_text(
        "Secretary of State"
    )


def test_a_role_still_held_fades_towards_today(site: Site, page: Page) -> None:
    page.goto(site.url("/actors/brandon-johnson"))
    row = page.get_by_role("img", name="Roles over time").locator("g.role-row.open")
    expect(row.locator("rect.sure")).to_have_count(1)
    expect(row.locator("rect.unsure")).to_have_count(1)
    sure, unsure = (row.locator(f"rect.{c}").bounding_box() for c in ("sure", "unsure"))
    assert sure is not None
    assert unsure is not None
    assert unsure["x"] >= sure["x"] + sure["width"] - 1


def test_the_actors_chart_counts_every_entry_of_its_history(site: Site, page: Page) -> None:
    total = len(_history(site, BLINKEN))
    page.goto(site.url(f"/actors/{BLINKEN}"))
    chart = page.get_by_role("region", name="Activity over time")
    expect(chart).to_have_attribute("data-total", str(total))
    counts = chart.locator("g.bar").evaluate_all("bars => bars.map(b => +b.dataset.count)")
    assert sum(counts) == total > 0


def test_the_network_has_a_linked_node_per_co_actor_listed(site: Site, page: Page) -> None:
    page.goto(site.url(f"/actors/{BLINKEN}"))
    listed = page.get_by_role("region", name="Frequent co-actors").get_by_role("link")
    names = listed.all_inner_texts()
    nodes = page.get_by_role("region", name="Co-actor network").locator("a.node")
    expect(nodes).to_have_count(len(names))
    hrefs = nodes.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == listed.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    widths = [
        float(w)
        for w in page.locator(".co-network .edge").evaluate_all(
            "lines => lines.map(l => l.getAttribute('stroke-width'))"
        )
    ]
    assert widths == sorted(widths, reverse=True)
    for href in hrefs:
        assert httpx.get(site.url(href)).status_code == 200
    nodes.first.click()
    expect(page.locator("h1")).to_have_text(names[0])
