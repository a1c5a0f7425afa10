"""Which month heading each entry of a streamed chronology stands under.

The timeline is ordered by each entry's recorded lower bound, which `~`
widens: `2023-11~/2023-12-28` starts on 1 October. A reader expects it
under November, the month its text says it starts in (`stated_month`). So an
entry stands under its stated month, except where that would break the order
of the headings; then it stands under the month of the entries beside it, so
no heading comes twice, and a plain date always stands under its own month.
This is the web page's rule (`api.web.present.month_groups`), so a download
is headed as the page it came from.

Ascending, an entry's heading is the least stated month from it to the end.
Every later entry's stated month is at least the month of its lower bound,
which only grows, so a heading is settled as soon as an entry arrives whose
lower bound has reached it: a widened entry waits for at most the entries
of the month it was widened over. At most `window` entries wait; past that
the first is settled with what is known, and headings still never go back.
Descending, an entry's heading is the least stated month so far: nothing waits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from projections.presentation.dates import MONTHS
from projections.presentation.exports.entry import ExportEntry
from projections.views.body import stated_month

__all__ = ["WINDOW", "by_month", "heading", "stated_month"]

WINDOW = 1000


def by_month(
    entries: Iterable[ExportEntry], *, descending: bool = False, window: int = WINDOW
) -> Iterator[tuple[str, ExportEntry]]:
    """Each entry, in the order given, with the month it stands under (`2023-11`)."""
    if descending:
        least = ""
        for entry in entries:
            stated = _stated(entry)
            least = stated if not least else min(least, stated)
            yield least, entry
        return
    waiting: deque[tuple[str, ExportEntry]] = deque()
    given = ""
    for entry in entries:
        waiting.append((_stated(entry), entry))
        reached = entry.occurred.start.isoformat()[:7]  # no later entry states less
        for key, settled in _settle(waiting, reached, window):
            given = max(given, key)
            yield given, settled
    for key, settled in _settle(waiting, None, 0):
        given = max(given, key)
        yield given, settled


def _settle(
    waiting: deque[tuple[str, ExportEntry]], reached: str | None, window: int
) -> Iterator[tuple[str, ExportEntry]]:
    """Pop the entries whose heading is known: the least stated month from each to
    the last waiting is at most `reached` (None: the end, all are known)."""
    suffix: list[str] = []
    least = ""
    for stated, _ in reversed(waiting):
        least = stated if not least else min(least, stated)
        suffix.append(least)
    suffix.reverse()
    index = 0
    while waiting and (reached is None or suffix[index] <= reached or len(waiting) > window):
        _, entry = waiting.popleft()
        yield suffix[index], entry
        index += 1


def _stated(entry: ExportEntry) -> str:
    return stated_month(entry.occurred.text, entry.occurred.start.isoformat())


def heading(key: str) -> str:
    """`2023-12` as a heading: `December 2023`."""
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {int(year)}"
