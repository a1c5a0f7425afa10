"""The pages as HTTP answers, without a browser: each store, statuses, headers, URLs."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api import Settings, create_app
from domain import TimelineApp
from projections import ReadModels
from tests.browser.conftest import Site
from tests.builders import body, seed

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def client(store_url: str, read_models: ReadModels) -> Iterator[TestClient]:
    """The app on `store_url`, whose views `read_models` keeps caught up in this process."""
    with TestClient(create_app(Settings(db=store_url))) as test_client:
        yield test_client


def test_the_pages_read_each_store_now_and_as_of_a_version(
    app: TimelineApp, read_models: ReadModels, client: TestClient
) -> None:
    seed(app)
    first = app.record_entry(body("meeting"), by="desk")
    app.correct_entry(
        first.id,
        expected_version=1,
        changes={"title": "Officials meet López Obrador"},
        reason="shorter",
        by="desk",
    )
    read_models.written()
    timeline = client.get("/")
    assert timeline.status_code == 200
    assert "Officials meet López Obrador" in timeline.text
    assert "December 2023" in timeline.text
    assert '<option value="joe-biden">Joe Biden</option>' in timeline.text
    entry = client.get(f"/entries/{first.id}")
    assert entry.status_code == 200
    assert "Version 2 · Corrected" in entry.text
    assert ">Andrés Manuel López Obrador</a>" in entry.text  # a participant, by name
    then = client.get(f"/entries/{first.id}", params={"as_of": first.position})
    assert re.search(r"<h1[^>]*>US officials meet López Obrador in Mexico City</h1>", then.text)
    actor = client.get("/actors/antony-blinken")
    assert actor.status_code == 200
    assert "Secretary of State" in actor.text
    assert "since 26 Jan 2021" in actor.text


def test_a_page_as_of_a_position_names_actors_as_they_were_named_then(
    app: TimelineApp, read_models: ReadModels, client: TestClient
) -> None:
    seed(app)
    first = app.record_entry(body("meeting"), by="desk")
    app.rename_actor("antony-blinken", "Secretary Blinken", by="desk")
    read_models.written()
    for path in ("/", f"/entries/{first.id}"):
        now = client.get(path).text
        then = client.get(path, params={"as_of": first.position}).text
        assert ">Secretary Blinken</a>" in now, path
        assert ">Antony Blinken</a>" in then, path
        assert ">Secretary Blinken</a>" not in then, path
    drawn = client.get("/visual", params={"as_of": first.position, "lanes": "actor"}).text
    assert "Antony Blinken" in drawn


def test_empty_fields_of_the_form_are_left_out_of_the_url(site: Site) -> None:
    answer = httpx.get(site.url("/?q=&topic=migration&actor=&from=&order=desc"))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/?topic=migration&order=desc"


def test_pages_load_nothing_from_another_origin(site: Site) -> None:
    answer = httpx.get(site.url("/"))
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', answer.text)
    assert loaded
    assert all(url.startswith("/static/") for url in loaded)
    for url in loaded:
        asset = httpx.get(site.url(url))
        assert asset.status_code == 200
        assert "http://" not in asset.text
        assert "https://" not in asset.text
        assert "immutable" in asset.headers["cache-control"]


def test_an_unknown_static_file_is_a_404(site: Site) -> None:
    assert httpx.get(site.url("/static/../pyproject.toml")).status_code == 404
    assert httpx.get(site.url("/static/nothing.js")).status_code == 404


def test_a_page_says_the_log_position_it_reflects(site: Site) -> None:
    page = httpx.get(site.url("/"))
    api = httpx.get(site.url("/api/v1/timeline"))
    assert page.headers["log-position"] == api.headers["log-position"]
    assert f"log position {api.headers['log-position']}." in page.text


def test_the_pages_stay_out_of_the_api_document(site: Site) -> None:
    paths = httpx.get(site.url("/openapi.json")).json()["paths"]
    assert all(path.startswith("/api/v1/") for path in paths)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("actor=Joe%20Biden", "Actor", "'Joe Biden' is not an id; use the id joe-biden"),
        ("actor=nobody-here", "Actor", "no actor has this id"),
        (
            "topic=Border%20Security",
            "Topic",
            "'Border Security' is not an id; use the id border-sec",
        ),
        ("kind=rally", "Kind", "expected one of: meeting, call, statement"),
        ("to=soon", "To", "'soon' is not valid EDTF"),
        ("as_of=yesterday", "View as of", "expected a log position or an ISO 8601 time"),
        ("q=%2B%2B%2B", "Text", "expected at least one word"),
        ("limit=0", "Entries per page", "expected a whole number from 1 to 500"),
        ("cursor=abc", "Page", "expected the next_cursor of an earlier page"),
    ],
)
def test_a_bad_filter_value_is_named_in_the_page_with_what_is_accepted(
    site: Site, query: str, field: str, message: str
) -> None:
    answer = httpx.get(site.url(f"/?{query}"))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    alert = re.search(r'<div class="errors" role="alert".*?</div>', answer.text, re.S)
    assert alert is not None
    assert f">{field}</a>: " in alert.group(0)
    assert message in alert.group(0).replace("&#39;", "'")


def test_every_refused_value_is_named_at_once(site: Site) -> None:
    answer = httpx.get(site.url("/?from=2023-13&to=later&actor=nobody-here&kind=rally"))
    assert answer.status_code == 422
    alert = re.search(r'<div class="errors" role="alert".*?</div>', answer.text, re.S)
    assert alert is not None
    named = re.findall(r'<a href="#f-([a-z_]+)">', alert.group(0))
    assert sorted(named) == ["actor", "from", "kind", "to"]


def test_a_cursor_kept_with_other_filters_is_explained(site: Site) -> None:
    first = httpx.get(site.url("/api/v1/timeline"), params={"topic": "migration", "limit": 2})
    cursor = first.json()["next_cursor"]
    answer = httpx.get(site.url("/"), params={"topic": "asylum", "cursor": cursor})
    assert answer.status_code == 422
    assert "this cursor continues another query" in answer.text


def test_a_next_page_link_keeps_the_filters_and_adds_the_cursor(site: Site) -> None:
    answer = httpx.get(site.url("/?topic=migration&limit=5"))
    link = re.search(r'<a href="([^"]+)" rel="next">Later entries</a>', answer.text)
    assert link is not None
    query = dict(parse_qsl(urlsplit(link.group(1).replace("&amp;", "&")).query))
    assert query.keys() == {"topic", "limit", "cursor"}
    api = httpx.get(site.url("/api/v1/timeline"), params={"topic": "migration", "limit": 5})
    assert query["cursor"] == api.json()["next_cursor"]


def test_an_entry_as_of_a_moment_before_it_was_recorded_says_so(site: Site) -> None:
    item = httpx.get(site.url("/api/v1/timeline"), params={"limit": 1}).json()["items"][0]
    answer = httpx.get(site.url(f"/entries/{item['id']}"), params={"as_of": 1})
    assert answer.status_code == 200
    assert "the record did not hold this entry yet" in answer.text
    assert "Version 1 · Recorded" in answer.text


def test_a_bad_as_of_on_an_entry_page_is_explained_beside_the_entry_now(site: Site) -> None:
    item = httpx.get(site.url("/api/v1/timeline"), params={"limit": 1}).json()["items"][0]
    answer = httpx.get(site.url(f"/entries/{item['id']}"), params={"as_of": "last week"})
    assert answer.status_code == 422
    assert "View as of: expected a log position or an ISO 8601 time" in answer.text
    assert item["title"] in answer.text


def test_an_as_of_of_thousands_of_digits_on_an_entry_page_is_refused_not_a_500(
    site: Site,
) -> None:
    item = httpx.get(site.url("/api/v1/timeline"), params={"limit": 1}).json()["items"][0]
    answer = httpx.get(site.url(f"/entries/{item['id']}"), params={"as_of": "9" * 5000})
    assert answer.status_code == 422
    assert "View as of: expected a log position or an ISO 8601 time, at most 64" in answer.text


def test_an_id_that_is_no_entry_id_is_a_404_page(site: Site) -> None:
    answer = httpx.get(site.url("/entries/not-a-uuid"))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "No such entry" in answer.text


@pytest.mark.parametrize("path", ["/", "/?topic=migration", "/actors/joe-biden", "entry"])
def test_a_head_request_answers_as_the_page_would(site: Site, path: str) -> None:
    if path == "entry":
        item = httpx.get(site.url("/api/v1/timeline"), params={"limit": 1}).json()["items"][0]
        path = f"/entries/{item['id']}"
    head = httpx.head(site.url(path))
    get = httpx.get(site.url(path))
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_a_404_page_repeats_only_the_start_of_a_long_id(site: Site) -> None:
    answer = httpx.get(site.url("/entries/" + "x" * 5000))
    assert answer.status_code == 404
    assert "x" * 80 + "…" in answer.text
    assert "x" * 81 not in answer.text


def test_a_refused_value_is_quoted_short_in_the_message_and_whole_in_its_field(
    site: Site,
) -> None:
    answer = httpx.get(site.url("/"), params={"q": "z" * 600})
    assert answer.status_code == 422
    assert "z" * 60 + "…" in answer.text
    assert answer.text.count("z" * 600) == 1  # the field's value, to edit


def test_as_of_before_the_first_event_says_the_record_held_nothing_yet(site: Site) -> None:
    answer = httpx.get(site.url("/"), params={"as_of": "1900-01-01T00:00:00Z"})
    assert answer.status_code == 200
    assert "stood at position 0 (the beginning)" in answer.text
    assert "The record held no entries yet then." in answer.text


def test_as_of_past_the_last_event_says_it_is_the_latest(site: Site) -> None:
    head = httpx.get(site.url("/api/v1/timeline")).json()["as_of"]["position"]
    answer = httpx.get(site.url("/"), params={"as_of": "2999-01-01T00:00:00Z"})
    assert f"stood at position {head} (" in answer.text
    assert "That is the latest position: nothing has been recorded since." in answer.text
    earlier = httpx.get(site.url("/"), params={"as_of": head - 1})
    assert "That is the latest position" not in earlier.text


def test_clearing_the_filters_keeps_the_moment_and_order_encoded(site: Site) -> None:
    moment = "2999-01-01T00:00:00+01:00"
    answer = httpx.get(site.url("/"), params={"q": "nothing-matches", "as_of": moment})
    link = re.search(r'<a href="([^"]+)">Clear the filters</a>', answer.text)
    assert link is not None
    cleared = httpx.get(site.url(link.group(1).replace("&amp;", "&")))
    assert cleared.status_code == 200
    assert dict(cleared.url.params) == {"as_of": moment}
