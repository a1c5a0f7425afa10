"""Facets beside the list: topics, actors and kinds in use, counted as the API counts them."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

VIEWS = [{}, {"kind": "statement"}, {"topic": "city-capacity"}, {"q": "border", "to": "2023-12"}]


def _facet(page: Page, name: str) -> dict[str, int]:
    pairs = page.locator(f"#facet-{name} li").evaluate_all(
        "items => items.map(li => [li.dataset.value, Number(li.dataset.count)])"
    )
    return {str(value): int(count) for value, count in pairs}


def _api_items(site: Site, params: dict[str, str]) -> list[dict[str, object]]:
    answer = httpx.get(site.url("/api/v1/timeline"), params={"limit": "500", **params})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


@pytest.mark.parametrize("params", VIEWS)
def test_facet_counts_equal_the_apis(site: Site, page: Page, params: dict[str, str]) -> None:
    page.goto(site.url("/?" + urlencode(params)))
    topics = httpx.get(site.url("/api/v1/topics"), params=params).json()["items"]
    assert _facet(page, "topic") == {item["topic"]: item["entries"] for item in topics}
    items = _api_items(site, params)
    kinds = Counter(str(item["kind"]) for item in items)
    assert _facet(page, "kind") == dict(kinds)
    actors: Counter[str] = Counter()
    for item in items:
        named = item["actors"]
        assert isinstance(named, list)
        actors.update({part["actor"] for part in named})
    assert _facet(page, "actor") == dict(actors)


def test_a_facet_adds_its_filter_and_takes_it_away_again(site: Site, page: Page) -> None:
    page.goto(site.url("/?kind=statement"))
    chicago = page.locator("#facet-actor li[data-value='chicago']")
    count = int(chicago.get_attribute("data-count") or "0")
    chicago.get_by_role("link").click()
    page.wait_for_load_state()
    assert dict(parse_qsl(urlsplit(page.url).query)) == {"kind": "statement", "actor": "chicago"}
    expect(page.locator("article")).to_have_count(count)
    active = page.locator("#facet-actor li.active")
    expect(active).to_have_attribute("data-value", "chicago")
    expect(active.get_by_role("link")).to_have_attribute("aria-current", "true")
    active.get_by_role("link").click()
    page.wait_for_load_state()
    assert dict(parse_qsl(urlsplit(page.url).query)) == {"kind": "statement"}


def test_the_topic_filter_is_a_choice_of_the_topics_in_use(site: Site, page: Page) -> None:
    page.goto(site.url("/?kind=statistic"))
    topics = httpx.get(site.url("/api/v1/topics"), params={"kind": "statistic"}).json()["items"]
    options = page.locator("#f-topic option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", *[item["topic"] for item in topics]]
    page.locator("#f-topic").select_option("border-security")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query == {"kind": "statistic", "topic": "border-security"}
    # The chosen topic stays a choice, with the others its kind leaves.
    expect(page.locator("#f-topic")).to_have_value("border-security")
    assert page.locator("#f-topic option").count() == len(topics) + 1


def test_a_topic_no_entry_carries_is_still_shown_chosen(site: Site, page: Page) -> None:
    page.goto(site.url("/?topic=no-such-topic"))
    expect(page.locator("#f-topic")).to_have_value("no-such-topic")
    expect(page.locator("#count")).to_contain_text("No entries match")
