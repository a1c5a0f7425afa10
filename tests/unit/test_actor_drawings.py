"""The actor page's roles axis and co-actor network, shaped from roles and counts."""

from __future__ import annotations

from datetime import date

from api.web.network import co_actor_network
from api.web.roles_axis import roles_axis

TODAY = date(2026, 1, 1)


def test_an_imprecise_start_is_faded_over_its_year_and_a_day_end_is_sure() -> None:
    axis = roles_axis([{"title": "Envoy", "start": "2020", "end": "2022-06-30"}], TODAY)
    assert axis is not None
    [row] = axis.rows
    assert [piece.sure for piece in row.pieces] == [False, True]
    unsure, sure = row.pieces
    # 2020 runs the whole year: the sure part starts at its end.
    assert round(unsure.x + unsure.width, 1) == round(sure.x, 1)
    assert round(sure.x + sure.width) == axis.width


def test_an_open_role_runs_to_today_and_fades_at_its_end() -> None:
    axis = roles_axis([{"title": "Mayor", "start": "2023-05-15"}], TODAY)
    assert axis is not None
    [row] = axis.rows
    assert row.open
    assert [piece.sure for piece in row.pieces] == [True, False]
    assert round(row.pieces[-1].x + row.pieces[-1].width) == axis.width


def test_a_role_without_dates_gets_a_row_and_no_bar() -> None:
    roles = [
        {"title": "Spokesperson"},
        {"title": "Chair", "start": "2021-01-01", "end": "2021-12-31"},
    ]
    axis = roles_axis(roles, TODAY)
    assert axis is not None
    assert [bool(row.pieces) for row in axis.rows] == [False, True]
    assert "Spokesperson, dates not recorded" in axis.summary
    assert roles_axis([{"title": "Spokesperson"}], TODAY) is None


def test_the_network_widens_edges_by_count_and_caps_its_nodes() -> None:
    others = [{"id": f"a{n}", "name": f"Actor {n}", "entries": 20 - n} for n in range(15)]
    network = co_actor_network("Someone", others)
    assert network is not None
    assert [node.id for node in network.nodes] == [f"a{n}" for n in range(12)]
    assert network.nodes[0].edge == 8.0
    assert network.nodes[0].edge > network.nodes[-1].edge >= 1
    assert co_actor_network("Someone", []) is None
