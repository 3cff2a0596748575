"""Vendor JavaScript for organiser pages, served from installed packages (never a CDN).

htmx comes from the PyPI package ``django-js-lib-htmx``, which ships ``htmx.min.js`` as a
plain file; nothing of Django is imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse


def htmx_path() -> Path:
    spec = importlib.util.find_spec("js_lib_htmx")
    if spec is None or spec.origin is None:
        raise RuntimeError("django-js-lib-htmx is not installed")
    return Path(spec.origin).parent / "static" / "htmx" / "htmx.min.js"


def mount_vendor(app: FastAPI) -> None:
    path = htmx_path()

    @app.get("/vendor/htmx.min.js", include_in_schema=False)
    def htmx() -> FileResponse:
        return FileResponse(
            path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )
