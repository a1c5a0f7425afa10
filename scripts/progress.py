"""Progress for long work: a bar on a terminal, a plain line now and then in a pipe."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["Console", "PlainLines", "progress_bar", "stderr_console"]


class Console(Protocol):
    """What progress needs of a console: rich's, or `PlainLines` in a pipe."""

    @property
    def is_terminal(self) -> bool: ...

    def print(self, *objects: Any) -> None: ...


class PlainLines:
    """A console for a pipe: each line as it is, on stderr, without loading rich."""

    is_terminal = False

    def print(self, *objects: Any) -> None:
        print(*objects, file=sys.stderr)


def stderr_console() -> Console:
    """rich's console on stderr when it is a terminal; else `PlainLines`, since
    importing rich costs a command's first byte (`export`'s) tens of milliseconds."""
    if not sys.stderr.isatty():
        return PlainLines()
    from rich.console import Console as RichConsole

    return RichConsole(stderr=True)


@contextmanager
def progress_bar(
    console: Console, label: str, total: int | None, every: int = 100_000
) -> Iterator[Callable[[int], None]]:
    """Yield `tick(n)`: advance by n. In a pipe, print a line every `every` items."""
    if console.is_terminal:
        from rich.console import Console as RichConsole
        from rich.progress import MofNCompleteColumn, Progress

        if isinstance(console, RichConsole):
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
