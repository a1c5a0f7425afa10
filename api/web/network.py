"""An actor's co-actor network: the actor in the middle, its frequent co-actors around it.

Drawn on the server as a small SVG from the counts the actor's read model holds
(`co_actors`: who shares entries with it, and how many). Each co-actor is a node on
a circle, a link to its page; the edge to the middle is as wide as their count says.
The co-actor list beside it says the same in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Network", "co_actor_network"]

SIZE = 360
RADIUS = 125
# The widest edge, in pixels; the thinnest is one.
WIDEST = 8.0
# Longer names are cut short on the drawing (its title and the list say them whole).
LONGEST_NAME = 28
# More nodes would crowd the circle: the list below still names them all.
MOST = 12


@dataclass(frozen=True)
class Node:
    """A co-actor: where it sits, its edge's width, and where its name goes."""

    id: str
    name: str
    label: str
    entries: int
    x: float
    y: float
    edge: float
    anchor: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Network:
    """The middle (the actor) and the nodes around it."""

    centre: str
    nodes: list[Node]
    size: int = SIZE
    # Room either side for the names of the nodes at the left and right.
    margin: int = 140

    @property
    def middle(self) -> float:
        return self.size / 2

    @property
    def summary(self) -> str:
        """Every co-actor and its count in words, for the drawing's `aria-label`."""
        said = ", ".join(f"{node.name} ({node.entries})" for node in self.nodes)
        return f"Entries {self.centre} shares with others: {said}."


def co_actor_network(name: str, co_actors: Sequence[Mapping[str, Any]]) -> Network | None:
    """The network of `name` and its `co_actors` (`id`, `name`, `entries`, most first);
    None when it has none."""
    shown = list(co_actors)[:MOST]
    if not shown:
        return None
    most = max(int(other["entries"]) for other in shown) or 1
    middle = SIZE / 2
    nodes = []
    for n, other in enumerate(shown):
        # Start at the top and go round clockwise, the most frequent first.
        angle = -math.pi / 2 + 2 * math.pi * n / len(shown)
        x, y = middle + RADIUS * math.cos(angle), middle + RADIUS * math.sin(angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        offset = 12
        nodes.append(
            Node(
                id=str(other["id"]),
                name=str(other["name"]),
                label=_short(str(other["name"])),
                entries=int(other["entries"]),
                x=round(x, 2),
                y=round(y, 2),
                edge=round(1 + (WIDEST - 1) * int(other["entries"]) / most, 2),
                anchor=anchor,
                label_x=round(x + offset * cos, 2),
                label_y=round(y + offset * math.sin(angle) + 4, 2),
            )
        )
    return Network(name, nodes)


def _short(name: str) -> str:
    return name if len(name) <= LONGEST_NAME else name[: LONGEST_NAME - 1].rstrip() + "\u2026"
