"""Static files under versioned URLs, cached for a year; compression where it is safe.

Invariant (P7): every file is served by this app. A page names a stylesheet or script by
`static_url(name)`, which puts the first 12 hex digits of the file's SHA-256 in the path
(`/static/v/3f2a9c1b7d4e/organiser.css`): a changed file gets a new URL, so the old one can
be cached as `immutable` for a year without ever serving a stale file. The plain URLs
(`/static/organiser.css`, `/vendor/htmx.min.js`) keep working with the short default cache.

Compression (BREACH): a compressed response leaks, through its length, whether a secret on
the page shares text with input the attacker put on the same page. So only responses that
carry no secret are compressed: static files and vendor scripts, and the organiser map
pages and exports, which are drawn from releases and echo nothing from the request.
Organiser pages with a CSRF token next to a filter, a form value or a message are never
compressed.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from server.config import PROJECT_ROOT
from server.maps.assets import CACHE_FOREVER
from server.web.vendor import htmx_path

STATIC_DIR = PROJECT_ROOT / "server" / "static"
VERSIONED = "/static/v/"
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
# Paths whose responses may be compressed: no secret and no reflected input in any of them.
COMPRESSIBLE_PREFIXES = ("/static/", "/maps-assets/", "/vendor/")
MAP_NAMES = ("window-1", "window-4", "window-12", "weekly")  # server.maps.drawing.NAMES
COMPRESSIBLE_PAGES = frozenset(
    [f"/organise/map/{name}" for name in MAP_NAMES]
    + [f"/organise/export.{fmt}" for fmt in ("csv", "geojson", "metadata.json")]
)
MIN_GZIP_BYTES = 1024


def _files() -> dict[str, Path]:
    """The versioned files by name: this app's stylesheets and the vendored htmx."""
    found = {path.name: path for path in sorted(STATIC_DIR.glob("*.css"))}
    found["htmx.min.js"] = htmx_path()
    return found


@cache
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """The versioned URL of a static file (`organiser.css`, `member.css`, `htmx.min.js`)."""
    path = _files()[name]
    return f"{VERSIONED}{_digest(path)}/{name}"


def mount_static(app: FastAPI) -> None:
    """Versioned files (immutable for a year) first, then the plain `/static/` folder."""
    files = _files()

    @app.get(VERSIONED + "{digest}/{name}", include_in_schema=False)
    def versioned(digest: str, name: str) -> FileResponse:
        """A file at its current version; any other digest or name is 404."""
        path = files.get(name)
        if path is None or digest != _digest(path):
            raise HTTPException(status_code=404)
        return FileResponse(
            path, media_type=MEDIA_TYPES[path.suffix], headers={"cache-control": CACHE_FOREVER}
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def compressible(path: str) -> bool:
    return path.startswith(COMPRESSIBLE_PREFIXES) or path in COMPRESSIBLE_PAGES


class CompressSafe:
    """gzip for `COMPRESSIBLE_PREFIXES` and `COMPRESSIBLE_PAGES` only (see BREACH above)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MIN_GZIP_BYTES, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and compressible(scope["path"]):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
