"""Questions asked of the read models on each backend: dates, order, search, paging, filters,
actor pages, and what bad input is told."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from domain import ActorNotFound, EntryNotFound, NotFound, TimelineApp, ValidationError
from projections import Page, Queries, ReadModels, TimelineFilters
from tests.builders import BODIES, SOURCE, body, seed
from tests.pages import ids, items, loads

BY = "reporter"
AMLO = "andres-manuel-lopez-obrador"
# The seed's dates: a day, a month, an interval, an approximate day, an earlier month.
DATED = ("meeting", "policy_action", "call", "statement", "enforcement_action")


def kinds(page: Page) -> list[str]:
    return [item["kind"] for item in items(page)]


@pytest.fixture
def recorded(app: TimelineApp, read_models: ReadModels) -> dict[str, str]:
    """One entry of each kind, as the builders have them; their ids by kind."""
    seed(app)
    entries = {kind: app.record_entry(body(kind), by=BY).id for kind in BODIES}
    read_models.written()
    return entries


# from, to -> the kinds that match, in timeline order
DATE_FILTERS: list[tuple[str | None, str | None, list[str]]] = [
    ("2023-12-27", "2023-12-27", ["policy_action", "meeting"]),
    ("2023-12-21", "2023-12-21", ["policy_action", "call", "statement"]),
    ("2023-12-19", "2023-12-19", ["policy_action", "call"]),
    ("2023-12-23", "2023-12-26", ["policy_action"]),
    ("2023-11", "2023-11", ["enforcement_action"]),
    ("2023-12", "2023-12", ["policy_action", "call", "statement", "meeting"]),
    ("2023-11-15", "2023-12-19", ["enforcement_action", "policy_action", "call"]),
    ("2023-12-20/2023-12-21", "2023-12-20/2023-12-21", ["policy_action", "call", "statement"]),
    ("2023-12-23~", "2023-12-23~", ["policy_action", "call", "statement"]),
    ("2023-12-22", None, ["policy_action", "call", "statement", "meeting"]),
    ("2023-12-23", None, ["policy_action", "meeting"]),
    (None, "2023-12-19", ["enforcement_action", "policy_action", "call"]),
    (None, "2023-11-30", ["enforcement_action"]),
    ("2024", None, []),
    ("0001", "9999", ["enforcement_action", "policy_action", "call", "statement", "meeting"]),
]


def test_date_filters_match_entries_whose_occurred_interval_overlaps(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    for kind in DATED:
        app.record_entry(body(kind), by=BY)
    read_models.written()
    timeline = read_models.queries.timeline
    assert kinds(timeline(TimelineFilters())) == [
        "enforcement_action",  # 2023-11
        "policy_action",  # 2023-12
        "call",  # 2023-12-18/2023-12-22
        "statement",  # 2023-12-21~, that is 2023-12-20 .. 2023-12-22
        "meeting",  # 2023-12-27
    ]
    for start, end, expected in DATE_FILTERS:
        found = kinds(timeline(TimelineFilters(start=start, end=end)))
        assert found == expected, f"from={start} to={end}"


def test_the_timeline_orders_by_start_then_finer_precision_then_the_position_recorded_at(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)

    def record(kind: str, occurred: str) -> str:
        return app.record_entry(body(kind, occurred=occurred), by=BY).id

    month = record("policy_action", "2023-12")
    day = record("statement", "2023-12-01")
    uncertain_month = record("congressional_negotiation", "2023-12?")
    november = record("enforcement_action", "2023-11")
    three_days = record("call", "2023-12-01/2023-12-03")
    late = record("meeting", "2023-12-27")
    same_day = record("statistic", "2023-12-01")
    # A correction gives the month a later position; it keeps its place.
    app.correct_entry(month, expected_version=1, changes={"title": "Ports"}, reason="r", by=BY)
    read_models.written()

    expected = [november, day, same_day, three_days, month, uncertain_month, late]
    timeline = read_models.queries.timeline
    assert ids(timeline(TimelineFilters())) == expected
    assert ids(timeline(TimelineFilters(order="desc"))) == expected[::-1]


def test_actor_look_up_ignores_accents_and_case_over_names_and_aliases(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    app.rename_actor("joe-biden", "Joseph R. Biden Jr.", by=BY)
    app.add_alias("alejandro-mayorkas", "Secretario Mayorkas", by=BY)
    read_models.written()

    def found(q: str) -> list[str]:
        return [loads(raw)["id"] for raw in read_models.queries.actors(q)]

    for q in ("lopez obrador", "AMLO", "LÓPEZ", "Andres Manuel López", "amlo"):
        assert found(q) == [AMLO], q
    assert found("joseph r. biden") == ["joe-biden"]
    assert found("secretario") == ["alejandro-mayorkas"]
    assert found("100%") == []
    actor = loads(read_models.queries.actors("amlo")[0])
    assert (actor["name"], actor["aliases"]) == ("Andrés Manuel López Obrador", ["AMLO"])


def test_search_finds_words_in_titles_summaries_and_quotes_without_accents(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    meeting = app.record_entry(body("meeting"), by=BY).id  # "López Obrador" in the title
    statement = app.record_entry(body("statement"), by=BY).id  # and a quote in its details
    summary = "López Obrador and Biden agree that ports must reopen."
    policy = app.record_entry(body("policy_action", summary=summary), by=BY).id
    enforcement = app.record_entry(body("enforcement_action"), by=BY).id
    read_models.written()
    q = read_models.queries

    def search(words: str, **filters: Any) -> set[str]:
        return set(ids(q.timeline(TimelineFilters(q=words, **filters))))

    assert search("lopez obrador") == {meeting, statement, policy}
    assert search("LÓPEZ  Obrador!") == {meeting, statement, policy}
    assert search("lopez obrador", topic="sanctions") == {statement}
    assert search("ideal thing") == {statement}  # a quote of the statement
    assert search("two hours") == {meeting}  # a quote of the citation

    before = app.head_position()
    citation = {"source": SOURCE["id"], "quote": "a productive meeting"}
    app.cite_source(enforcement, citation, by=BY)
    app.correct_entry(
        statement, expected_version=1, changes={"title": "On migration"}, reason="r", by=BY
    )
    read_models.written()
    assert search("productive") == {enforcement}
    assert search("lopez obrador") == {meeting, policy}
    as_before = set(ids(q.timeline(TimelineFilters(q="lopez obrador"), as_of=before)))
    assert as_before == {meeting, statement, policy}
    assert ids(q.timeline(TimelineFilters(q="productive"), as_of=before)) == []


def test_a_search_pages_alike_from_its_few_matches_or_along_the_ordered_index(
    app: TimelineApp, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Words at most SEARCH_DRIVES versions hold are read from their matches (here,
    # all of them), more common ones along the ordered index (at 0, all of them;
    # at 2, "lopez" in 3 entries, while "ports" in 1 is read from its match).
    seed(app)
    summary = "López Obrador and Biden agree that ports must reopen."
    for kind in ("meeting", "statement"):
        app.record_entry(body(kind), by=BY)
    app.record_entry(body("policy_action", summary=summary), by=BY)
    read_models.written()
    q = read_models.queries

    def pages(words: str, **filters: Any) -> list[list[str]]:
        found, cursor = [], None
        while True:
            page = q.timeline(TimelineFilters(q=words, **filters), limit=1, cursor=cursor)
            found.append(ids(page))
            if (cursor := page.next_cursor) is None:
                return found

    asked = [("lopez obrador", {}), ("lopez", {"order": "desc"}), ("ports", {})]
    asked += [("lopez", {"topic": "sanctions"}), ("lopez", {"actor": AMLO})]
    from_matches = [pages(words, **filters) for words, filters in asked]
    monkeypatch.setattr("projections.queries.SEARCH_DRIVES", 0)
    assert [pages(words, **filters) for words, filters in asked] == from_matches
    monkeypatch.setattr("projections.queries.SEARCH_DRIVES", 2)
    assert [pages(words, **filters) for words, filters in asked] == from_matches
    assert [len(p) for p in from_matches] == [3, 3, 1, 1, 2]


def test_a_rare_word_pages_alike_from_its_matches_keys_or_tested_in_sql(
    app: TimelineApp, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rare word's versions are found first, by key, and the page read from their
    # index rows; tested in SQL against each row, the same pages come back, for
    # every filter, at each moment, across corrections and a retraction.
    seed(app)
    entries = [
        app.record_entry(body(kind, summary=f"Ports {kind} reopen"), by=BY).id
        for kind in ("meeting", "statement", "policy_action", "call")
    ]
    before = app.head_position()
    app.correct_entry(
        entries[0], expected_version=1, changes={"occurred": "2022-05"}, reason="r", by=BY
    )
    app.correct_entry(
        entries[1], expected_version=1, changes={"summary": "Closed"}, reason="r", by=BY
    )
    app.retract_entry(entries[2], expected_version=1, reason="wrong", by=BY)
    read_models.written()
    asked = [
        TimelineFilters(q="ports"),
        TimelineFilters(q="ports", order="desc", include_retracted=True),
        TimelineFilters(q="ports reopen", kind="meeting"),
        TimelineFilters(q="ports", topic="migration", start="2023-12", end="2023-12"),
        TimelineFilters(q="ports", actor="antony-blinken", start="2022"),
        TimelineFilters(q="ports call"),
        TimelineFilters(q="nowhere"),
    ]

    def pages(q: Queries) -> list[list[list[str]]]:
        found = []
        for filters in asked:
            for as_of in (before, None):
                page, walked = q.timeline(filters, as_of=as_of, limit=1), []
                while True:
                    walked.append(ids(page))
                    if page.next_cursor is None:
                        break
                    page = q.timeline(filters, limit=1, cursor=page.next_cursor)
                found.append(walked)
        return found

    by_key = pages(Queries(read_models.db))
    in_sql = Queries(read_models.db)
    monkeypatch.setattr(in_sql, "_searched", lambda c, q, position: (False, None))
    assert pages(in_sql) == by_key
    assert [len(walked) for walked in by_key[:4]] == [4, 2, 4, 3]
    assert by_key[-1] == [[]]


def test_the_positions_kept_for_common_words_stay_within_one_bound(
    app: TimelineApp, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Memory is bounded by the bytes kept for all words together, not by a count of
    # words: with room for one word's bitmap of the log, "lopez" and "obrador" cannot
    # both stay, and a page answers the same whichever is kept.
    seed(app)
    for kind in ("meeting", "statement", "policy_action"):
        app.record_entry(body(kind), by=BY)
    read_models.written()
    q = read_models.queries
    expected = {words: ids(q.timeline(TimelineFilters(q=words))) for words in ("lopez", "obrador")}
    assert [len(found) for found in expected.values()] == [2, 2]
    monkeypatch.setattr("projections.queries.SEARCH_DRIVES", 0)
    one_bitmap = q.position() // 8 + 1
    monkeypatch.setattr("projections.queries.COMMON_BYTES", one_bitmap)
    for words in ("lopez", "obrador", "lopez", "obrador"):
        assert ids(q.timeline(TimelineFilters(q=words))) == expected[words]
        assert len(q._matches) == 1  # the other word's positions were let go
        assert sum(kept.size for kept in q._matches.values()) <= one_bitmap
    # With room for both, both stay: asking one after the other reads neither again.
    monkeypatch.setattr("projections.queries.COMMON_BYTES", 2 * one_bitmap)
    for words in ("lopez", "obrador", "lopez"):
        assert ids(q.timeline(TimelineFilters(q=words))) == expected[words]
    assert len(q._matches) == 2


def test_a_common_word_pages_alike_from_a_set_or_a_bitmap_of_its_matches(
    app: TimelineApp, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A word's matches are kept as a set while that is smaller than a bitmap of the
    # log (a few matches in a long log), else as the bitmap: pages are the same.
    seed(app)
    for kind in ("meeting", "statement", "policy_action"):
        app.record_entry(body(kind), by=BY)
    read_models.written()
    monkeypatch.setattr("projections.queries.SEARCH_DRIVES", 0)
    asked = [
        TimelineFilters(q="lopez"),
        TimelineFilters(q="obrador", order="desc"),
        TimelineFilters(q="lopez", topic="sanctions"),
    ]

    def pages() -> list[list[list[str]]]:
        q = Queries(read_models.queries.db)  # nothing kept from before
        found = []
        for filters in asked:
            page, walked = q.timeline(filters, limit=1), []
            while True:
                walked.append(ids(page))
                if page.next_cursor is None:
                    break
                page = q.timeline(filters, limit=1, cursor=page.next_cursor)
            found.append(walked)
        return found

    as_bitmaps = pages()
    monkeypatch.setattr("projections.queries._SET_BYTES", 0)  # a set is always smaller
    assert pages() == as_bitmaps
    assert [len(p) for p in as_bitmaps] == [2, 2, 1]


def test_search_splits_words_alike_on_both_backends(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    title = "U.S. officials on the Ukraine/Israel aid, 3.5 billion, at the Weißes Haus"
    entry = app.record_entry(body("statement", title=title), by=BY).id
    read_models.written()

    for words in ("ukraine", "Israel", "U.S.", "u s", "3.5", "Weißes", "weisses"):
        found = ids(read_models.queries.timeline(TimelineFilters(q=words)))
        assert found == [entry], words


def test_paging_with_a_cursor_returns_each_entry_once_while_new_entries_arrive(
    app: TimelineApp, read_models: ReadModels, recorded: dict[str, str]
) -> None:
    q = read_models.queries
    snapshot = ids(q.timeline(TimelineFilters()))
    assert len(snapshot) == 7

    seen: list[str] = []
    arrived = 0
    page = q.timeline(TimelineFilters(), limit=2)
    pinned = page.as_of
    for turn in range(10):
        assert len(page.items) <= 2
        seen += ids(page)
        # Between pages: an entry before all of them, and corrections that would move an
        # entry already seen to the end and one not yet seen to the start.
        app.record_entry(body("call", occurred="2023-01-01", title=f"New {turn}"), by=BY)
        arrived += 1
        if turn == 0:
            for entry, occurred in ((seen[0], "2024-06"), (snapshot[-1], "2023-01-02")):
                changes = {"occurred": occurred}
                app.correct_entry(entry, expected_version=1, changes=changes, reason="r", by=BY)
        read_models.written()
        if page.next_cursor is None:
            break
        page = q.timeline(TimelineFilters(), limit=2, cursor=page.next_cursor)
        assert page.as_of == pinned
    assert seen == snapshot

    # The pinned moment pages backwards too, and the newer record holds the newcomers.
    backwards: list[str] = []
    cursor = None
    while True:
        page = q.timeline(
            TimelineFilters(order="desc"), as_of=pinned.position, limit=3, cursor=cursor
        )
        backwards += ids(page)
        if (cursor := page.next_cursor) is None:
            break
    assert backwards == snapshot[::-1]
    now = ids(q.timeline(TimelineFilters(), limit=500))
    assert len(now) == len(set(now)) == len(snapshot) + arrived
    assert (now[arrived], now[-1]) == (snapshot[-1], snapshot[0])


def test_filters_by_topic_actor_and_kind_alone_and_together(
    read_models: ReadModels, recorded: dict[str, str]
) -> None:
    def found(**filters: Any) -> list[str]:
        return kinds(read_models.queries.timeline(TimelineFilters(**filters)))

    assert found(topic="migration") == ["call", "statement", "meeting"]
    assert found(actor=AMLO) == ["call", "statement", "meeting"]
    assert found(kind="statistic") == ["statistic"]
    assert found(topic="border-security", actor="border-patrol") == [
        "enforcement_action",
        "policy_action",
        "statistic",
    ]
    assert found(actor="border-patrol", topic="border-security", kind="statistic") == ["statistic"]
    assert found(topic="migration", actor="joe-biden") == ["call"]
    assert found(topic="sanctions", actor="antony-blinken") == []
    assert found(topic="asylum", order="desc") == ["congressional_negotiation"]
    assert found(topic="no-such-topic") == []


def test_an_actor_and_a_topic_together_keep_the_versions_carrying_both_as_of_any_position(
    app: TimelineApp, read_models: ReadModels
) -> None:
    # The topic is looked for among the rows of the same version, found by its date
    # along the ordered index: corrections that move an entry's date or change its
    # topics must leave each moment's page what the actor's page holds of the topic.
    seed(app)
    topics = [["migration"], ["border-security"], ["migration", "border-security"]]
    recorded = [
        app.record_entry(
            body("meeting", occurred=f"2023-{month:02d}-1{month % 3}", topics=topics[month % 3]),
            by=BY,
        ).id
        for month in range(1, 10)
    ]
    before = app.head_position()
    for n, entry in enumerate(recorded[::2]):
        changes = {"occurred": f"2022-0{n + 1}", "topics": topics[(n + 1) % 3]}
        app.correct_entry(entry, expected_version=1, changes=changes, reason="r", by=BY)
    read_models.written()
    q = read_models.queries

    def pages(filters: TimelineFilters, as_of: int | None) -> list[str]:
        found, cursor = [], None
        while True:
            page = q.timeline(filters, as_of=as_of, limit=2, cursor=cursor)
            found += ids(page)
            if (cursor := page.next_cursor) is None:
                return found

    for as_of in (before, None):
        for order in ("asc", "desc"):
            actor = TimelineFilters(actor="antony-blinken", order=order)
            everything = items(q.timeline(actor, as_of=as_of, limit=500))
            for topic in ("migration", "border-security"):
                both = TimelineFilters(actor="antony-blinken", topic=topic, order=order)
                expected = [item["id"] for item in everything if topic in item["topics"]]
                assert pages(both, as_of) == expected, (topic, order, as_of)
                assert expected


def test_an_actor_history_lists_its_entries_in_occurred_order_with_its_role(
    read_models: ReadModels, recorded: dict[str, str]
) -> None:
    def history(actor: str, order: str = "asc") -> list[tuple[str, str]]:
        page = read_models.queries.actor_history(actor, order=order)
        return [(item["kind"], item["role"]) for item in items(page)]

    assert history(AMLO) == [
        ("call", "participant"),
        ("statement", "speaker"),
        ("meeting", "participant"),
    ]
    assert history(AMLO, "desc") == history(AMLO)[::-1]
    assert history("border-patrol") == [
        ("enforcement_action", "agency"),
        ("policy_action", "agency"),
        ("statistic", "agency"),
    ]
    assert history("congress") == [("congressional_negotiation", "negotiator")]
    assert history("alejandro-mayorkas") == []


def test_co_actor_counts_move_when_a_correction_changes_actors_and_when_an_entry_is_retracted(
    app: TimelineApp, read_models: ReadModels, recorded: dict[str, str]
) -> None:
    q = read_models.queries

    def page(slug: str) -> tuple[int, list[tuple[str, int]]]:
        actor = q.actor(slug)
        assert actor["id"] == slug
        return actor["entries"], [(c["actor"], c["entries"]) for c in actor["co_actors"]]

    second = body("meeting", occurred="2023-12-28", title="A second meeting")
    app.record_entry(second, by=BY)
    read_models.written()
    assert page(AMLO) == (4, [("antony-blinken", 2), ("joe-biden", 1)])
    assert page("antony-blinken") == (2, [(AMLO, 2)])
    amlo = q.actor(AMLO)
    assert (amlo["name"], amlo["aliases"]) == ("Andrés Manuel López Obrador", ["AMLO"])
    assert amlo["roles"] == []
    assert q.actor("antony-blinken")["roles"][0]["title"] == "Secretary of State"

    app.correct_entry(
        recorded["meeting"],
        expected_version=1,
        changes={
            "actors": [{"actor": "antony-blinken", "role": "host"}],
            "details": {
                **BODIES["meeting"]["details"],
                "participants": ["antony-blinken", "alejandro-mayorkas"],
            },
        },
        reason="López Obrador was not in the room",
        by="editor",
    )
    read_models.written()
    assert page(AMLO) == (3, [("antony-blinken", 1), ("joe-biden", 1)])
    assert page("alejandro-mayorkas") == (1, [("antony-blinken", 1)])
    assert page("antony-blinken") == (2, [("alejandro-mayorkas", 1), (AMLO, 1)])

    app.retract_entry(recorded["call"], expected_version=1, reason="no such call", by="editor")
    read_models.written()
    assert page(AMLO) == (2, [("antony-blinken", 1)])
    assert page("joe-biden") == (0, [])


def test_bad_query_input_is_a_validation_error_naming_the_field(
    read_models: ReadModels, recorded: dict[str, str]
) -> None:
    q = read_models.queries
    timeline = q.timeline
    everything = TimelineFilters()
    # Valid base64 and JSON, but not a cursor this engine wrote.
    forged = base64.urlsafe_b64encode(b'[1, "2023-12-01"]').decode()
    # A real cursor, carried over to another question.
    other = timeline(everything, limit=1).next_cursor
    assert other is not None
    bad: list[tuple[str, Callable[[], object]]] = [
        ("cursor", lambda: timeline(everything, cursor="not a cursor!")),
        ("cursor", lambda: timeline(everything, cursor=forged)),
        ("cursor", lambda: timeline(TimelineFilters(kind="meeting"), cursor=other)),
        ("cursor", lambda: q.actor_history(AMLO, cursor=other)),
        ("limit", lambda: timeline(everything, limit=0)),
        ("limit", lambda: timeline(everything, limit=501)),
        ("order", lambda: timeline(TimelineFilters(order="sideways"))),
        ("order", lambda: q.actor_history(AMLO, order="sideways")),
        ("as_of", lambda: timeline(everything, as_of="yesterday")),
        ("as_of", lambda: timeline(everything, as_of=-1)),
        ("as_of", lambda: q.entry(recorded["meeting"], as_of="yesterday")),
        ("as_of", lambda: timeline(everything, as_of="0001-01-01T00:00:00+01:00")),
        ("kind", lambda: timeline(TimelineFilters(kind="rumour"))),
        ("from", lambda: timeline(TimelineFilters(start="not-a-date"))),
        ("to", lambda: timeline(TimelineFilters(end="2023-13"))),
        ("q", lambda: timeline(TimelineFilters(q="¿?!"))),
        ("q", lambda: timeline(TimelineFilters(q=""))),
        ("q", lambda: q.actors("   ")),
    ]
    for field, ask in bad:
        with pytest.raises(ValidationError) as raised:
            ask()
        assert raised.value.field == field

    missing: list[tuple[type[NotFound], Callable[[], object]]] = [
        (EntryNotFound, lambda: q.entry(str(uuid4()))),
        (EntryNotFound, lambda: q.entry("not-a-uuid")),
        (EntryNotFound, lambda: q.entry_history(str(uuid4()))),
        (ActorNotFound, lambda: q.actor("nobody")),
        (ActorNotFound, lambda: q.actor_history("nobody")),
    ]
    for error, ask in missing:
        with pytest.raises(error):
            ask()


def test_a_kind_with_no_entries_is_an_empty_page_until_one_is_recorded_then_as_of_before(
    app: TimelineApp, read_models: ReadModels
) -> None:
    seed(app)
    app.record_entry(body("meeting"), by=BY)
    read_models.written()
    queries = read_models.queries
    before = queries.position()

    def found(kind: str, **asked: Any) -> list[str]:
        return kinds(queries.timeline(TimelineFilters(kind=kind), **asked))

    assert found("statistic") == []
    assert found("statistic") == []  # known absent now: answered without a walk
    app.record_entry(body("meeting"), by=BY)
    read_models.written()
    assert found("statistic") == []  # extended over the new versions
    app.record_entry(body("statistic"), by=BY)
    read_models.written()

    assert found("statistic") == ["statistic"]
    assert found("statistic", as_of=before) == []
    assert found("meeting", as_of=before) == ["meeting"]
    with pytest.raises(ValidationError):
        found("nope")
