"""The timeline at `/` as a reader sees it: months, entries, filters, pages, downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from playwright.sync_api import Page, expect

from tests.browser import BROWSER
from tests.browser.conftest import Site

pytestmark = BROWSER

MEETING = "Blinken, Mayorkas and Sherwood-Randall meet López Obrador in Mexico City"


def _entry_ids(page: Page) -> list[str]:
    links = page.locator("article h3 a").evaluate_all("links => links.map(a => a.pathname)")
    return [str(path).removeprefix("/entries/") for path in links]


def _api_ids(site: Site, **params: str) -> list[str]:
    answer = httpx.get(site.url("/api/v1/timeline"), params={"limit": "500", **params})
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_the_sample_timeline_shows_every_entry_under_its_month_in_order(
    site: Site, page: Page
) -> None:
    page.goto(site.url("/"))
    expect(page.locator("h1")).to_have_text("Timeline")
    # The first entry, "~Nov - 28 Dec 2023" (an en dash), is ordered by its widened lower bound
    # (1 October) but stands under the month it names.
    months = page.locator(".month-heading").all_inner_texts()
    assert months == ["November 2023", "December 2023", "January 2024"]
    first = page.locator(".month").first.locator("article .when").first
    expect(first).to_have_text("~Nov \u2013 28 Dec 2023")
    assert _entry_ids(page) == _api_ids(site)
    assert len(_entry_ids(page)) == 24
    meeting = page.locator("article", has=page.get_by_role("link", name=MEETING))
    expect(meeting.locator(".when")).to_have_text("27 Dec 2023")
    expect(meeting.locator(".kind")).to_have_text("Meeting")
    expect(meeting.locator(".actors")).to_contain_text("Antony Blinken (participant)")
    expect(meeting.locator(".topics")).to_contain_text("border-security")


def test_dates_show_as_precisely_as_the_record_knows_them(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    dates = set(page.locator("article .when").all_inner_texts())
    # A month, a week's interval, an approximate start, and an uncertain month
    # (\u2013 is the en dash ranges are written with).
    shown = {"Nov 2023", "18\u201324 Dec 2023", "~Nov \u2013 28 Dec 2023", "Jan 2024?"}
    assert shown <= dates


def test_filtering_by_an_actor_shows_only_their_entries_and_keeps_the_filter_in_the_url(
    site: Site, page: Page
) -> None:
    page.goto(site.url("/"))
    page.get_by_label("Actor").select_option(label="Joe Biden")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"actor=joe-biden"))
    # Only the filter used is in the URL: unused fields are left out of it.
    assert parse_qsl(urlsplit(page.url).query) == [("actor", "joe-biden")]
    shown = _entry_ids(page)
    assert shown == _api_ids(site, actor="joe-biden")
    assert len(shown) == 3
    for article in page.locator("article").all():
        expect(article.locator(".actors")).to_contain_text("Joe Biden")
    expect(page.get_by_label("Actor")).to_have_value("joe-biden")


def test_a_shared_filtered_url_opens_the_same_view(site: Site, page: Page) -> None:
    page.goto(site.url("/?topic=sanctions&kind=statement&order=desc"))
    assert _entry_ids(page) == _api_ids(site, topic="sanctions", kind="statement", order="desc")
    expect(page.get_by_label("Topic")).to_have_value("sanctions")
    expect(page.get_by_label("Kind")).to_have_value("statement")
    expect(page.get_by_label("Order")).to_have_value("desc")  # asc is the empty default


def test_an_entry_opens_from_the_timeline(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.get_by_role("link", name=MEETING).click()
    expect(page.locator("h1")).to_have_text(MEETING)
    assert re.fullmatch(r".*/entries/[0-9a-f-]{36}", page.url)
    expect(page.locator(".facts-list")).to_contain_text("Mexico City")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    expect(page.locator("#sources-heading + ol")).to_contain_text(
        "the meeting lasted over two hours"
    )


def test_the_sources_of_an_entry_open_on_demand(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    meeting = page.locator("article", has=page.get_by_role("link", name=MEETING))
    quote = meeting.get_by_text("the meeting lasted over two hours")
    expect(quote).to_be_hidden()
    meeting.get_by_text("Sources and quotes").click()
    expect(quote).to_be_visible()
    expect(meeting.locator(".cite").first).to_contain_text(
        "CBS News (Caitlin Yilek, Camilo Montoya Galvez), published 28 Dec 2023."
    )


def test_pages_follow_the_api_cursor_until_the_last(site: Site, page: Page) -> None:
    page.goto(site.url("/?limit=10"))
    seen = _entry_ids(page)
    while (later := page.get_by_role("link", name="Later entries")).count():
        later.click()
        page.wait_for_load_state()
        shown = _entry_ids(page)
        assert shown
        assert not set(shown) & set(seen)
        seen += shown
    assert seen == _api_ids(site)
    page.get_by_role("link", name="Back to the first page").click()
    assert _entry_ids(page) == seen[:10]


def test_a_bad_filter_is_explained_in_the_page_and_the_view_stays_usable(
    site: Site, page: Page
) -> None:
    answer = page.goto(site.url("/?from=2023-13&topic=migration"))
    assert answer is not None
    assert answer.status == 422
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The filters need a change")
    expect(alert).to_contain_text("From")
    expect(alert).to_contain_text("'2023-13' is not valid EDTF")
    field = page.get_by_label("From")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("2023-13")
    expect(page.get_by_label("Topic")).to_have_value("migration")
    assert page.locator("article").count() == 0
    # Fix it in place, and the view answers.
    field.fill("2023-12")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"from=2023-12"))
    expect(page.get_by_role("alert")).to_have_count(0)
    assert _entry_ids(page) == _api_ids(site, topic="migration", **{"from": "2023-12"})


def test_downloads_carry_the_current_filters_to_every_export_format(
    site: Site, page: Page
) -> None:
    page.goto(site.url("/?q=border&kind=statement"))
    downloads = page.get_by_role("region", name="Download this view")
    hrefs = downloads.locator("li a").evaluate_all("links => links.map(a => a.href)")
    expected = ["md", "html", "csv", "json", "ndjson", "ics", "timelinejs"]
    assert [urlsplit(h).path for h in hrefs] == ["/api/v1/exports/chronology"] * 7
    assert [parse_qsl(urlsplit(h).query) for h in hrefs] == [
        [("format", fmt), ("q", "border"), ("kind", "statement")] for fmt in expected
    ]
    json_link = downloads.get_by_role("link", name="This page as JSON")
    answer = httpx.get(site.url(str(json_link.get_attribute("href"))))
    assert answer.status_code == 200
    assert [item["id"] for item in answer.json()["items"]] == _entry_ids(page)


def test_one_button_opens_and_closes_every_entrys_sources(site: Site, page: Page) -> None:
    page.goto(site.url("/?topic=foreign-aid"))
    sources = page.locator("details.sources")
    assert sources.count() > 1
    page.get_by_role("button", name="Open all sources").click()
    assert sources.evaluate_all("all => all.every(d => d.open)")
    page.get_by_role("button", name="Close all sources").click()
    assert sources.evaluate_all("all => all.every(d => !d.open)")


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Each format's media type, and how to read the ids of its entries, in order.
DOWNLOADS: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    "Markdown": ("text/markdown", lambda t: re.findall(rf"; id `({UUID})`", t)),
    "HTML": ("text/html", lambda t: re.findall(rf'<article id="entry-({UUID})"', t)),
    "CSV": ("text/csv", lambda t: [row["id"] for row in csv.DictReader(io.StringIO(t))]),
    "JSON": ("application/json", lambda t: [e["id"] for e in json.loads(t)["entries"]]),
    "NDJSON": (
        "application/x-ndjson",
        lambda t: [r["id"] for r in map(json.loads, t.splitlines()) if r.get("type") == "entry"],
    ),
    "iCalendar": ("text/calendar", lambda t: re.findall(rf"UID:({UUID})@", t)),
    "TimelineJS": (
        "application/json",
        lambda t: [e["unique_id"].removeprefix("entry-") for e in json.loads(t)["events"]],
    ),
}


def test_every_download_link_downloads_the_filtered_view_in_its_format(
    site: Site, page: Page, tmp_path: Path
) -> None:
    page.goto(site.url("/?actor=joe-biden&order=desc"))
    expected = _api_ids(site, actor="joe-biden", order="desc")
    assert len(expected) == 3
    links = page.get_by_role("region", name="Download this view").locator("li a")
    assert links.all_inner_texts() == list(DOWNLOADS)
    for link in links.all():
        label = link.inner_text()
        media_type, read_ids = DOWNLOADS[label]
        with page.expect_download() as started:
            link.click()
        download = started.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        answer = httpx.get(site.url(str(link.get_attribute("href"))))
        assert answer.status_code == 200, label
        assert answer.headers["content-type"].split(";")[0] == media_type, label
        # What the browser saved is the export itself: the same position, the same bytes.
        assert saved.read_bytes() == answer.content, label
        assert re.fullmatch(r"chronology-at-\d+\..+", saved.name), label
        assert read_ids(answer.text) == expected, label


def test_a_view_with_a_refused_filter_offers_no_downloads(site: Site, page: Page) -> None:
    page.goto(site.url("/?actor=joe-biden&from=2023-13"))
    expect(page.get_by_role("alert")).to_contain_text("From")
    expect(page.get_by_role("region", name="Download this view")).to_have_count(0)
