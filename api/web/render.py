"""Templates to HTML responses: the Jinja environment, the static files, the headers.

Every page goes out with a Content-Security-Policy that allows this origin
only: the pages load nothing from elsewhere (no CDN, no web font), and the
policy would stop the browser if a template ever tried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.embedding import embedded
from api.responses import POSITION_HEADER
from api.web.dates import display_date, display_moment
from api.web.session import current_csrf, current_viewer
from domain.details import KINDS

__all__ = ["STATIC_TYPES", "html_page", "static_file"]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC_TYPES = {
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "embed.css": "text/css; charset=utf-8",
    "docs.css": "text/css; charset=utf-8",
    "docs.js": "text/javascript; charset=utf-8",
    "visual.js": "text/javascript; charset=utf-8",
    "dates.js": "text/javascript; charset=utf-8",
    "forms.js": "text/javascript; charset=utf-8",
    "forms.css": "text/css; charset=utf-8",
    "vendor/vis-timeline/vis-timeline-graph2d.min.js": "text/javascript; charset=utf-8",
    "vendor/vis-timeline/vis-timeline-graph2d.min.css": "text/css; charset=utf-8",
}
KIND_LABELS = {name: kind.label for name, kind in KINDS.items()}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["edtf"] = display_date
    env.filters["moment"] = display_moment
    env.filters["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind.replace("_", " "))
    env.globals["static"] = _static_url
    env.globals["embedded"] = embedded
    env.globals["kinds"] = list(KIND_LABELS.items())
    # Who is signed in, for the header and the write controls (api.web.forms_routes).
    env.globals["viewer"] = current_viewer
    env.globals["csrf"] = current_csrf
    return env


def html_page(
    template: str,
    *,
    status: int = 200,
    position: int | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render `template` with `context`; `position` (the log position the page
    reflects) goes out as `Log-Position`, as on every API answer."""
    body = _environment().get_template(template).render(position=position, **context)
    sent = {**SECURITY_HEADERS, **(headers or {})}
    if current_viewer() is not None:
        # A page for one signed-in person: no cache keeps it, and without the position
        # the ETag middleware neither tags it nor answers 304 with a signed-out copy.
        sent["Cache-Control"] = "private, no-store"
    elif position is not None:
        sent[POSITION_HEADER] = str(position)
    return HTMLResponse(body, status_code=status, headers=sent)


def static_file(name: str) -> Response | None:
    """A file of `api/web/static` with its type, cached for a year: its URL names its
    content's digest (see `_static_url`). None for a name that is not one."""
    media_type = STATIC_TYPES.get(name)
    if media_type is None:
        return None
    return Response(
        _static_bytes(name),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable", **SECURITY_HEADERS},
    )


@cache
def _static_bytes(name: str) -> bytes:
    return files("api.web").joinpath("static", *name.split("/")).read_bytes()


@cache
def _static_url(name: str) -> str:
    digest = hashlib.sha256(_static_bytes(name)).hexdigest()[:10]
    return f"/static/{name}?v={digest}"
