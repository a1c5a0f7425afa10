"""The drawing's items from entries, the activity chart and the facet lists from counts."""

from __future__ import annotations

from typing import Any

import orjson

from api.web.activity import activity_chart
from api.web.visual import visual_data
from projections import AsOf, Tally
from projections.facets import activity, ranked


def _entry(n: int, occurred: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"id-{n}",
        "title": f"Entry {n}",
        "kind": "statement",
        "occurred": occurred,
        "occurred_start": start,
        "occurred_end": end,
        "topics": ["border-security"],
        "actors": [{"actor": "joe-biden", "role": "speaker"}],
        "status": "active",
        **fields,
    }


def test_an_item_spans_its_strict_bounds_and_marks_each_unsure_end() -> None:
    entries = [
        _entry(1, "2023-11~/2023-12-28", "2023-10-01", "2023-12-28"),
        _entry(2, "2024-01?", "2024-01-01", "2024-01-31"),
        _entry(3, "2023-12-27", "2023-12-27", "2023-12-27", status="retracted"),
        _entry(4, "2023-12-01/..", "2023-12-01", "2024-06-30"),
    ]
    data, _ = visual_data(entries, "kind", {})
    items = {item["id"]: item for item in orjson.loads(str(data))["items"]}
    approximate = items["id-1"]
    assert (approximate["start"], approximate["end"]) == ("2023-10-01", "2023-12-29")
    assert (approximate["fuzzy_start"], approximate["fuzzy_end"]) == (True, False)
    assert (items["id-2"]["fuzzy_start"], items["id-2"]["fuzzy_end"]) == (True, True)
    exact = items["id-3"]
    assert exact["day"] is True
    assert (exact["fuzzy_start"], exact["fuzzy_end"], exact["retracted"]) == (False, False, True)
    assert (items["id-4"]["fuzzy_start"], items["id-4"]["fuzzy_end"]) == (False, True)


def test_no_title_can_close_the_script_block_it_is_written_into() -> None:
    hostile = _entry(1, "2023", "2023-01-01", "2023-12-31", title="</script><b>&amp;")
    data, _ = visual_data([hostile], "topic", {})
    assert "<" not in str(data)
    assert "&" not in str(data)
    assert orjson.loads(str(data))["items"][0]["title"] == "</script><b>&amp;"


def test_lanes_are_the_first_topic_or_actor_busiest_first_with_names() -> None:
    entries = [
        _entry(1, "2023", "2023-01-01", "2023-12-31", topics=["asylum", "migration"]),
        _entry(2, "2023", "2023-01-01", "2023-12-31", topics=["migration"]),
        _entry(3, "2023", "2023-01-01", "2023-12-31", topics=["migration", "asylum"]),
        _entry(4, "2023", "2023-01-01", "2023-12-31", topics=[], actors=[]),
    ]
    _, by_topic = visual_data(entries, "topic", {})
    assert [(g["content"], g["entries"]) for g in by_topic] == [
        ("migration", 2),
        ("(no topic)", 1),
        ("asylum", 1),
    ]
    _, by_actor = visual_data(entries, "actor", {"joe-biden": "Joe Biden"})
    assert [(g["content"], g["entries"]) for g in by_actor] == [
        ("Joe Biden", 3),
        ("(no actor)", 1),
    ]


def test_activity_runs_from_the_first_month_to_the_last_without_gaps() -> None:
    counted = activity({"2024-02": {"meeting": 1}, "2023-11": {"statement": 2}})
    assert counted.months == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert counted.counts["2023-11"]["statement"] == 2
    assert sum(counted.counts["2023-12"].values()) == 0
    assert counted.total == 3


def test_a_span_of_more_than_ten_years_is_charted_by_year() -> None:
    months = {"2001-05": {"statement": 1}, "2019-01": {"statement": 1}, "2019-07": {"meeting": 1}}
    chart = activity_chart(Tally(months, {}, AsOf(0, None)))
    assert chart is not None
    assert chart.unit == "year"
    assert [bar.key for bar in chart.bars] == [str(year) for year in range(2001, 2020)]
    assert chart.total == 3
    assert dict(chart.kind_totals) == {"meeting": 1, "statement": 2}
    assert chart.summary.startswith("Entries per year, 3 in all. 2001: 1, 2002: 0")
    assert activity_chart(Tally({}, {}, AsOf(0, None))) is None


def test_facet_counts_are_listed_most_first_then_by_name() -> None:
    assert ranked({"b": 1, "a": 2, "c": 2}) == [("a", 2), ("c", 2), ("b", 1)]
