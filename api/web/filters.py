"""The timeline page's query string: its filters, checked, and the links that keep them.

The page takes the API's timeline parameters under the same names (`topic`,
`actor`, `kind`, `from`, `to`, `q`, `as_of`, `include_retracted`, `order`,
`limit`, `cursor`), so a view's URL holds its filters and the same query
string, given to `/api/v1/timeline` or the exports, answers the same view.
A value the API would refuse becomes a message naming the field and what is
accepted, shown in the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from pydantic import ValidationError as SchemaError

from api.schemas import DOMAIN_RULES, TimelineQuery
from domain import ENTRY_CLASSES, ValidationError, parse_edtf_date
from projections import TimelineFilters

__all__ = [
    "EXPORT_FORMATS",
    "FIELDS",
    "LABELS",
    "TimelineForm",
    "read_form",
]

# The parameters a view keeps, in the order its links write them.
FIELDS = (
    "q",
    "topic",
    "actor",
    "kind",
    "from",
    "to",
    "order",
    "include_retracted",
    "as_of",
    "limit",
    "cursor",
)
LABELS = {
    "q": "Text",
    "topic": "Topic",
    "actor": "Actor",
    "kind": "Kind",
    "from": "From",
    "to": "To",
    "order": "Order",
    "include_retracted": "Show retracted entries",
    "as_of": "View as of",
    "limit": "Entries per page",
    "cursor": "Page",
}
ACCEPTED = {
    "q": "expected words of a title, summary or quote, at most 500 characters",
    "topic": "expected a topic such as border-security: lower-case letters, digits and hyphens",
    "actor": "expected an actor's id such as joe-biden: choose one from the list",
    "kind": f"expected one of: {', '.join(ENTRY_CLASSES)}",
    "from": "expected an EDTF date such as 2023-12-27, 2023-12 or 2023",
    "to": "expected an EDTF date such as 2023-12-27, 2023-12 or 2023",
    "order": "expected asc (oldest first) or desc (newest first)",
    "include_retracted": "expected true or false",
    "as_of": "expected a log position such as 57 or a date-time such as 2024-01-03T00:00:00Z",
    "limit": "expected a whole number from 1 to 500",
    "cursor": "expected the link of an earlier page, unchanged",
}
# Every format `GET /api/v1/exports/chronology` writes, with the name a reader knows it by.
EXPORT_FORMATS = (
    ("md", "Markdown"),
    ("html", "HTML"),
    ("csv", "CSV"),
    ("json", "JSON"),
    ("ndjson", "NDJSON"),
    ("ics", "iCalendar"),
    ("timelinejs", "TimelineJS"),
)
# How much of a refused value a message repeats.
SHOWN_VALUE = 60
# What the exports take: the view's filters, not its paging.
_EXPORTED = tuple(name for name in FIELDS if name not in ("limit", "cursor"))
# What shapes a view without narrowing its entries.
_VIEW_SETTINGS = ("order", "as_of", "limit", "cursor")


@dataclass
class TimelineForm:
    """A timeline view as its URL asks for it: the values given (non-empty ones), the
    filters they make when they are valid, and a message for each that is not."""

    values: dict[str, str]
    query: TimelineQuery | None
    errors: dict[str, str] = field(default_factory=dict)

    def filters(self) -> TimelineFilters | None:
        """The read side's filters, or None when a value is refused."""
        q = self.query
        if q is None:
            return None
        return q.filters()

    def refuse(self, name: str, message: str) -> None:
        """Record why `name`'s value is refused; the page shows no entries then."""
        self.errors.setdefault(name, message)
        self.query = None

    def brief(self, name: str) -> str:
        """The message about `name` without what is accepted, to show beside the
        field; the list of errors at the top of the page says it in full."""
        return self.errors[name].split("; expected")[0]

    def url(self, **changes: str | None) -> str:
        """This view's URL with `changes` (None removes a value); a new filter starts
        at the first page, so `cursor` goes unless it is the change."""
        values = dict(self.values)
        if "cursor" not in changes:
            values.pop("cursor", None)
        return "/" + _query(_with_values(values, **changes))

    def unfiltered_url(self) -> str:
        """This view without its filters: the same order, moment and page size, from
        the first page (a cursor continues only the query it came from)."""
        kept = {k: v for k, v in self.values.items() if k in _VIEW_SETTINGS and k != "cursor"}
        return "/" + _query(kept)

    def export_url(self, fmt: str) -> str:
        """The chronology export of this view's filters in format `fmt`."""
        kept = {k: v for k, v in self.values.items() if k in _EXPORTED}
        return "/api/v1/exports/chronology" + _query({"format": fmt, **kept})

    def api_url(self) -> str:
        """This page of the view as the API's JSON."""
        return "/api/v1/timeline" + _query(self.values)

    @property
    def in_use(self) -> int:
        """How many values choose which entries show (order, moment and paging do not)."""
        return sum(name not in _VIEW_SETTINGS for name in self.values)

    @property
    def filtered(self) -> bool:
        return self.in_use > 0


def read_form(params: Mapping[str, str]) -> TimelineForm:
    """Read the query string; an empty value means the field is not used."""
    values = {name: params[name].strip() for name in FIELDS if params.get(name, "").strip()}
    form = TimelineForm(values, None)
    try:
        form.query = TimelineQuery.model_validate(values)
    except SchemaError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "q"
            if problem["type"] in DOMAIN_RULES:
                # The domain's own words, as the API, the import and the CLI give them.
                form.refuse(name, problem["msg"])
                continue
            accepted = ACCEPTED.get(name, problem["msg"])
            form.refuse(name, f"{_shown(values.get(name, ''))}: {accepted}")
    # The dates' meaning too, which the query would check one at a time: the page
    # names every value to change at once.
    for name in ("from", "to"):
        if name in values and name not in form.errors:
            try:
                parse_edtf_date(values[name], name)
            except ValidationError as error:
                form.refuse(name, error.message)
    return form


def _with_values(values: Mapping[str, str], **changes: str | None) -> dict[str, str]:
    """`values` with `changes` applied (None removes one); `from` is spelled `from_`."""
    result = dict(values)
    for name, value in changes.items():
        key = name.rstrip("_")
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _shown(value: str) -> str:
    """`value` quoted for a message, cut short: the field beside it holds it whole."""
    return repr(value if len(value) <= SHOWN_VALUE else value[:SHOWN_VALUE] + "…")


def _query(values: Mapping[str, str]) -> str:
    ordered = sorted(values.items(), key=lambda kv: _rank(kv[0]))
    return "?" + urlencode(ordered) if ordered else ""


def _rank(name: str) -> int:
    return FIELDS.index(name) if name in FIELDS else -1
