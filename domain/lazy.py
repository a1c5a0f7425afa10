"""A package's names imported from their modules when first asked for (PEP 562).

A package that imported every name it offers would import its heaviest module
for a command that needs its lightest: `domain.application` builds the
aggregates' classes with eventsourcing, a quarter of a second.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module `__getattr__` of `package`: each name of `homes` imported from its
    module on first use, then kept on the package; AttributeError for another."""

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        setattr(sys.modules[package], name, value)
        return value

    return attribute
