"""A short soak on PostgreSQL: the whole system under writes, a stream and a killed
follower loses no write, stores none twice, and streams every event once, in order.

The figures of time and memory are the soak script's to report
(`python -m scripts.soak`); on a shared test machine they would only be noise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.soak import soak
from tests.postgres import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.alone]


def test_writes_under_a_killed_follower_are_stored_once_and_streamed_in_order(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    with postgres.database() as url:
        report = soak(url, 3.0, warmup=0.5, kill_at=1.0, folder=tmp_path, say=lambda _: None)
    assert report.killed_pid is not None
    assert report.acknowledged > 0
    assert report.refused == 0, report.errors
    assert (report.lost, report.duplicated) == (0, 0)
    assert report.stored == report.acknowledged
    assert report.stream_events >= report.acknowledged
    assert (report.stream_repeated, report.stream_out_of_order, report.stream_missing) == (
        0,
        0,
        0,
    )
    assert report.views_caught_up
