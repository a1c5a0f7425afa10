"""The API reference at `/docs`: Swagger UI, shipped in the package.

FastAPI's own `/docs` loads Swagger UI from a CDN and starts it with an
inline script; this page loads the copy in `static/vendor/swagger-ui` and
`static/docs.js`, so it opens offline and under the pages'
Content-Security-Policy. The policy allows `data:` images here only: the
Swagger stylesheet draws its icons with them.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.web.render import SECURITY_HEADERS, html_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

VENDOR = "swagger-ui"
VENDOR_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "LICENSE": "text/plain; charset=utf-8",
    "NOTICE": "text/plain; charset=utf-8",
}
FOREVER = "public, max-age=31536000, immutable"
DOCS_POLICY = SECURITY_HEADERS["Content-Security-Policy"].replace(
    "img-src 'self'", "img-src 'self' data:"
)
PAGE_METHODS = ["GET", "HEAD"]


@router.api_route("/docs", methods=PAGE_METHODS)
def docs_page() -> HTMLResponse:
    """The API reference: every operation of /openapi.json, to read and to try."""
    return html_page(
        "docs.html",
        headers={"Content-Security-Policy": DOCS_POLICY},
        current="docs",
        vendor=_vendor_url,
    )


@router.api_route(f"/static/vendor/{VENDOR}/{{name}}", methods=PAGE_METHODS)
def vendor_file(name: str) -> Response:
    """A file of the vendored Swagger UI, or its license."""
    media_type = VENDOR_TYPES.get(name)
    if media_type is None:
        return html_page(
            "error.html",
            status=404,
            title="No such file",
            message=f"There is no file {name[:80]!r} among the pages' files.",
        )
    return _file(_bytes("static", "vendor", VENDOR, name), media_type)


def _file(body: bytes, media_type: str) -> Response:
    # Each URL names its file's digest (`?v=`), so a new release is a new URL.
    return Response(
        body, media_type=media_type, headers={"Cache-Control": FOREVER, **SECURITY_HEADERS}
    )


@cache
def _bytes(*parts: str) -> bytes:
    return files("api.web").joinpath(*parts).read_bytes()


def _url(path: str, body: bytes) -> str:
    return f"{path}?v={hashlib.sha256(body).hexdigest()[:10]}"


@cache
def _vendor_url(name: str) -> str:
    return _url(f"/static/vendor/{VENDOR}/{name}", _bytes("static", "vendor", VENDOR, name))
