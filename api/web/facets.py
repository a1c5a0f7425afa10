"""Facets beside the list: topics, actors and kinds in use, with counts, each a link
that adds that filter to the view (or, when it is the one in use, takes it away).

Topics are counted by `Queries.topics`, the query `GET /api/v1/topics` answers
with the same filters; actors and kinds by `Queries.tally`, under the same
filters, in the store. So each count is what the list would show after the
click, however many entries match.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from api.web.filters import TimelineForm
from domain.details import KINDS
from projections import Queries, Tally
from projections.facets import ranked

__all__ = ["Facet", "FacetValue", "facet_lists", "topics_in_use"]

# Values shown at once in a facet; the rest fold behind "more".
SHOWN = 10


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    url: str


@dataclass(frozen=True)
class Facet:
    """One facet: its filter's name, heading, and values (busiest first)."""

    name: str
    heading: str
    values: list[FacetValue]

    @property
    def first(self) -> list[FacetValue]:
        return self.values[:SHOWN]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[SHOWN:]


def facet_lists(
    queries: Queries,
    form: TimelineForm,
    tally: Tally | None,
    actor_names: dict[str, str],
) -> list[Facet]:
    """The topic, actor and kind facets of the view `form` asks for; `tally` counts
    the entries it keeps, topics included. Empty when a filter is refused (the form
    then says why)."""
    filters, query = form.filters(), form.query
    if filters is None or query is None or tally is None:
        return []
    return [
        _facet(form, "topic", "Topics", ranked(tally.topics), {}),
        _facet(form, "actor", "Actors", ranked(tally.actors), actor_names),
        _facet(form, "kind", "Kinds", ranked(tally.kinds), _kind_labels()),
    ]


def topics_in_use(
    queries: Queries, form: TimelineForm, tally: Tally | None = None
) -> list[tuple[str, int]]:
    """The topics the view's other filters leave, for the topic filter to choose from
    (by name); with the chosen topic among them even when no entry carries it.
    `tally`, the view's counts with topics, answers when no topic is chosen."""
    filters, query = form.filters(), form.query
    if filters is None or query is None:
        return []
    if tally is not None and filters.topic is None:
        pairs = sorted(tally.topics.items())
    else:
        topics, _ = queries.topics(replace(filters, topic=None), as_of=query.as_of)
        pairs = [(str(item["topic"]), int(item["entries"])) for item in topics]
    chosen = form.values.get("topic")
    if chosen and chosen not in {topic for topic, _ in pairs}:
        pairs = sorted([*pairs, (chosen, 0)])
    return pairs


def _facet(
    form: TimelineForm,
    name: str,
    heading: str,
    counts: list[tuple[str, int]],
    labels: dict[str, str],
) -> Facet:
    chosen = form.values.get(name)
    values = []
    for value, count in counts:
        active = value == chosen
        url = form.url(**{name: None if active else value})
        values.append(FacetValue(value, labels.get(value, value), count, active, url))
    return Facet(name, heading, values)


def _kind_labels() -> dict[str, str]:
    return {name: kind.label for name, kind in KINDS.items()}
