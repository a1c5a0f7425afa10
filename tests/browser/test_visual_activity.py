"""Activity over time: entries per month by kind, on the list and the drawing, in words too."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER


def _api_count(site: Site, **params: str) -> int:
    answer = httpx.get(site.url("/api/v1/timeline"), params={"limit": "500", **params})
    assert answer.status_code == 200, answer.text
    return len(answer.json()["items"])


def _bars(page: Page) -> dict[str, int]:
    pairs = page.locator("#activity .bar").evaluate_all(
        "bars => bars.map(b => [b.dataset.key, Number(b.dataset.count)])"
    )
    return {str(key): int(count) for key, count in pairs}


@pytest.mark.parametrize("path", ["/", "/visual"])
def test_the_chart_counts_every_entry_once_under_the_month_the_list_shows_it(
    site: Site, page: Page, path: str
) -> None:
    page.goto(site.url(path))
    chart = page.locator("#activity")
    total = _api_count(site)
    expect(chart).to_have_attribute("data-total", str(total))
    bars = _bars(page)
    assert sum(bars.values()) == total
    # The months the list heads its entries with: the approximate November start
    # counts in November, not in the October its widened bound reaches.
    assert list(bars) == ["2023-11", "2023-12", "2024-01"]
    if path == "/":
        headings = page.locator(".month").evaluate_all(
            "months => months.map(m => m.querySelectorAll('article').length)"
        )
        assert headings == list(bars.values())


def test_the_chart_counts_all_matching_entries_not_only_the_page(site: Site, page: Page) -> None:
    page.goto(site.url("/?kind=statement&limit=5"))
    expect(page.locator("article")).to_have_count(5)
    statements = _api_count(site, kind="statement")
    expect(page.locator("#activity")).to_have_attribute("data-total", str(statements))
    assert sum(_bars(page).values()) == statements


def test_the_chart_says_its_counts_in_words_and_in_a_table(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    chart = page.get_by_role("img", name="Entries per month")
    label = chart.get_attribute("aria-label") or ""
    bars = _bars(page)
    assert label.startswith(f"Entries per month, {sum(bars.values())} in all.")
    assert f"Dec 2023: {bars['2023-12']}" in label
    page.get_by_text("The counts as a table").click()
    table = page.locator("#activity table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.querySelector('td').textContent))"
    )
    assert rows == list(bars.values())
    footer = table.locator("tfoot td")
    expect(footer.first).to_have_text(str(sum(bars.values())))
    per_kind = [int(text) for text in footer.all_inner_texts()[1:]]
    assert sum(per_kind) == sum(bars.values())


def test_no_chart_when_nothing_matches(site: Site, page: Page) -> None:
    page.goto(site.url("/?q=zzzzunheardof"))
    expect(page.locator("#count")).to_contain_text("No entries match")
    expect(page.locator("#activity")).to_have_count(0)
