"""Who gets an HTML error page and who gets problem+json.

A person's browser asking for a page of the site (`Accept: text/html`) gets
the error as a page; the API's paths, and every client that does not prefer
HTML (curl's `*/*`, a script asking for JSON), get the problem as it stands.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.web.render import html_page

__all__ = ["negotiated", "wants_html"]

API_PATHS = ("/api/", "/openapi.json")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
JSON_TYPES = frozenset({"application/json", "application/problem+json"})


def wants_html(request: Request) -> bool:
    """Whether the request is for a page, from a client preferring HTML to JSON."""
    if request.url.path.startswith(API_PATHS):
        return False
    html = json = 0.0
    for part in request.headers.get("accept", "").split(","):
        kind, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if kind.lower() in HTML_TYPES:
            html = max(html, weight)
        elif kind.lower() in JSON_TYPES:
            json = max(json, weight)
    return html > 0 and html >= json


def negotiated(request: Request, answer: Response, title: str, detail: str) -> Response:
    """`answer` (a problem), or the same error as a page for a browser."""
    if request.url.path.startswith(API_PATHS):
        return answer
    if not wants_html(request):
        # A cache must not give a browser the problem a script was given, or back.
        answer.headers["Vary"] = "Accept"
        return answer
    kept = {
        name: value
        for name, value in answer.headers.items()
        if name.lower() in ("www-authenticate", "allow", "retry-after")
    }
    kept["Vary"] = "Accept"
    return html_page(
        "error.html", status=answer.status_code, headers=kept, title=title, message=detail
    )
