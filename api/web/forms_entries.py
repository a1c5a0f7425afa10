"""Changing an entry from the browser: correct (previewed), retract, link, cite.

`/entries/{id}/edit` holds the forms. A correction covers the text fields and
the list fields (actors, topics, details: each corrected as a whole, from the
rows the form shows), and may cite the source that supports it. It goes in two
steps: the preview shows each changed field old → new, and only its confirm
button writes. The form keeps what it was read from (`seen.NAME`; the list
fields as JSON of the body they make) so that only what was changed is sent.
Each form carries the version it was read at; a stale one (409) shows the page
again with the conflict, the fields that changed meanwhile, and everything
typed kept. Writes run the write service's own commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ReadModelsDep, TimelineDep
from api.web.csrf import FIELD, csrf_valid
from api.web.facets import topics_in_use
from api.web.filters import read_form
from api.web.forms import (
    ACTOR_ROWS,
    COMMON,
    LIST_FIELDS,
    TOPIC_ROWS,
    actor_inputs,
    entry_body,
    error_for,
    form_values,
    inputs,
    rows,
)
from api.web.forms_pickers import actor_lookup, resolve_actors, resolve_entry
from api.web.forms_routes import CSRF_REFUSED, Posted, refused_page, writer_or_refusal
from api.web.render import html_page
from api.web.session import Session, request_secret
from domain import (
    RELATIONS,
    DomainError,
    EntryNotFound,
    UnknownReference,
    ValidationError,
    VersionConflict,
)
from domain.details import KINDS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

CORRECTABLE = COMMON
OPTIONAL = ("location", "note")  # left blank: unchanged (the form cannot clear them)
SOURCE_CHOICES = 1000
CITED = ("correction_source", "correction_quote", "correction_locator")


def _seen_lists(entry: Mapping[str, Any]) -> dict[str, str]:
    """`seen.actors`, `seen.topics`, `seen.details`: the list fields as the form
    makes them from the entry, JSON, to compare the posted rows with."""
    body = entry_body(str(entry["kind"]), form_values(entry))
    return {f"seen.{name}": orjson.dumps(body[name]).decode() for name in LIST_FIELDS}


def _loaded(text: str) -> Any:
    """A `seen.NAME` list field's JSON; None for text that is not (sent by hand)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def shown(name: str, value: Any) -> str:
    """A field's value as the preview shows it: list fields a line an item."""
    # A `seen.NAME` sent by hand may hold any JSON: what is not a list (or, for the
    # details, an object) shows as empty.
    items = value if isinstance(value, list) else []
    if name == "actors":
        return "\n".join(
            f"{a.get('actor', '')} ({a.get('role', '')})" for a in items if isinstance(a, dict)
        )
    if name == "topics":
        return ", ".join(str(t) for t in items)
    if name == "details":
        details = value if isinstance(value, dict) else {}
        return "\n".join(f"{key}: {_shown_detail(v)}" for key, v in details.items())
    return str(value or "")


