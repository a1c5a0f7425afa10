"""Progress for long work: a bar on a terminal, a plain line now and then in a pipe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(
    console: Console, label: str, total: int | None, every: int = 100_000
) -> Iterator[Callable[[int], None]]:
    """Yield `tick(n)`: advance by n. In a pipe, print a line every `every` items."""
    if console.is_terminal:
        # The count beside the bar and the time left, as far as the total is known.
        columns = (*Progress.get_default_columns(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(label, total=total)
            yield lambda n: progress.advance(task, n)
        return
    done = 0
    mark = every

    def tick(n: int) -> None:
        nonlocal done, mark
        done += n
        if done >= mark:
            console.print(f"{label}: {done:,}" + (f" of {total:,}" if total else ""))
            mark += every

    yield tick
