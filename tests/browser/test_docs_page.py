"""The API reference at /docs in Chromium: every file from this server, the
operations shown, under the pages' Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from playwright.sync_api import ConsoleMessage, Page, Request, expect

from tests.browser.conftest import Site


def test_the_api_reference_loads_from_this_server_only_and_shows_the_operations(
    site: Site, page: Page
) -> None:
    hosts: set[str] = set()
    complaints: list[str] = []

    def asked(request: Request) -> None:
        hosts.add(urlsplit(request.url).netloc)

    def said(message: ConsoleMessage) -> None:
        if message.type == "error":
            complaints.append(message.text)

    page.on("request", asked)
    page.on("console", said)
    page.goto(site.url("/docs"))
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.locator('.opblock-summary-path[data-path="/api/v1/timeline"]')).to_have_count(1)
    paths = httpx.get(site.url("/openapi.json")).json()["paths"]
    shown = page.locator(".opblock").count()
    assert shown == sum(len(operations) for operations in paths.values())
    assert hosts == {urlsplit(site.base).netloc}
    # A Content-Security-Policy refusal shows as a console error.
    assert not [c for c in complaints if "Content Security Policy" in c], complaints


def test_the_header_links_to_the_api_reference(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.get_by_role("navigation", name="Site").get_by_role("link", name="API").click()
    expect(page).to_have_url(site.url("/docs"))
    expect(page.get_by_role("heading", name="API reference", level=1)).to_be_visible()


def test_a_missing_page_is_an_html_page_in_a_browser(site: Site, page: Page) -> None:
    response = page.goto(site.url("/actors/nobody/nothing"))
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No such page")
    expect(page.get_by_role("link", name="Back to the timeline")).to_be_visible()
