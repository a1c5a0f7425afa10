"""Reads across origins, cache headers, error pages for browsers, and embeds,
through the real app on SQLite (none of it depends on the store)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.builders import body
from tests.e2e.conftest import BASE, Api, problem_of

ORIGIN = "https://news.example"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FOREVER = "public, max-age=31536000, immutable"


@pytest.fixture
def recorded(local_seeded: Api) -> tuple[Api, int]:
    """The app with two entries, and the log position after the first."""
    api = local_seeded
    first = api.post("/entries", _entry("First meeting", "2024-01-02"))
    assert first.status_code == 201, first.text
    second = api.post("/entries", _entry("Second meeting", "2024-01-05"))
    api.wait(int(second.headers["Log-Position"]))
    return api, int(first.headers["Log-Position"])


def _entry(title: str, date: str) -> dict[str, object]:
    return body("meeting", title=title, occurred=date)


# --- CORS ---------------------------------------------------------------------------


def test_a_read_from_another_origin_is_allowed_and_names_the_position(
    local_seeded: Api,
) -> None:
    response = local_seeded.get("/timeline", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Log-Position" in response.headers["Access-Control-Expose-Headers"]


def test_an_export_from_another_origin_is_allowed(local_seeded: Api) -> None:
    response = local_seeded.get("/exports/chronology", {"Origin": ORIGIN}, format="csv")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_a_read_is_answered_with_the_headers_a_read_takes(
    local_api: Api,
) -> None:
    response = local_api.client.options(
        BASE + "/timeline",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, min-log-position",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert response.headers["Access-Control-Allow-Headers"] == "authorization, min-log-position"


def test_a_preflight_for_a_write_gets_no_allowance(local_api: Api) -> None:
    response = local_api.client.options(
        BASE + "/entries",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.status_code == 405


def test_a_write_from_another_origin_gets_no_allowance(local_seeded: Api) -> None:
    response = local_seeded.post(
        "/entries", _entry("Cross-site", "2024-02-01"), headers={"Origin": ORIGIN}
    )
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_audit_routes_get_no_allowance(local_api: Api) -> None:
    response = local_api.get("/audit/key", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_configured_origins_are_the_only_ones_allowed(serve: Callable[..., Api]) -> None:
    api = serve(cors_origins="https://news.example, https://blog.example")
    allowed = api.get("/timeline", headers={"Origin": "https://blog.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    assert "Origin" in allowed.headers["Vary"]
    other = api.get("/timeline", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers


def test_an_empty_origin_list_allows_no_one(serve: Callable[..., Api]) -> None:
    api = serve(cors_origins="")
    response = api.get("/timeline", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


# --- ETag and Cache-Control ---------------------------------------------------------


def test_a_timeline_as_of_a_position_is_cached_for_good_and_revalidates_to_304(
    recorded: tuple[Api, int],
) -> None:
    api, first = recorded
    response = api.get("/timeline", as_of=first)
    assert response.headers["Cache-Control"] == FOREVER
    tag = response.headers["ETag"]
    again = api.get("/timeline", {"If-None-Match": tag}, as_of=first)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == FOREVER


def test_the_same_question_in_another_order_has_the_same_etag(
    recorded: tuple[Api, int],
) -> None:
    api, first = recorded
    one = api.client.get(f"{BASE}/timeline?as_of={first}&order=desc")
    other = api.client.get(f"{BASE}/timeline?order=desc&as_of={first}")
    assert one.headers["ETag"] == other.headers["ETag"]


def test_a_timeline_now_must_be_revalidated_and_changes_its_etag_with_a_write(
    recorded: tuple[Api, int],
) -> None:
    api, _ = recorded
    before = api.get("/timeline")
    assert before.headers["Cache-Control"] == "no-cache"
    tag = before.headers["ETag"]
    assert api.get("/timeline", {"If-None-Match": tag}).status_code == 304
    written = api.post("/entries", _entry("Third meeting", "2024-01-09"))
    api.wait(int(written.headers["Log-Position"]))
    after = api.get("/timeline", {"If-None-Match": tag})
    assert after.status_code == 200
    assert after.headers["ETag"] != tag
    assert "Third meeting" in after.text


def test_a_position_ahead_of_the_log_is_not_cached_for_good(recorded: tuple[Api, int]) -> None:
    api, _ = recorded
    response = api.get("/timeline", as_of=10_000)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_time_the_views_have_passed_pins_the_answer_and_one_to_come_does_not(
    recorded: tuple[Api, int],
) -> None:
    api, first = recorded
    moment = api.get("/timeline", as_of=first).json()["as_of"]["recorded_at"]
    pinned = api.get("/timeline", as_of=moment)
    assert int(pinned.headers["Log-Position"]) == first
    assert pinned.headers["Cache-Control"] == FOREVER
    later = api.get("/timeline", as_of="2999-01-01T00:00:00Z")
    assert later.headers["Cache-Control"] == "no-cache"


def test_an_export_as_of_a_position_is_cached_for_good_and_revalidates_to_304(
    recorded: tuple[Api, int],
) -> None:
    api, first = recorded
    response = api.get("/exports/chronology", format="ndjson", as_of=first)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == FOREVER
    again = api.get(
        "/exports/chronology",
        {"If-None-Match": response.headers["ETag"]},
        format="ndjson",
        as_of=first,
    )
    assert again.status_code == 304
    other = api.get(
        "/exports/chronology",
        {"If-None-Match": response.headers["ETag"]},
        format="csv",
        as_of=first,
    )
    assert other.status_code == 200


def test_a_web_page_as_of_a_position_is_cached_for_good_and_revalidates_to_304(
    recorded: tuple[Api, int],
) -> None:
    api, first = recorded
    response = api.client.get("/", params={"as_of": first})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == FOREVER
    again = api.client.get(
        "/", params={"as_of": first}, headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("as_of", [None, "pinned"])
def test_an_etag_of_one_store_is_not_answered_304_by_another_at_the_same_position(
    recorded: tuple[Api, int], serve: Callable[..., Api], as_of: str | None
) -> None:
    api, _ = recorded
    other = serve()
    other.seed()
    for title in ("Elsewhere", "Elsewhere again"):
        other.record(title=title)
    position = other.head()
    other.wait(position)
    assert api.head() == position
    pinned: dict[str, Any] = {} if as_of is None else {"as_of": position}
    tag = api.get("/timeline", **pinned).headers["ETag"]
    answer = other.get("/timeline", {"If-None-Match": tag}, **pinned)
    assert answer.status_code == 200
    assert "Elsewhere" in answer.text


@pytest.mark.parametrize("as_of", ["9" * 5000, "²", "1²"])
def test_an_as_of_that_is_no_position_gets_no_cache_headers_and_no_500(
    recorded: tuple[Api, int], as_of: str
) -> None:
    api, _ = recorded
    response = api.get("/timeline", {"If-None-Match": '"x-1"'}, as_of=as_of)
    assert response.status_code == 422
    assert "ETag" not in response.headers


def test_a_route_that_ignores_as_of_is_never_pinned_by_it(recorded: tuple[Api, int]) -> None:
    api, _ = recorded
    head = int(api.get("/timeline").headers["Log-Position"])
    response = api.get("/sources", as_of=head)
    assert response.headers.get("Cache-Control") != FOREVER


def test_protected_reads_are_cached_privately(serve: Callable[..., Api]) -> None:
    api = serve(protect_reads=True)
    response = api.client.get(BASE + "/timeline", params={"as_of": 0}, headers=api.auth)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"


# --- error pages --------------------------------------------------------------------


def test_a_browser_asking_for_a_missing_page_gets_an_html_page(local_api: Api) -> None:
    response = local_api.client.get("/nowhere", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no page at /nowhere" in response.text
    assert response.headers["Vary"] == "Accept"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_client_not_asking_for_html_gets_a_problem_for_a_missing_page(
    local_api: Api,
) -> None:
    problem_of(local_api.client.get("/nowhere"), 404)
    problem_of(local_api.client.get("/nowhere", headers={"Accept": "application/json"}), 404)


def test_the_api_answers_a_browser_with_a_problem(local_api: Api) -> None:
    problem_of(local_api.client.get(BASE + "/nowhere", headers={"Accept": BROWSER}), 404)
    problem_of(local_api.client.get(BASE + "/actors/nobody", headers={"Accept": BROWSER}), 404)


def test_a_browser_sending_a_wrong_method_to_a_page_gets_a_page_naming_the_methods(
    local_api: Api,
) -> None:
    response = local_api.client.delete("/", headers={"Accept": BROWSER})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "GET" in response.headers["Allow"]


# --- embeds -------------------------------------------------------------------------


def test_an_embedded_timeline_drops_the_site_chrome_and_may_be_framed(
    recorded: tuple[Api, int],
) -> None:
    api, _ = recorded
    response = api.client.get("/embed")
    assert response.status_code == 200
    assert "Second meeting" in response.text
    assert '<header class="site">' not in response.text
    assert '<base target="_top">' in response.text
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


def test_the_full_page_keeps_its_chrome_and_may_not_be_framed(
    recorded: tuple[Api, int],
) -> None:
    api, _ = recorded
    response = api.client.get("/")
    assert '<header class="site">' in response.text
    assert '<a href="/docs"' in response.text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_embeds_may_be_framed_by_the_configured_sites_only(serve: Callable[..., Api]) -> None:
    api = serve(embed_origins="https://news.example")
    policy = api.client.get("/embed/").headers["Content-Security-Policy"]
    assert "frame-ancestors https://news.example" in policy


def test_an_embed_of_an_entry_and_its_own_etag(recorded: tuple[Api, int]) -> None:
    api, first = recorded
    entry = api.get("/timeline").json()["items"][0]["id"]
    embed = api.client.get(f"/embed/entries/{entry}", params={"as_of": first})
    page = api.client.get(f"/entries/{entry}", params={"as_of": first})
    assert embed.status_code == page.status_code == 200
    assert embed.headers["ETag"] != page.headers["ETag"]
    assert embed.headers["Cache-Control"] == FOREVER


def test_the_api_is_not_embedded(local_api: Api) -> None:
    response = local_api.client.get("/embed/api/v1/timeline")
    assert response.status_code == 404
