"""The map's JavaScript, CSS and images, served by the app out of installed packages (P7).

Invariant: a map page loads nothing from another host. Every file a rendered map refers to
is listed in `ASSETS` and served from `/maps-assets/` by `mount_assets`; the route serves
those files only (a dictionary look-up, so no path from the request ever reaches the
filesystem). Versions are part of the URL, so a long cache never serves a stale file
after an upgrade.

- Leaflet (JS, CSS, control and marker images) comes from `xstatic-leaflet`.

No jQuery, Bootstrap, Font Awesome, d3 or leaflet-heat: the maps do not use them (the heat
layer was dropped: see README "Reading the maps").
"""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as xleaflet
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

PREFIX = "/maps-assets/"
LEAFLET_DIR = f"leaflet-{xleaflet.VERSION}"

_LEAFLET = Path(xleaflet.BASE_DIR)

ASSETS: dict[str, Path] = {
    f"{LEAFLET_DIR}/leaflet.js": _LEAFLET / "leaflet.js",
    f"{LEAFLET_DIR}/leaflet.js.map": _LEAFLET / "leaflet.js.map",
    f"{LEAFLET_DIR}/leaflet.css": _LEAFLET / "leaflet.css",
    # leaflet.css refers to these as url(images/...), relative to itself.
    **{
        f"{LEAFLET_DIR}/images/{name}": _LEAFLET / "images" / name
        for name in (
            "layers.png",
            "layers-2x.png",
            "marker-icon.png",
            "marker-icon-2x.png",
            "marker-shadow.png",
        )
    },
}

LEAFLET_JS = PREFIX + f"{LEAFLET_DIR}/leaflet.js"
LEAFLET_CSS = PREFIX + f"{LEAFLET_DIR}/leaflet.css"

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".map": "application/json; charset=utf-8",
}
CACHE_FOREVER = "public, max-age=31536000, immutable"


def mount_assets(app: FastAPI) -> None:
    """Serve exactly the files in `ASSETS` under `/maps-assets/`."""

    @app.get(PREFIX + "{path:path}", include_in_schema=False)
    def map_asset(path: str) -> FileResponse:
        """One vendor file a map needs; anything else is 404."""
        file = ASSETS.get(path)
        if file is None or not file.is_file():
            raise HTTPException(status_code=404)
        return FileResponse(
            file, media_type=CONTENT_TYPES[file.suffix], headers={"cache-control": CACHE_FOREVER}
        )