def _shown_detail(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_shown_detail(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown_detail(v)}" for k, v in value.items())
    return str(value)


def _entry(read_models: ReadModelsDep, entry_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = orjson.loads(read_models.queries.entry(entry_id))
    except (EntryNotFound, ValueError):
        return None
    return found


def _edit_page(
    read_models: ReadModelsDep,
    entry_id: str,
    *,
    action: str = "",
    values: Mapping[str, str] | None = None,
    error: str = "",
    errors: Mapping[str, str] | None = None,
    meanwhile: list[dict[str, str]] | None = None,
    found: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    entry = _entry(read_models, entry_id)
    if entry is None:
        return refused_page("No such entry", f"There is no entry {entry_id[:80]!r}.", 404)
    queries = read_models.queries
    sources = [orjson.loads(raw) for raw in queries.sources(None, SOURCE_CHOICES)]
    actors = [orjson.loads(raw) for raw in queries.actors(None, limit=SOURCE_CHOICES)]
    current = {**form_values(entry), **_seen_lists(entry)}
    shown_values = values if values is not None else current
    kind = str(entry["kind"])
    return html_page(
        "entry_edit.html",
        status=status,
        entry=entry,
        action=action,
        values=shown_values,
        current=current,
        error=error,
        errors=errors or {},
        meanwhile=meanwhile or [],
        found=found or [],
        relations=RELATIONS,
        actor_choices=[(a["id"], a.get("name", a["id"])) for a in actors],
        source_choices=[(s["id"], s.get("title", s["id"])) for s in sources],
        topic_choices=[topic for topic, _ in topics_in_use(queries, read_form({}))],
        fields=CORRECTABLE,
        lists=LIST_FIELDS,
        kind_label=KINDS[kind].label,
        details=inputs(kind, shown_values),
        actor_rows=range(rows(shown_values, "actors.", ACTOR_ROWS)),
        topic_rows=range(rows(shown_values, "topics.", TOPIC_ROWS)),
    )


def _beside(error: DomainError, names: list[str]) -> str:
    """The input of `names` a ValidationError belongs beside ("" for none): a
    correction's `changes.title` beside `title`, a citation's `source` beside it."""
    if not isinstance(error, ValidationError):
        return ""
    path = error.field.removeprefix("changes.")
    field = error_for(path, names)
    return field if field in names else ""


def _checked(request: Request, form: Mapping[str, str]) -> Session | Response:
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return writer
    if not csrf_valid(request_secret(request), writer.session_id, form.get(FIELD)):
        return refused_page(*CSRF_REFUSED)
    return writer


def _version(form: Mapping[str, str]) -> int | None:
    text = form.get("expected_version", "").strip()
    return int(text) if text.isdigit() else None


@router.get("/entries/{entry_id}/edit")
def entry_edit_page(entry_id: str, request: Request, read_models: ReadModelsDep) -> Response:
    """The forms that correct, retract, link and cite the entry."""
    writer = writer_or_refusal(request)
    if isinstance(writer, Response):
        return writer
    return _edit_page(read_models, entry_id)


def _changes(form: Mapping[str, str], kind: str) -> list[dict[str, Any]]:
    """Each field typed other than it was shown (`seen.NAME`): name, old and new as
    shown, and the new value as the correction sends it. A list field counts only
    when the form held it (its `seen.NAME`)."""
    changed: list[dict[str, Any]] = []
    for name in CORRECTABLE:
        new = form.get(name, "").strip()
        old = form.get(f"seen.{name}", "")
        if new != old and (new or name not in OPTIONAL):
            changed.append({"field": name, "old": old, "new": new, "value": new})
    listed = [name for name in LIST_FIELDS if f"seen.{name}" in form]
    if listed:
        body = entry_body(kind, form)
        for name in listed:
            old_value = _loaded(form[f"seen.{name}"])
            if body[name] != old_value:
                before, after = old_value, body[name]
                if name == "details" and isinstance(before, dict):
                    # Only the details that change are shown; all of them are sent.
                    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
                    before = {k: before[k] for k in keys if k in before}
                    after = {k: after[k] for k in keys if k in after}
                changed.append(
                    {
                        "field": name,
                        "old": shown(name, before),
                        "new": shown(name, after),
                        "value": body[name],
                    }
                )
    return changed


def _resolved(form: Mapping[str, str], kind: str, read_models: ReadModelsDep) -> dict[str, str]:
    """The form with the actors typed by name read as their ids."""
    lookup = actor_lookup(read_models.queries)
    return resolve_actors(form, actor_inputs(kind, form), lookup)


def _after_conflict(
    form: Mapping[str, str], entry: Mapping[str, Any], action: str
) -> dict[str, str]:
    """The form again after a stale version: what the person changed, as typed; every
    other field as the entry now stands. Kept as it was shown, an untouched field
    would be sent back and undo the change made meanwhile."""
    kept = {k: v for k, v in form.items() if k != "expected_version" and not k.startswith("seen.")}
    kind = str(entry.get("kind", ""))
    if action != "correct" or kind not in KINDS:
        now = form_values(entry) if entry else {}
        return {**{n: now.get(n, "") for n in CORRECTABLE}, **kept}
    typed = {change["field"] for change in _changes(form, kind)}
    editable = {*CORRECTABLE, *LIST_FIELDS}

    def owner(name: str) -> str:
        return name.split(".", 1)[0]

    now = {k: v for k, v in form_values(entry).items() if owner(k) not in typed}
    mine = {k: v for k, v in kept.items() if owner(k) not in editable or owner(k) in typed}
    return {**now, **mine}


def _citation(form: Mapping[str, str]) -> dict[str, str] | None:
    """The source the correction cites, when one is given."""
    cited = {k.removeprefix("correction_"): form.get(k, "").strip() for k in CITED}
    if not any(cited.values()):
        return None
    return {k: v for k, v in cited.items() if v or k == "source"}


@router.post("/entries/{entry_id}/edit/preview")
def correction_preview(
    entry_id: str, request: Request, form: Posted, read_models: ReadModelsDep
) -> Response:
    """The correction old → new, to confirm before anything is written."""
    writer = _checked(request, form)
    if isinstance(writer, Response):
        return writer
    entry = _entry(read_models, entry_id)
    if entry is None:
        return refused_page("No such entry", f"There is no entry {entry_id[:80]!r}.", 404)
    form = _resolved(form, str(entry["kind"]), read_models)
    changes = _changes(form, str(entry["kind"]))
    if not changes:
        return _edit_page(
            read_models,
            entry_id,
            action="correct",
            values=form,
            error="Nothing to correct: change a field first.",
            status=422,
        )
    return html_page(
        "entry_preview.html",
        entry=entry,
        changes=changes,
        values=form,
        carried={k: v for k, v in form.items() if k != FIELD},
        citation=_citation(form),
    )


@router.post("/entries/{entry_id}/edit/revise")
def correction_revise(
    entry_id: str, request: Request, form: Posted, read_models: ReadModelsDep
) -> Response:
    """Back from the preview to the form, with what was typed."""
    writer = _checked(request, form)
    if isinstance(writer, Response):
        return writer
    return _edit_page(read_models, entry_id, action="correct", values=form)


@router.post("/entries/{entry_id}/edit/{action}")
def entry_edit(
    entry_id: str,
    action: str,
    request: Request,
    form: Posted,
    read_models: ReadModelsDep,
    app: TimelineDep,
) -> Response:
    """Correct (after the preview), retract, link or cite; back to the entry's page."""
    writer = _checked(request, form)
    if isinstance(writer, Response):
        return writer
    version = _version(form)
    text = {k: v.strip() for k, v in form.items()}
    try:
        if action == "correct":
            kind = str((_entry(read_models, entry_id) or {}).get("kind", ""))
            form = _resolved(form, kind, read_models) if kind in KINDS else form
            changes = {c["field"]: c["value"] for c in _changes(form, kind)} if kind else {}
            result = app.correct_entry(
                entry_id,
                expected_version=version,
                changes=changes,
                reason=text.get("reason", ""),
                source=_citation(form),
                by=writer.name,
            )
        elif action == "retract":
            result = app.retract_entry(
                entry_id, expected_version=version, reason=text.get("reason", ""), by=writer.name
            )
        elif action == "link":
            # A choice among the entries found last time (the form without JavaScript)
            # goes before the words typed.
            typed = text.get("entry_choice") or text.get("entry", "")
            target, found = resolve_entry(read_models.queries, typed, entry_id)
            try:
                result = app.link_entries(
                    entry_id,
                    text.get("relation", ""),
                    target,
                    by=writer.name,
                    expected_version=version,
                )
            except UnknownReference as error:
                if not found:
                    raise
                message = (
                    f"{error.message}: {len(found)} entries hold these words. Choose "
                    "one below, or type more of its title, or its id."
                )
                return _edit_page(
                    read_models,
                    entry_id,
                    action=action,
                    values=form,
                    errors={"entry": message},
                    found=found,
                    status=422,
                )
        elif action == "cite":
            citation = {k: text[k] for k in ("source", "quote", "locator") if text.get(k)}
            result = app.cite_source(entry_id, citation, by=writer.name, expected_version=version)
        else:
            return refused_page("No such change", "Expected correct, retract, link or cite.", 404)
    except VersionConflict as conflict:
        entry = _entry(read_models, entry_id) or {}
        now = {**form_values(entry), **_seen_lists(entry)} if entry else {}
        meanwhile = [
            {"field": name, "seen": form.get(f"seen.{name}", ""), "now": now.get(name, "")}
            for name in CORRECTABLE
            if f"seen.{name}" in form and form[f"seen.{name}"] != now.get(name, "")
        ]
        for name in LIST_FIELDS:
            seen = form.get(f"seen.{name}")
            if seen is not None and now and seen != now[f"seen.{name}"]:
                meanwhile.append(
                    {
                        "field": name,
                        "seen": shown(name, _loaded(seen)),
                        "now": shown(name, _loaded(now[f"seen.{name}"])),
                    }
                )
        return _edit_page(
            read_models,
            entry_id,
            action=action,
            values=_after_conflict(form, entry, action),
            error=f"{conflict} Someone changed this entry since you opened it; your text is "
            "kept below: check it against what changed, then send it again.",
            meanwhile=meanwhile,
            status=409,
        )
    except DomainError as error:
        # A field the form shows gets the message beside it; any other, at the top.
        field = _beside(error, [k for k in form if k not in (FIELD, "expected_version")])
        return _edit_page(
            read_models,
            entry_id,
            action=action,
            values=form,
            error="" if field else str(error),
            errors={field: error.message} if isinstance(error, ValidationError) and field else {},
            status=422,
        )
    read_models.wait_for(
        result.position, request.app.state.settings.read_wait_seconds, ledger=False
    )
    return RedirectResponse(f"/entries/{entry_id}", 303)
