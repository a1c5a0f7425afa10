"""Keyboard, screen reader and phone use of the pages; and no data past protected reads."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

PHONE: ViewportSize = {"width": 375, "height": 812}
MEETING = "Blinken, Mayorkas and Sherwood-Randall meet López Obrador in Mexico City"


def _meeting_path(site: Site, page: Page) -> str:
    page.goto(site.url("/"))
    href = page.get_by_role("link", name=MEETING).get_attribute("href")
    assert href is not None
    return href


def test_keyboard_alone_reaches_an_entrys_sources_and_opens_them_with_enter(
    site: Site, page: Page
) -> None:
    page.goto(site.url("/"))
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")  # the skip link: the next Tab is inside main
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    else:
        pytest.fail("Tab never reached an entry's sources")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Sources and quotes (3)")  # the first entry's
    details = page.locator("details.sources").first
    expect(details).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    expect(details.locator(".cite q").first).to_be_visible()


def test_focus_is_visible_on_links_and_controls(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.keyboard.press("Tab")
    for _ in range(4):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; })()"
        )
        assert style[0] != "none"
        assert float(style[1].removesuffix("px")) >= 2


def test_pages_have_landmarks_a_language_headings_in_order_labels_and_unique_ids(
    site: Site, page: Page
) -> None:
    for path in ("/", "/actors/joe-biden", _meeting_path(site, page), "/?from=bad"):
        page.goto(site.url(path))
        assert page.evaluate("document.documentElement.lang") == "en"
        for role in ("banner", "navigation", "main", "contentinfo"):
            expect(page.get_by_role(role).first).to_be_attached()
        expect(page.locator("h1")).to_have_count(1)
        levels = page.locator("h1, h2, h3, h4, h5, h6").evaluate_all(
            "hs => hs.map(h => Number(h.tagName[1]))"
        )
        assert levels[0] == 1, path
        assert all(b <= a + 1 for a, b in pairwise(levels)), (path, levels)
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
                 .map(c => c.name)"""
        )
        assert unlabelled == [], path
        ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
        assert len(ids) == len(set(ids)), path  # labels and descriptions point at one each


@pytest.mark.parametrize("path", ["/", "/actors/andres-manuel-lopez-obrador", "entry", "/?q=x!"])
def test_pages_fit_a_375_pixel_phone_without_scrolling_sideways(
    site: Site, browser: Browser, page: Page, path: str
) -> None:
    if path == "entry":
        path = _meeting_path(site, page)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        tab = phone.new_page()
        tab.goto(site.url(path))
        tab.locator("details.sources").evaluate_all("all => all.forEach(d => d.open = true)")
        widths = tab.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths == [375, 375]
    finally:
        phone.close()


def test_on_a_phone_the_filters_fold_behind_a_button_so_the_entries_come_first(
    site: Site, browser: Browser
) -> None:
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        tab = phone.new_page()
        tab.goto(site.url("/?topic=migration"))
        toggle = tab.locator("button[aria-controls=filters]")
        expect(toggle).to_have_accessible_name("Show the filters (1 in use)")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(tab.get_by_role("search")).to_be_hidden()
        box = tab.locator("article").first.bounding_box()
        assert box is not None
        assert box["y"] < PHONE["height"] / 2
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(toggle).to_have_accessible_name("Hide the filters (1 in use)")
        expect(tab.get_by_label("Topic")).to_have_value("migration")
        tab.keyboard.press("Tab")  # from the button, straight into the filters
        expect(tab.get_by_label("Text")).to_be_focused()
        # Refused filters stay open, to be changed.
        tab.goto(site.url("/?from=2023-13"))
        expect(tab.get_by_role("search")).to_be_visible()
        expect(tab.locator(".filters-toggle")).to_have_count(0)
    finally:
        phone.close()


def test_protected_reads_show_a_401_page_and_no_entry(
    start_site: Callable[..., Site], browser: Browser
) -> None:
    site = start_site("--protect-reads")
    reader = site.token("newsroom-reader", "read")
    anonymous = browser.new_context()
    with_token = browser.new_context(extra_http_headers={"Authorization": f"Bearer {reader}"})
    try:
        tab = anonymous.new_page()
        for path in ("/", "/actors/joe-biden", "/entries/00000000-0000-0000-0000-000000000000"):
            answer = tab.goto(site.url(path))
            assert answer is not None
            assert answer.status == 401
            assert answer.headers["www-authenticate"] == "Bearer"
            expect(tab.locator("h1")).to_have_text("Reads need a token")
            expect(tab.locator("main")).to_contain_text("--protect-reads")
            expect(tab.locator("article")).to_have_count(0)
            expect(tab.locator("main")).not_to_contain_text("Biden")
        # A token the server does not know is refused as such, and shows nothing either.
        refused = httpx.get(site.url("/"), headers={"Authorization": "Bearer not-a-token"})
        assert refused.status_code == 401
        assert "<h1>Token not accepted</h1>" in refused.text
        assert "Biden" not in refused.text
        # The same pages answer a reader whose requests carry a token with scope read.
        tab = with_token.new_page()
        answer = tab.goto(site.url("/"))
        assert answer is not None
        assert answer.status == 200
        expect(tab.get_by_role("link", name=MEETING)).to_be_visible()
    finally:
        anonymous.close()
        with_token.close()
