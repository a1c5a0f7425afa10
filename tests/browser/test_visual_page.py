"""The drawn timeline at `/visual`: lanes, bars over dates, zoom and pan, and entries to open."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from scripts.bench_import import write_synthetic_file
from tests.browser import BROWSER
from tests.browser.conftest import COMMAND, EXPECT_WAIT_MS, Site, _Server

pytestmark = BROWSER

PLANNED = "Planned: top White House officials to meet Mexican leaders in Washington in January"
ITEMS = ".vis-item[data-id]"
# More than the drawing clusters at (500): it opens on the last weeks, then widens.
CROWD = 600


def _api_items(site: Site, **params: str) -> list[dict[str, object]]:
    answer = httpx.get(site.url("/api/v1/timeline"), params={"limit": "500", **params})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def _drawn(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_function("window.visualTimeline !== undefined")
    expect(page.locator(ITEMS).first).to_be_visible()


def _window(page: Page) -> tuple[float, float]:
    start, end = page.evaluate(
        "(() => { const w = window.visualTimeline.getWindow();"
        " return [w.start.valueOf(), w.end.valueOf()]; })()"
    )
    return float(start), float(end)


def _window_after(page: Page, act: Callable[[], object]) -> tuple[float, float]:
    """The visible window once `act` has moved it and vis-timeline says the move
    ended (`rangechanged`, after its animation): however long a busy machine
    takes to draw it, and never halfway."""
    page.evaluate(
        """() => {
            window.rangeChanged = false;
            const timeline = window.visualTimeline;
            const ended = () => {
                window.rangeChanged = true;
                timeline.off("rangechanged", ended);
            };
            timeline.on("rangechanged", ended);
        }"""
    )
    act()
    page.wait_for_function("() => window.rangeChanged", timeout=EXPECT_WAIT_MS)
    return _window(page)


def _drawn_ids(page: Page) -> list[str]:
    ids: list[str] = page.locator(ITEMS).evaluate_all("items => items.map(e => e.dataset.id)")
    return ids


def test_every_sample_entry_is_drawn_once_in_the_lane_of_its_kind(site: Site, page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda message: _keep_errors(message, errors))
    _drawn(page, site.url("/visual"))
    api = _api_items(site)
    assert sorted(_drawn_ids(page)) == sorted(str(item["id"]) for item in api)
    lanes = page.locator(".vis-labelset .vis-label").all_inner_texts()
    kinds = {str(item["kind"]) for item in api}
    assert len(lanes) == len(kinds)
    # Busiest first, each with its count: 14 statements in the sample.
    assert lanes[0].strip() == "Statement (14)"
    expect(page.locator("#count")).to_contain_text(f"{len(api)} entries in {len(kinds)} lanes")
    # vis-timeline's own styles are allowed by digest: the policy stops nothing on the page.
    assert [e for e in errors if "Content Security Policy" in e] == []


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(message.text)


@pytest.mark.parametrize(("lanes", "count"), [("topic", 5), ("actor", None)])
def test_lanes_by_topic_or_actor_are_chosen_in_the_url(
    site: Site, page: Page, lanes: str, count: int | None
) -> None:
    _drawn(page, site.url(f"/visual?lanes={lanes}"))
    api = _api_items(site)
    key = "topics" if lanes == "topic" else "actors"
    firsts = set()
    for item in api:
        values = item[key]
        assert isinstance(values, list)
        firsts.add(values[0] if lanes == "topic" else values[0]["actor"])
    labels = page.locator(".vis-labelset .vis-label").all_inner_texts()
    assert len(labels) == len(firsts) == (count or len(firsts))
    assert len(_drawn_ids(page)) == len(api)
    expect(page.locator("#f-lanes")).to_have_value(lanes)


def test_the_buttons_zoom_and_move_the_visible_window(site: Site, page: Page) -> None:
    _drawn(page, site.url("/visual"))
    start, end = _window(page)
    zoomed = _window_after(page, page.get_by_role("button", name="Zoom in").click)
    assert zoomed[1] - zoomed[0] < (end - start) * 0.8
    moved = _window_after(page, page.get_by_role("button", name="Later").click)
    assert moved[0] > zoomed[0]
    assert moved[1] - moved[0] == pytest.approx(zoomed[1] - zoomed[0], rel=0.01)


def test_ctrl_and_the_wheel_zoom_and_a_drag_pans(site: Site, page: Page) -> None:
    _drawn(page, site.url("/visual"))
    box = page.locator("#visual .vis-center").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + 40
    before = _window(page)
    page.mouse.move(x, y)

    def zoom() -> None:
        page.keyboard.down("Control")
        page.mouse.wheel(0, -400)
        page.keyboard.up("Control")

    zoomed = _window_after(page, zoom)
    assert zoomed[1] - zoomed[0] < before[1] - before[0]
    page.mouse.move(x, y)

    def drag() -> None:
        page.mouse.down()
        page.mouse.move(x - 300, y, steps=8)
        page.mouse.up()

    assert _window_after(page, drag)[0] > zoomed[0]


def test_a_click_on_an_entry_opens_its_page(site: Site, page: Page) -> None:
    _drawn(page, site.url("/visual"))
    ident = _drawn_ids(page)[0]
    page.locator(f'{ITEMS}[data-id="{ident}"]').click()
    page.wait_for_url(f"**/entries/{ident}")
    expect(page.locator("h1")).to_be_visible()


def test_entries_take_focus_and_open_with_enter(site: Site, page: Page) -> None:
    _drawn(page, site.url("/visual"))
    item = page.locator(ITEMS).first
    ident = item.get_attribute("data-id")
    expect(item).to_have_attribute("tabindex", "0")
    expect(item).to_have_attribute("role", "link")
    item.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/entries/{ident}")


def test_approximate_and_uncertain_dates_fade_over_their_bounds(site: Site, page: Page) -> None:
    _drawn(page, site.url("/visual"))
    by_occurred = {str(item["occurred"]): str(item["id"]) for item in _api_items(site)}
    approximate = page.locator(f'[data-id="{by_occurred["2023-11~/2023-12-28"]}"]')
    expect(approximate).to_have_class(
        "vis-item vis-range kind-congressional_negotiation fuzzy-start vis-readonly"
    )
    fading = approximate.evaluate("e => getComputedStyle(e).backgroundImage")
    assert fading.startswith("linear-gradient")
    uncertain = page.locator(f'[data-id="{by_occurred["2024-01?"]}"]')
    expect(uncertain).to_have_class(
        "vis-item vis-range kind-meeting fuzzy-start fuzzy-end vis-readonly"
    )
    exact = page.locator(f'[data-id="{by_occurred["2023-12-27"]}"]')
    expect(exact).not_to_have_class("fuzzy-start")
    assert exact.evaluate("e => getComputedStyle(e).backgroundImage") == "none"


def test_filters_stay_in_the_url_and_the_list_link_keeps_them(site: Site, page: Page) -> None:
    _drawn(page, site.url("/visual"))
    page.locator("#f-topic").fill("city-capacity")
    page.locator("#f-lanes").select_option("actor")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("window.visualTimeline !== undefined")
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query == {"topic": "city-capacity", "lanes": "actor"}
    expected = sorted(str(item["id"]) for item in _api_items(site, topic="city-capacity"))
    expect(page.locator(ITEMS)).to_have_count(len(expected))
    assert sorted(_drawn_ids(page)) == expected
    link = page.locator("#list-link")
    expect(link).to_have_attribute("href", "/?topic=city-capacity")
    link.click()
    page.wait_for_url("**/?topic=city-capacity")


def test_a_refused_filter_is_named_and_nothing_is_drawn(site: Site, page: Page) -> None:
    answer = httpx.get(site.url("/visual"), params={"lanes": "colour", "from": "soon"})
    assert answer.status_code == 422
    page.goto(site.url("/visual?lanes=colour&from=soon"))
    errors = page.locator("#errors")
    expect(errors).to_contain_text("Lanes: 'colour': expected one of: kind, topic, actor")
    expect(errors).to_contain_text("From")
    expect(page.locator("#visual")).to_have_count(0)


def test_as_of_draws_the_record_as_it_stood(site: Site, page: Page) -> None:
    then = _api_items(site, as_of="30")
    _drawn(page, site.url("/visual?as_of=30"))
    assert sorted(_drawn_ids(page)) == sorted(str(item["id"]) for item in then)
    expect(page.locator("#as-of-banner")).to_contain_text("position 30")


@pytest.fixture(scope="module")
def retracted_site(start_site: Callable[..., Site]) -> Site:
    """A server where a writer retracted the planned meeting."""
    site = start_site()
    writer = {"Authorization": f"Bearer {site.token('desk', 'read,write')}"}
    entry = next(item for item in _api_items(site) if item["title"] == PLANNED)
    answer = httpx.post(
        site.url(f"/api/v1/entries/{entry['id']}/retractions"),
        headers=writer,
        json={"expected_version": entry["version"], "reason": "A plan, not an event"},
    )
    assert answer.status_code == 200, answer.text
    return site


def test_retracted_entries_show_only_when_asked_and_are_marked(
    retracted_site: Site, page: Page
) -> None:
    _drawn(page, retracted_site.url("/visual"))
    assert len(_drawn_ids(page)) == 23
    _drawn(page, retracted_site.url("/visual?include_retracted=true"))
    assert len(_drawn_ids(page)) == 24
    marked = page.locator(f"{ITEMS}.retracted")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("Retracted: " + PLANNED[:20])


def test_the_vendored_library_is_served_from_the_package(site: Site) -> None:
    for name in ("vis-timeline-graph2d.min.js", "vis-timeline-graph2d.min.css"):
        answer = httpx.get(site.url(f"/static/vendor/vis-timeline/{name}"))
        assert answer.status_code == 200
        assert len(answer.content) > 10_000
    assert httpx.get(site.url("/static/vendor/vis-timeline/README.md")).status_code == 404


@pytest.fixture(scope="module")
def crowded_site(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample and 600 synthetic entries (the bench's) over four years, served."""
    folder = tmp_path_factory.mktemp("crowded")
    for part in sample_store.parent.glob(sample_store.name + "*"):
        shutil.copy(part, folder / part.name)
    db = f"sqlite:///{folder / sample_store.name}"
    synthetic = folder / "synthetic.ndjson"
    write_synthetic_file(synthetic, CROWD)
    done = subprocess.run([COMMAND, "--db", db, "import", str(synthetic)], capture_output=True)
    assert done.returncode == 0, done.stderr
    with _Server(db, folder, ()) as base:
        yield Site(base, db)


def test_many_entries_are_clustered_when_zoomed_out_and_part_when_zoomed_in(
    crowded_site: Site, page: Page
) -> None:
    _drawn(page, crowded_site.url("/visual"))
    expect(page.locator("#count")).to_contain_text(f"{CROWD + 24} entries")
    clusters = page.locator(".vis-cluster")
    expect(clusters.first).to_be_visible()
    # The drawing opened on the last weeks, then widened to every entry.
    first, last = _window(page)
    assert last - first > 365 * 86_400_000
    drawn = page.locator(ITEMS).count()
    assert drawn + clusters.count() < CROWD / 2
    for _ in range(4):  # one after the other: a click during a zoom's animation cuts it short
        start, end = _window_after(page, page.get_by_role("button", name="Zoom in").click)
    assert end - start < (last - first) / 4
    assert page.locator(ITEMS).count() > 0
