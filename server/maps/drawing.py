"""Drawing the organiser maps into the maps folder after each release.

Maps are regenerated from frozen views (P4), never edited by hand: one per window (1, 4
and 12 weeks, ending at the latest release) and a week-by-week map of the last 12 released
weeks. Files are written whole and then renamed, so a reader never sees half a map.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from server.config import Settings
from server.db import get_engine
from server.maps.outline import land_outline
from server.maps.render import render_map
from server.places.gazetteer import Gazetteer
from server.publishing.series import load_gazetteer
from server.publishing.view_data import WINDOWS, as_frame, load_view

log = logging.getLogger("raidwatch.maps")
NAMES = tuple(f"window-{w}" for w in WINDOWS) + ("weekly",)


def map_file(*, settings: Settings, name: str) -> Path | None:
    return Path(settings.maps_dir) / f"{name}.html" if name in NAMES else None


@lru_cache(maxsize=4)
def _land(gazetteer: Gazetteer) -> BaseGeometry:
    return land_outline(gazetteer.res6_postcode_counts())


# Cities that orient a reader of a UK map, biggest first. Councils and counties also pass a
# size cut ("North Yorkshire", "Kirklees") but clutter a map, so the UK list is named.
UK_LABELS = (
    "London",
    "Birmingham",
    "Manchester",
    "Glasgow",
    "Leeds",
    "Liverpool",
    "Newcastle upon Tyne",
    "Sheffield",
    "Bristol",
    "Edinburgh",
    "Cardiff",
    "Belfast",
    "Leicester",
    "Nottingham",
    "Coventry",
    "Bradford",
    "Southampton",
    "Portsmouth",
    "Plymouth",
    "Hull",
    "Stoke-on-Trent",
    "Derby",
    "Aberdeen",
    "Swansea",
    "Norwich",
    "Brighton",
    "Dundee",
    "Exeter",
    "Cambridge",
    "Oxford",
    "York",
    "Preston",
    "Middlesbrough",
    "Inverness",
    "Carlisle",
    "Derry",
    "Peterborough",
    "Luton",
    "Reading",
    "Milton Keynes",
    "Ipswich",
    "Lincoln",
    "Gloucester",
)


def _labels(gazetteer: Gazetteer) -> list[tuple[str, float, float]]:
    if gazetteer.is_shipped_uk:
        found = []
        for name in UK_LABELS:
            resolution = gazetteer.resolve(name)
            choices = resolution.choices
            place = resolution.place or resolution.whole or (choices[0] if choices else None)
            if place is not None:
                found.append((name, place.lat, place.lng))
        return found
    # Elsewhere: the biggest places of the operator's gazetteer, by bare name ("Leeds, England"
    # reads as "Leeds" on a map; the context only disambiguates the form).
    return [(p.name, p.lat, p.lng) for p in gazetteer.places_for_labels(min_postcodes=8000)]


def render_maps(*, settings: Settings, gazetteer: Gazetteer | None = None) -> list[Path]:
    """Draw every map from the current releases; returns the files written."""
    gazetteer = gazetteer or load_gazetteer(settings)
    with get_engine(settings).connect() as conn:
        views = {window: load_view(conn=conn, window=window, k=settings.k) for window in WINDOWS}
        if any(view is None for view in views.values()):
            return []  # nothing released yet
        weeks = reversed(views[12].weeks)  # type: ignore[union-attr]
        singles = [
            (week, load_view(conn=conn, window=1, k=settings.k, ending=week)) for week in weeks
        ]
    land, labels = _land(gazetteer), _labels(gazetteer)
    written = []
    for window, view in views.items():
        assert view is not None
        subtitle = (
            f"Last {window} week{'s' if window > 1 else ''}: {view.first_week} to {view.last_week}"
        )
        html = render_map(
            areas=as_frame(view),
            title="Incidents per area",
            subtitle=subtitle,
            tile_url=settings.tile_url,
            labels=labels,
            outline=land,
            noisy=view.noise != "none",
        )
        written.append(_write(settings, f"window-{window}", html))
    weekly = []
    for week, one in singles:
        if one is not None:
            weekly.append((week, as_frame(one)))
    if weekly:
        html = render_map(
            areas=weekly[0][1],
            title="Week by week",
            subtitle=f"Week {weekly[0][0]}",
            tile_url=settings.tile_url,
            weeks=weekly[1:],
            labels=labels,
            outline=land,
            noisy=views[12].noise != "none",  # type: ignore[union-attr]
        )
        written.append(_write(settings, "weekly", html))
    log.info("drew %d maps", len(written))
    return written


def _write(settings: Settings, name: str, html: str) -> Path:
    folder = Path(settings.maps_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.html"
    partial = path.with_suffix(".html.partial")
    partial.write_text(html)
    os.replace(partial, path)
    return path
