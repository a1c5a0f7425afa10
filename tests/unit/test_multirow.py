"""PostgreSQL's batches (`projections.multirow`): one INSERT's rows in few statements."""

from __future__ import annotations

from projections.multirow import MAX_PARAMETERS, MAX_ROWS, statements


def test_the_rows_of_an_insert_go_in_one_statement_in_their_order() -> None:
    found = statements(
        "INSERT INTO t VALUES (?, ?) ON CONFLICT (a) DO NOTHING", [(1, "a"), (2, "b")]
    )
    assert found is not None
    assert list(found) == [
        ("INSERT INTO t VALUES ($1, $2), ($3, $4) ON CONFLICT (a) DO NOTHING", [1, "a", 2, "b"])
    ]


def test_a_row_that_calls_a_function_keeps_its_literal_whole() -> None:
    found = statements(
        "INSERT INTO s (position, words) VALUES (?, to_tsvector('simple', ?))",
        [(1, "x"), (2, "y")],
    )
    assert found is not None
    assert [sql for sql, _ in found] == [
        "INSERT INTO s (position, words) VALUES "
        "($1, to_tsvector('simple', $2)), ($3, to_tsvector('simple', $4))"
    ]


def test_an_upsert_that_updates_and_a_lone_row_are_left_a_row_at_a_time() -> None:
    upsert = "INSERT INTO t VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b"
    assert statements(upsert, [(1, 1), (1, 2)]) is None  # one key twice in one statement fails
    assert statements("UPDATE t SET b = ? WHERE a = ?", [(1, 1), (2, 2)]) is None
    assert statements("INSERT INTO t VALUES (?, ?)", [(1, 1)]) is None


def test_a_large_batch_is_cut_within_the_protocol_s_limit_of_parameters() -> None:
    width = 100
    rows = [tuple(range(width))] * (MAX_ROWS + 1)
    found = statements(f"INSERT INTO t VALUES ({', '.join('?' * width)})", rows)
    assert found is not None
    cut = [params for _, params in found]
    assert all(len(params) <= MAX_PARAMETERS for params in cut)
    assert sum(len(params) for params in cut) == width * len(rows)
    assert [value for params in cut for value in params] == [v for row in rows for v in row]
