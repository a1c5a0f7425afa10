"""Contract v1.1 over entries and sources: citations, links both ways, the sources
list and the topics in use, on both stores."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.builders import SOURCE
from tests.e2e.conftest import BASE, Api, fields_named, problem_of

OTHER_SOURCE: dict[str, Any] = {
    "id": "reuters-2023-12-28",
    "title": "México y EE.UU. acuerdan reabrir cruces fronterizos",
    "publisher": "Reuters Español",
}


def _register(api: Api, source: dict[str, Any]) -> None:
    response = api.post("/sources", source)
    assert response.status_code == 201, response.text
    api.wait(int(response.headers["Log-Position"]))


def _cite(api: Api, entry_id: str, body: dict[str, Any], **kwargs: Any) -> Any:
    return api.post(f"/entries/{entry_id}/citations", body, **kwargs)


def _link(api: Api, source: str, relation: str, target: str) -> dict[str, Any]:
    response = api.post(f"/entries/{source}/links", {"relation": relation, "entry": target})
    assert response.status_code == 200, response.text
    linked: dict[str, Any] = response.json()
    return linked


# Citations ---------------------------------------------------------------------


def test_a_citation_answers_200_with_the_entry_citing_one_more_source(seeded: Api) -> None:
    _register(seeded, OTHER_SOURCE)
    entry = seeded.record()
    citation = {"source": OTHER_SOURCE["id"], "quote": "reabrir", "locator": "párrafo 2"}
    response = _cite(seeded, entry["id"], {**citation, "expected_version": 1})
    assert response.status_code == 200, response.text
    cited = response.json()
    assert cited["sources"] == [*entry["sources"], citation]
    assert cited["version"] == 2
    assert response.headers["Log-Position"] == str(cited["position"])
    assert seeded.get(f"/entries/{entry['id']}").json()["sources"] == cited["sources"]
    history = seeded.get(f"/entries/{entry['id']}/history").json()["items"]
    assert history[-1]["event"] == "source_cited"
    assert history[-1]["changes"] == {"sources": [citation]}


def test_a_retried_citation_with_its_key_answers_the_same_and_cites_once(seeded: Api) -> None:
    _register(seeded, OTHER_SOURCE)
    entry = seeded.record()
    body = {"source": OTHER_SOURCE["id"]}
    first = _cite(seeded, entry["id"], body, key="cite-1")
    again = _cite(seeded, entry["id"], body, key="cite-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(seeded.get(f"/entries/{entry['id']}").json()["sources"]) == 2


def test_a_citation_with_a_stale_expected_version_is_a_409(seeded: Api) -> None:
    _register(seeded, OTHER_SOURCE)
    entry = seeded.record()
    response = _cite(seeded, entry["id"], {"source": OTHER_SOURCE["id"], "expected_version": 4})
    problem_of(response, 409)


def test_a_citation_of_an_unknown_entry_is_a_404(seeded: Api) -> None:
    problem_of(_cite(seeded, str(uuid4()), {"source": SOURCE["id"]}), 404)
    problem_of(_cite(seeded, "no-such-entry", {"source": SOURCE["id"]}), 404)


def test_a_citation_of_an_unregistered_source_is_a_422_naming_source(seeded: Api) -> None:
    entry = seeded.record()
    problem = problem_of(_cite(seeded, entry["id"], {"source": "nobody-published-this"}), 422)
    assert fields_named(problem) == [["source"]]
    assert "register it first" in problem["errors"][0]["msg"]


def test_citing_the_same_source_and_quote_again_is_a_422_naming_source(seeded: Api) -> None:
    entry = seeded.record()
    problem = problem_of(_cite(seeded, entry["id"], entry["sources"][0]), 422)
    assert fields_named(problem) == [["source"]]


def test_a_citation_needs_a_writer(seeded: Api) -> None:
    entry = seeded.record()
    response = seeded.client.post(
        f"/api/v1/entries/{entry['id']}/citations", json={"source": SOURCE["id"]}
    )
    problem_of(response, 401)


# Links -------------------------------------------------------------------------


def test_links_read_back_as_written_with_the_v1_target_kept(seeded: Api) -> None:
    call, statement = seeded.record("call"), seeded.record("statement")
    linked = _link(seeded, statement["id"], "responds_to", call["id"])
    link = {"relation": "responds_to", "entry": call["id"], "target": call["id"]}
    assert linked["links"] == [link]
    assert seeded.get(f"/entries/{statement['id']}").json()["links"] == [link]
    history = seeded.get(f"/entries/{statement['id']}/history").json()["items"]
    assert history[-1]["changes"] == {"links": [link]}


def test_an_entry_lists_its_outgoing_and_incoming_links(seeded: Api) -> None:
    meeting, call, statement = seeded.record(), seeded.record("call"), seeded.record("statement")
    _link(seeded, statement["id"], "responds_to", meeting["id"])
    _link(seeded, call["id"], "follows", meeting["id"])
    last = _link(seeded, meeting["id"], "part_of", call["id"])
    response = seeded.get(f"/entries/{meeting['id']}/links")
    assert response.status_code == 200, response.text
    assert response.headers["Log-Position"] == str(last["position"])
    assert response.json() == {
        "outgoing": [{"relation": "part_of", "entry": call["id"]}],
        "incoming": [
            {"relation": "responds_to", "entry": statement["id"]},
            {"relation": "follows", "entry": call["id"]},
        ],
    }
    read = seeded.get(f"/entries/{meeting['id']}").json()
    assert read["incoming_links"] == response.json()["incoming"]
    assert seeded.get(f"/entries/{statement['id']}").json()["incoming_links"] == []


def test_links_as_of_a_position_show_only_the_links_made_by_then(seeded: Api) -> None:
    meeting, call, statement = seeded.record(), seeded.record("call"), seeded.record("statement")
    first = _link(seeded, statement["id"], "responds_to", meeting["id"])
    _link(seeded, call["id"], "follows", meeting["id"])
    then = seeded.get(f"/entries/{meeting['id']}/links", as_of=first["position"])
    assert then.headers["Log-Position"] == str(first["position"])
    assert then.json()["incoming"] == [{"relation": "responds_to", "entry": statement["id"]}]
    read = seeded.get(f"/entries/{meeting['id']}", as_of=first["position"] - 1).json()
    assert read["incoming_links"] == []


def test_the_links_of_an_unknown_entry_or_one_not_yet_recorded_are_a_404(seeded: Api) -> None:
    problem_of(seeded.get(f"/entries/{uuid4()}/links"), 404)
    entry = seeded.record()
    problem_of(seeded.get(f"/entries/{entry['id']}/links", as_of=entry["position"] - 1), 404)


# Sources -----------------------------------------------------------------------


def test_the_sources_list_counts_the_active_entries_citing_each(seeded: Api) -> None:
    _register(seeded, OTHER_SOURCE)
    meeting, call = seeded.record(), seeded.record("call")
    _cite(seeded, call["id"], {"source": OTHER_SOURCE["id"]})
    retraction = {"expected_version": 1, "reason": "a duplicate"}
    done = seeded.post(f"/entries/{meeting['id']}/retractions", retraction)
    assert done.status_code == 200, done.text
    response = seeded.get("/sources")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(s["id"], s["entries"]) for s in items] == [
        (SOURCE["id"], 1),
        (OTHER_SOURCE["id"], 1),
    ]
    assert items[0]["publisher"] == "CBS News"
    assert items[0]["authors"] == SOURCE["authors"]
    assert response.json()["next_cursor"] is None


def test_a_source_read_alone_is_as_listed_with_its_count_of_citing_entries(
    seeded: Api,
) -> None:
    meeting = seeded.record()
    seeded.record("call")
    retraction = {"expected_version": 1, "reason": "a duplicate"}
    done = seeded.post(f"/entries/{meeting['id']}/retractions", retraction)
    assert done.status_code == 200, done.text
    position = done.headers["Log-Position"]

    read = seeded.get(f"/sources/{SOURCE['id']}", min_position=position)

    assert read.status_code == 200, read.text
    assert read.json()["entries"] == 1  # the call; the meeting is retracted
    assert int(read.headers["Log-Position"]) >= int(position)
    [listed] = seeded.get("/sources", min_position=position).json()["items"]
    assert read.json() == listed
    problem_of(seeded.get("/sources/no-such-source", min_position=position), 404)


def test_source_search_is_blind_to_accents_and_case_over_titles_and_publishers(
    seeded: Api,
) -> None:
    _register(seeded, OTHER_SOURCE)
    for q, found in [
        ("MEXICO Y", [OTHER_SOURCE["id"]]),
        ("reuters espanol", [OTHER_SOURCE["id"]]),
        ("cbs", [SOURCE["id"]]),
        ("productive", [SOURCE["id"]]),
        ("100%", []),
    ]:
        items = seeded.get("/sources", q=q).json()["items"]
        assert [s["id"] for s in items] == found, q


def test_the_sources_list_pages_with_next_cursor(seeded: Api) -> None:
    for n in range(3):
        _register(seeded, {"id": f"note-{n}", "title": f"Note {n}", "publisher": "Desk"})
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = seeded.get("/sources", **params).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [SOURCE["id"], "note-0", "note-1", "note-2"]


def test_a_blank_source_search_is_a_422_naming_q(seeded: Api) -> None:
    assert fields_named(problem_of(seeded.get("/sources", q="\u200b "), 422)) == [["q"]]


# Topics ------------------------------------------------------------------------


def _topics(api: Api, **params: Any) -> dict[str, int]:
    response = api.get("/topics", **params)
    assert response.status_code == 200, response.text
    return {item["topic"]: item["entries"] for item in response.json()["items"]}


def test_topics_count_the_active_entries_the_timeline_filters_keep(seeded: Api) -> None:
    meeting = seeded.record(topics=["migration", "border-security"])
    seeded.record("call", topics=["migration"], occurred="2023-12-21")
    seeded.record("statement", topics=["asylum"], occurred="2023-12-28")
    assert _topics(seeded) == {"asylum": 1, "border-security": 1, "migration": 2}
    assert _topics(seeded, kind="call") == {"migration": 1}
    assert _topics(seeded, **{"from": "2023-12-22"}) == {
        "asylum": 1,
        "border-security": 1,
        "migration": 1,
    }
    assert _topics(seeded, to="2023-12-21") == {"migration": 1}
    assert _topics(seeded, actor="antony-blinken")["border-security"] == 1
    assert _topics(seeded, topic="border-security") == {"border-security": 1, "migration": 1}
    retracted = seeded.post(
        f"/entries/{meeting['id']}/retractions", {"expected_version": 1, "reason": "wrong"}
    )
    assert retracted.status_code == 200, retracted.text
    assert _topics(seeded) == {"asylum": 1, "migration": 1}
    assert _topics(seeded, include_retracted="true")["border-security"] == 1


def test_topics_as_of_a_position_count_the_record_as_it_stood(seeded: Api) -> None:
    first = seeded.record(topics=["migration"])
    seeded.record("call", topics=["migration", "asylum"])
    response = seeded.get("/topics", as_of=first["position"])
    assert response.json()["as_of"]["position"] == first["position"]
    assert response.headers["Log-Position"] == str(first["position"])
    assert _topics(seeded, as_of=first["position"]) == {"migration": 1}
    assert _topics(seeded) == {"asylum": 1, "migration": 2}


def test_topics_search_the_words_as_the_timeline_does(seeded: Api) -> None:
    seeded.record(topics=["migration"], title="Talks in Mexico City")
    seeded.record("call", topics=["asylum"], title="Biden calls López Obrador")
    assert _topics(seeded, q="lopez") == {"asylum": 1}


def test_topics_refuse_a_bad_filter_naming_it(seeded: Api) -> None:
    assert fields_named(problem_of(seeded.get("/topics", kind="party"), 422)) == [["kind"]]
    problem = problem_of(seeded.client.get(f"{BASE}/topics", params={"from": "soon"}), 422)
    assert fields_named(problem) == [["from"]]


def test_the_entry_page_shows_the_entries_linking_to_it(seeded: Api) -> None:
    meeting = seeded.record()
    statement = seeded.record("statement", title="Mexico welcomes the talks")
    _link(seeded, statement["id"], "responds_to", meeting["id"])
    page = seeded.client.get(f"/entries/{meeting['id']}")
    assert page.status_code == 200, page.text
    assert "Linked from" in page.text
    assert (
        f'<a href="/entries/{statement["id"]}">Mexico welcomes the talks</a> '
        "responds to this entry"
    ) in page.text
    assert "Linked from" not in seeded.client.get(f"/entries/{statement['id']}").text
