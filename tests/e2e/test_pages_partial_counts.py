"""The charts and facets of the pages count every entry the filters keep, in the
store: exact past the number of entries the drawing reads, and nothing says otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.bench_views import make_store
from tests.e2e.conftest import Api, _serving

# Past the 10,000 entries `/visual` draws.
MANY = 10_050


def _count(page: str, element: str) -> int:
    found = re.search(element + r'[^>]*data-(?:total|count)="(\d+)"', page)
    assert found is not None, element
    return int(found[1])


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A store of `MANY` statements, written in bulk, its views built as the app starts."""
    path: Path = tmp_path_factory.mktemp("many") / "timeline.db"
    make_store(path, MANY, lambda _: None)
    with _serving(f"sqlite:///{path}") as api:
        yield api


def test_the_list_counts_every_entry_past_ten_thousand_in_its_chart_and_facets(
    many: Api,
) -> None:
    page = many.client.get("/", headers={"Accept": "text/html"})

    assert page.status_code == 200, page.text
    assert _count(page.text, 'id="activity"') == MANY
    assert _count(page.text, 'data-value="statement"') == MANY
    assert "Counted over the first" not in page.text


def test_the_drawing_draws_the_first_ten_thousand_and_counts_them_all(many: Api) -> None:
    page = many.client.get("/visual", headers={"Accept": "text/html"})

    assert page.status_code == 200, page.text
    assert _count(page.text, 'id="activity"') == MANY
    assert f"{MANY} entries in" in page.text
    assert "Only the first 10,000 are drawn" in page.text


@pytest.mark.parametrize("path", ["/", "/visual", "/actors/andres-manuel-lopez-obrador"])
def test_the_counts_do_not_depend_on_how_many_entries_the_drawing_reads(
    local_seeded: Api, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    for kind in ("meeting", "call", "statement"):
        local_seeded.record(kind)
    monkeypatch.setattr("api.web.routes.VISUAL_CAP", 2)

    page = local_seeded.client.get(path, headers={"Accept": "text/html"})

    assert page.status_code == 200, page.text
    assert _count(page.text, 'id="activity"') == 3
    assert 'id="activity-partial"' not in page.text
