"""What an actor picker's text becomes on the server: an id, typed or found by name.

With JavaScript the pickers suggest as one types (`static/forms.js`, over
`GET /api/v1/actors?q=`) and fill in the id. Without it a person types an id
or a name; `resolve_actors` turns a name into its actor's id when exactly one
actor's name or alias holds it as whole words, or its id reads the same, once
accents, case and script are set aside (`domain.values.search_key`:
'Zelenskyi', 'Зеленський', 'lopez obrador'; not 'lop'). Anything else is
left as typed, for the domain to refuse in its own words; `suggestions` then
names the actors the text could mean, to add to that message.

The link form's target is found the same way (`resolve_entry`): an entry's id,
or words of its title that the timeline's search finds in exactly one other
entry; several are named back, to pick one (`/forms/suggest/entries?q=`).

The pickers ask `/forms/suggest/actors?q=` and `/forms/suggest/sources?q=`:
the API's searches (`queries.actors`, `queries.sources`) behind a session of
scope write, so they answer while the server protects its API's reads too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import ReadModelsDep
from api.web.session import session_of
from domain import EntryNotFound, ValidationError
from domain.values import search_key, transliterate
from projections import Queries
from projections.queries import TimelineFilters

__all__ = [
    "Lookup",
    "actor_lookup",
    "entry_choices",
    "name_keys",
    "resolve_actors",
    "resolve_entry",
    "router",
    "suggestions",
]

router = APIRouter(include_in_schema=False)

# Actors found by `GET /api/v1/actors?q=` for a text, as their bodies.
Lookup = Callable[[str], list[dict[str, Any]]]
SUGGESTED = 5
MAX_WORDS = 12  # of a name whose runs of words are compared: a name is a few words


def name_keys(actor: Mapping[str, Any]) -> set[str]:
    """The keys a text may have to name `actor`: its id's, and those of each run of
    whole words of its name and aliases ('Zelenskyi', 'López Obrador', 'AMLO')."""
    keys = {search_key(str(actor.get("id", "")))}
    for name in [actor.get("name", ""), *(actor.get("aliases") or [])]:
        words = transliterate(str(name)).split()[:MAX_WORDS]
        for start in range(len(words)):
            for end in range(start + 1, len(words) + 1):
                keys.add(search_key(" ".join(words[start:end])))
    keys.discard("")
    return keys


def _resolve_one(text: str, lookup: Lookup) -> str:
    text = text.strip()
    if not text:
        return text
    try:
        found = lookup(text)
    except ValidationError:  # the look-up refused the text (nothing to search for)
        return text
    if any(actor.get("id") == text for actor in found):
        return text
    key = search_key(text)
    same = [a for a in found if key and key in name_keys(a)]
    return str(same[0]["id"]) if len(same) == 1 else text


def resolve_actors(
    form: Mapping[str, str], names: Iterable[str], lookup: Lookup
) -> dict[str, str]:
    """`form` with each actor input of `names` read as an id or a name; an input
    holding one actor a line (`details.participants`) is read line by line."""
    resolved = dict(form)
    for name in names:
        text = form.get(name, "")
        if "\n" in text.strip():
            lines = [_resolve_one(line, lookup) for line in text.splitlines() if line.strip()]
            resolved[name] = "\n".join(lines)
        elif text.strip():
            resolved[name] = _resolve_one(text, lookup)
    return resolved


def suggestions(text: str, lookup: Lookup) -> str:
    """' Did you mean: …?' naming the actors `text` may mean, or '' when none."""
    try:
        found = lookup(text.strip())[:SUGGESTED] if text.strip() else []
    except ValidationError:
        return ""
    if not found:
        return ""
    named = ", ".join(f"{a['id']} ({a.get('name', a['id'])})" for a in found)
    return f" Did you mean: {named}?"


def actor_lookup(queries: Queries, limit: int = 20) -> Lookup:
    """The actor search of `queries` as a `Lookup`."""
    return lambda text: [orjson.loads(raw) for raw in queries.actors(text, limit=limit)]


def entry_choices(queries: Queries, text: str, besides: str) -> list[dict[str, str]]:
    """Entries other than `besides` whose text holds the words of `text`, at most
    `SUGGESTED * 2`: `{id, name, hint}`, the hint being the entry's date."""
    try:
        page = queries.timeline(TimelineFilters(q=text), limit=SUGGESTED * 2 + 1)
    except ValidationError:  # no word to search for
        return []
    found = [orjson.loads(raw) for raw in page.items]
    return [
        {"id": str(e["id"]), "name": str(e.get("title", e["id"])), "hint": str(e["occurred"])}
        for e in found
        if e["id"] != besides
    ][: SUGGESTED * 2]


def resolve_entry(queries: Queries, text: str, besides: str) -> tuple[str, list[dict[str, str]]]:
    """The id `text` names (an id, or words found in one entry's text only) and,
    when it names none or several, the entries it may mean (`entry_choices`)."""
    text = text.strip()
    try:
        queries.entry(text)
    except (EntryNotFound, ValueError):
        pass
    else:
        return text, []
    found = entry_choices(queries, text, besides) if text else []
    if len(found) == 1:
        return found[0]["id"], []
    return text, found


Q = Annotated[str, Query(max_length=300)]


def _suggested(request: Request, found: Callable[[], list[dict[str, str]]]) -> Response:
    # The pickers serve the write forms: only a session that may write gets answers.
    session = session_of(request)
    if session is None or not session.may_write:
        status = 401 if session is None else 403
        return Response(b'{"items":[]}', status, media_type="application/json")
    try:
        items = found()
    except ValidationError:
        items = []
    return Response(orjson.dumps({"items": items}), media_type="application/json")


@router.get("/forms/suggest/actors")
def suggest_actors(request: Request, read_models: ReadModelsDep, q: Q = "") -> Response:
    """Actors whose id, name or alias holds `q`, in any script: `{items: [{id, name,
    hint}]}` where `hint` is the alias or id that matched when the name does not show it."""
    lookup = actor_lookup(read_models.queries, SUGGESTED * 2)

    def found() -> list[dict[str, str]]:
        return [_suggestion(a, q) for a in lookup(q)][: SUGGESTED * 2]

    return _suggested(request, found)


def _suggestion(actor: Mapping[str, Any], q: str) -> dict[str, str]:
    aliases = [str(a) for a in actor.get("aliases") or []]
    key = search_key(q)
    hint = next((a for a in aliases if key and key in search_key(a)), "")
    return {"id": str(actor["id"]), "name": str(actor.get("name", actor["id"])), "hint": hint}


@router.get("/forms/suggest/entries")
def suggest_entries(
    request: Request, read_models: ReadModelsDep, q: Q = "", besides: Q = ""
) -> Response:
    """Entries (other than `besides`) whose text holds the words of `q`, for the
    link form: `{items: [{id, name, hint}]}`, the hint being the entry's date."""
    return _suggested(request, lambda: entry_choices(read_models.queries, q, besides))


@router.get("/forms/suggest/sources")
def suggest_sources(request: Request, read_models: ReadModelsDep, q: Q = "") -> Response:
    """Sources whose title or publisher holds `q`: `{items: [{id, name, hint,
    published}]}`; the entry form reads phrases against `published`."""

    def found() -> list[dict[str, str]]:
        raw = read_models.queries.sources(q, limit=SUGGESTED * 2)
        return [
            {
                "id": str(s["id"]),
                "name": str(s.get("title", s["id"])),
                "hint": str(s.get("publisher", "")),
                "published": str(s.get("published") or ""),
            }
            for s in map(orjson.loads, raw)
        ]

    return _suggested(request, found)
