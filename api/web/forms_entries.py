"""Changing an entry from the browser: correct (previewed), retract, link, cite.

`/entries/{id}/edit` holds the forms. A correction goes in two steps: the
preview shows each changed field old → new, and only its confirm button
writes. Each form carries the version it was read at; a stale one (409) shows
the page again with the conflict, the fields that changed meanwhile, and
everything typed kept. Writes run the write service's own commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ReadModelsDep, TimelineDep
from api.web.csrf import FIELD, csrf_valid
from api.web.forms_routes import CSRF_REFUSED, Posted, refused_page, writer_or_refusal
from api.web.render import html_page
from api.web.session import Session, request_secret
from domain import RELATIONS, DomainError, EntryNotFound, VersionConflict

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

CORRECTABLE = ("title", "summary", "occurred", "location", "note")
OPTIONAL = ("location", "note")  # left blank: unchanged (the form cannot clear them)
SOURCE_CHOICES = 1000


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
    meanwhile: list[dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    entry = _entry(read_models, entry_id)
    if entry is None:
        return refused_page("No such entry", f"There is no entry {entry_id[:80]!r}.", 404)
    sources = [orjson.loads(raw) for raw in read_models.queries.sources(None, SOURCE_CHOICES)]
    current = {name: entry.get(name) or "" for name in CORRECTABLE}
    return html_page(
        "entry_edit.html",
        status=status,
        entry=entry,
        action=action,
        values=values if values is not None else current,
        current=current,
        error=error,
        meanwhile=meanwhile or [],
        relations=RELATIONS,
        source_choices=[(s["id"], s.get("title", s["id"])) for s in sources],
        fields=CORRECTABLE,
    )


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


def _changes(form: Mapping[str, str]) -> list[dict[str, str]]:
    """Each field typed other than it was shown (`seen.NAME`): name, old, new."""
    changed = []
    for name in CORRECTABLE:
        new = form.get(name, "").strip()
        old = form.get(f"seen.{name}", "")
        if new != old and (new or name not in OPTIONAL):
            changed.append({"field": name, "old": old, "new": new})
    return changed


@router.post("/entries/{entry_id}/edit/preview")
def correction_preview(
    entry_id: str, request: Request, form: Posted, read_models: ReadModelsDep
) -> Response:
    """The correction old → new, to confirm before anything is written."""
    writer = _checked(request, form)
    if isinstance(writer, Response):
        return writer
    changes = _changes(form)
    if not changes:
        return _edit_page(
            read_models,
            entry_id,
            action="correct",
            values=form,
            error="Nothing to correct: change a field first.",
            status=422,
        )
    entry = _entry(read_models, entry_id)
    if entry is None:
        return refused_page("No such entry", f"There is no entry {entry_id[:80]!r}.", 404)
    return html_page(
        "entry_preview.html", entry=entry, changes=changes, values=form, fields=CORRECTABLE
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
            changes = {c["field"]: c["new"] for c in _changes(form)}
            result = app.correct_entry(
                entry_id,
                expected_version=version,
                changes=changes,
                reason=text.get("reason", ""),
                by=writer.name,
            )
        elif action == "retract":
            result = app.retract_entry(
                entry_id, expected_version=version, reason=text.get("reason", ""), by=writer.name
            )
        elif action == "link":
            result = app.link_entries(
                entry_id,
                text.get("relation", ""),
                text.get("entry", ""),
                by=writer.name,
                expected_version=version,
            )
        elif action == "cite":
            citation = {k: text[k] for k in ("source", "quote", "locator") if text.get(k)}
            result = app.cite_source(entry_id, citation, by=writer.name, expected_version=version)
        else:
            return refused_page("No such change", "Expected correct, retract, link or cite.", 404)
    except VersionConflict as conflict:
        entry = _entry(read_models, entry_id) or {}
        meanwhile = [
            {"field": name, "seen": form.get(f"seen.{name}", ""), "now": entry.get(name) or ""}
            for name in CORRECTABLE
            if f"seen.{name}" in form and form[f"seen.{name}"] != (entry.get(name) or "")
        ]
        kept = {
            k: v for k, v in form.items() if k != "expected_version" and not k.startswith("seen.")
        }
        return _edit_page(
            read_models,
            entry_id,
            action=action,
            values={**{n: str(entry.get(n) or "") for n in CORRECTABLE}, **kept},
            error=f"{conflict} Someone changed this entry since you opened it; your text is "
            "kept below: check it against what changed, then send it again.",
            meanwhile=meanwhile,
            status=409,
        )
    except DomainError as error:
        return _edit_page(
            read_models, entry_id, action=action, values=form, error=str(error), status=422
        )
    read_models.wait_for(result.position, request.app.state.settings.read_wait_seconds)
    return RedirectResponse(f"/entries/{entry_id}", 303)
