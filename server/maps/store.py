"""Rendered maps in the database: stored by the publisher, served by every replica.

Invariants:
- The table holds one set of map pages, all drawn from the releases up to one release (P4:
  released numbers only). A new set replaces the old one whole, in one transaction under the
  publisher lock: a reader sees the old set or the new one, never a mix of the two.
- A set is stored only if it was drawn from the latest release: a drawing that a newer
  release overtook stores nothing (that release's own run draws it).
- What is served is the stored bytes, with their SHA-256 as the ETag, so every replica
  sends the same map with the same tag; no replica needs a folder of its own.
- The in-process cache is keyed by that SHA-256 (and the tile server the policy admits):
  it can only ever hold bytes the table named, and a new set is read on first request.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from server.maps.assets import ASSETS, PREFIX
from server.maps.csp import map_csp
from server.models.tables import RELEASES, RENDERED_MAPS

CACHED_PAGES = 8  # one set of four maps, and the set it replaced while readers move over


@dataclass(frozen=True)
class DrawnMaps:
    """A set of map pages drawn from the releases up to `release_id` (`week`)."""

    release_id: uuid.UUID
    week: str
    drawn_with: str  # the renderer and settings that drew it (see `drawing.renderer_key`)
    pages: dict[str, str]  # name -> HTML


@dataclass(frozen=True)
class ServedMap:
    html: bytes
    sha256: str
    csp: str


def latest_release(conn: Connection) -> tuple[uuid.UUID, str] | None:
    """(id, week) of the newest release, the one every view ends at; None before any."""
    row = conn.execute(
        select(RELEASES.c.id, RELEASES.c.week).order_by(RELEASES.c.week.desc()).limit(1)
    ).first()
    return None if row is None else (row.id, row.week)


def maps_current(*, conn: Connection, names: tuple[str, ...], drawn_with: str) -> bool:
    """Does the table hold every map in `names`, drawn from the latest release by this
    renderer? True before any release (there is nothing to draw)."""
    latest = latest_release(conn)
    if latest is None:
        return True
    rows = conn.execute(
        select(RENDERED_MAPS.c.name, RENDERED_MAPS.c.release_id, RENDERED_MAPS.c.drawn_with)
    ).all()
    return {r.name for r in rows} >= set(names) and all(
        r.release_id == latest[0] and r.drawn_with == drawn_with for r in rows
    )


def store_maps(*, conn: Connection, maps: DrawnMaps, today: date) -> bool:
    """Replace the stored set with `maps` (call inside `publisher_transaction`); False, and
    nothing written, when a newer release has come since the maps were drawn."""
    latest = latest_release(conn)
    if latest is None or latest[0] != maps.release_id:
        return False
    conn.execute(delete(RENDERED_MAPS))
    rows = []
    for name, html in maps.pages.items():
        body = html.encode()
        rows.append(
            {
                "name": name,
                "html": body,
                "sha256": hashlib.sha256(body).hexdigest(),
                "release_id": maps.release_id,
                "week": maps.week,
                "drawn_with": maps.drawn_with,
                "rendered_on": today,
            }
        )
    if rows:
        conn.execute(insert(RENDERED_MAPS), rows)
    return True


class _Cache:
    """A few served maps by (sha256, tile_url), least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[tuple[str, str], ServedMap] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> ServedMap | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: tuple[str, str], page: ServedMap) -> None:
        with self.lock:
            self.pages[key] = page
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


_CACHE = _Cache(CACHED_PAGES)


def served_map(*, conn: Connection, name: str, tile_url: str) -> ServedMap | None:
    """The stored map `name` with its content policy, or None if the table has none."""
    sha = conn.execute(
        select(RENDERED_MAPS.c.sha256).where(RENDERED_MAPS.c.name == name)
    ).scalar_one_or_none()
    if sha is None:
        return None
    page = _CACHE.get((sha, tile_url))
    if page is not None:
        return page
    row = conn.execute(
        select(RENDERED_MAPS.c.html, RENDERED_MAPS.c.sha256).where(RENDERED_MAPS.c.name == name)
    ).first()
    if row is None:  # replaced and gone between the two reads: as if not drawn yet
        return None
    html = bytes(row.html)
    page = ServedMap(html=html, sha256=row.sha256, csp=map_csp(html.decode(), tile_url))
    _CACHE.put((row.sha256, tile_url), page)
    return page


def export_maps(*, conn: Connection, folder: Path) -> list[Path]:
    """Write the stored maps into `folder` as `<name>.html` for sharing offline, with the
    Leaflet files they need beside them (`maps-assets/`, linked relatively)."""
    rows = conn.execute(
        select(RENDERED_MAPS.c.name, RENDERED_MAPS.c.html).order_by(RENDERED_MAPS.c.name)
    ).all()
    if not rows:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    assets = folder / PREFIX.strip("/")
    for asset, source in ASSETS.items():
        target = assets / asset
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    written = []
    for row in rows:
        html = bytes(row.html).decode()
        # Absolute `/maps-assets/…` only works on the server; beside the files it is relative.
        html = html.replace(f'"{PREFIX}', f'"{PREFIX.lstrip("/")}')
        path = folder / f"{row.name}.html"
        partial = path.with_name(path.name + ".partial")
        partial.write_text(html)
        os.replace(partial, path)
        written.append(path)
    return written
