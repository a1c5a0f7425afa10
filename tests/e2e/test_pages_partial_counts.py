"""Past the number of entries a page reads for its chart and facets, it says so."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api


@pytest.mark.parametrize("path", ["/", "/visual", "/actors/andres-manuel-lopez-obrador"])
def test_a_chart_over_more_entries_than_it_reads_says_it_counts_only_the_first(
    local_seeded: Api, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    for kind in ("meeting", "call", "statement"):
        local_seeded.record(kind)
    monkeypatch.setattr("api.web.routes.VISUAL_CAP", 2)

    page = local_seeded.client.get(path, headers={"Accept": "text/html"})

    assert page.status_code == 200, page.text
    assert 'id="activity-partial"' in page.text
    assert "Counted over the first 2 entries" in page.text


def test_a_chart_over_every_entry_says_nothing_of_the_kind(local_seeded: Api) -> None:
    local_seeded.record("meeting")

    page = local_seeded.client.get("/", headers={"Accept": "text/html"})

    assert page.status_code == 200, page.text
    assert 'id="activity"' in page.text
    assert 'id="activity-partial"' not in page.text
