"""Many rows of one INSERT in few statements: how PostgreSQL takes a batch.

psycopg's `executemany` sends one statement a row, and spends about 8 us of
the client's CPU on each, in Python: a replay at 100,000 entries sends well
over a million rows, and its time was mostly that. `statements` turns an
`INSERT ... VALUES (...)` and its rows into statements of many rows each,
`VALUES (...), (...), ...`, their parameters flattened: the server inserts the
rows in their order, as it would one at a time.

A statement whose rows cannot be put in one (an `ON CONFLICT ... DO UPDATE`,
which fails when two rows of one statement have the same key) or that is not
an INSERT with VALUES is left a row at a time (None).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

__all__ = ["MAX_PARAMETERS", "MAX_ROWS", "statements"]

MAX_PARAMETERS = 65_535
"""The most parameters PostgreSQL's protocol takes in one statement."""
MAX_ROWS = 200
"""The most rows a statement holds. The server starts on a statement while the
client writes the next: at 100,000 entries a replay took 11.6-13.1 s with 200
rows a statement, 13.8-14.7 s with 1,000 (client CPU the same, 5.9 s)."""


def statements(sql: str, rows: Sequence[Sequence[Any]]) -> Iterator[tuple[str, list[Any]]] | None:
    """`sql` (one row's INSERT, `?` placeholders) and its `rows` as statements of
    many rows each (`$1` placeholders), with their parameters; None for a statement
    left a row at a time."""
    parts = _split(sql)
    if parts is None or len(rows) < 2:
        return None
    head, row, tail = parts
    width = row.count("?")
    if width == 0:
        return None
    per = max(1, min(MAX_ROWS, MAX_PARAMETERS // width))
    return _chunks(head, row, tail, rows, per)


def _chunks(
    head: str, row: str, tail: str, rows: Sequence[Sequence[Any]], per: int
) -> Iterator[tuple[str, list[Any]]]:
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        yield (
            _numbered(head, row, tail, len(chunk)),
            [value for values in chunk for value in values],
        )


@lru_cache(maxsize=256)
def _numbered(head: str, row: str, tail: str, count: int) -> str:
    """The statement of `count` rows, its placeholders PostgreSQL's own (`$1`, `$2`, ...):
    psycopg sends such a statement as it is, where it would parse one of `%s` each time
    (it keeps only short ones parsed)."""
    pieces = f"{head}{', '.join([row] * count)}{tail}".split("?")
    numbered = [pieces[0]]
    for n, piece in enumerate(pieces[1:], start=1):
        numbered += (f"${n}", piece)
    return "".join(numbered)


def _split(sql: str) -> tuple[str, str, str] | None:
    """(`INSERT ... VALUES `, the row's `(...)`, what follows) of `sql`, or None."""
    upper = sql.upper()
    if not upper.lstrip().startswith("INSERT") or "DO UPDATE" in upper:
        return None
    at = upper.find(" VALUES ")
    if at < 0:
        return None
    opened = at + len(" VALUES ")
    if sql[opened : opened + 1] != "(":
        return None
    depth, quoted = 0, False
    for i in range(opened, len(sql)):
        char = sql[i]
        if char == "'":
            quoted = not quoted  # a literal's parentheses are not the row's
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return sql[:opened], sql[opened : i + 1], sql[i + 1 :]
    return None
