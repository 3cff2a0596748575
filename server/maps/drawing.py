"""Drawing the organiser maps into the database after each release.

Maps are regenerated from frozen views (P4), never edited by hand: one per window (1, 4
and 12 weeks, ending at the latest release) and a week-by-week map of the last 12 released
weeks. The set is drawn outside the publisher lock (drawing takes seconds; intake waits on
that lock) and stored whole under it, only if no newer release came meanwhile
(`server.maps.store`). Drawing is deterministic (`server.maps.ids`): the same releases,
renderer and settings give the same bytes in any process, so it does not matter which
replica draws, and a second drawing of the same set changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path

import branca
import folium
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Connection

from server.config import Settings
from server.db import get_engine
from server.locking import publisher_transaction
from server.maps.outline import land_outline
from server.maps.page import week_title
from server.maps.render import render_map
from server.maps.store import DrawnMaps, latest_release, maps_current, store_maps
from server.places.gazetteer import Gazetteer
from server.publishing.series import load_gazetteer
from server.publishing.view_data import WINDOWS, as_frame, load_view

log = logging.getLogger("raidwatch.maps")
NAMES = tuple(f"window-{w}" for w in WINDOWS) + ("weekly",)


_MAPS_CODE = Path(__file__).resolve().parent


def renderer_key(settings: Settings) -> str:
    """SHA-256 of everything besides the releases that shapes a map page: this package's
    code, folium's and branca's versions, and the settings the drawing reads. A stored set
    drawn with another key (after an upgrade, a new tile server) is drawn again."""
    digest = hashlib.sha256()
    for path in sorted(_MAPS_CODE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    facts = {
        "folium": folium.__version__,
        "branca": branca.__version__,
        "tile_url": settings.tile_url,
        "k": settings.k,
        "gazetteer": str(settings.gazetteer or ""),
    }
    digest.update(json.dumps(facts, sort_keys=True).encode())
    return digest.hexdigest()


def maps_are_current(*, settings: Settings) -> bool:
    """Does the database hold every map, drawn from the latest release by this renderer?"""
    with get_engine(settings).connect() as conn:
        return maps_current(conn=conn, names=NAMES, drawn_with=renderer_key(settings))


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


def render_maps(*, settings: Settings, gazetteer: Gazetteer | None = None) -> list[str]:
    """Draw every map from the current releases and store the set in the database; returns
    the names stored ([] before any release, or when a newer release overtook the drawing)."""
    engine = get_engine(settings)
    with engine.connect() as conn:
        drawn = draw_maps(conn=conn, settings=settings, gazetteer=gazetteer)
    if drawn is None:
        return []
    with publisher_transaction(engine) as conn:
        stored = store_maps(conn=conn, maps=drawn, today=settings.today())
    if not stored:
        log.info("a newer release came while drawing: maps left to its run")
        return []
    log.info("drew %d maps", len(drawn.pages))
    return list(drawn.pages)


def draw_maps(
    *, conn: Connection, settings: Settings, gazetteer: Gazetteer | None = None
) -> DrawnMaps | None:
    """Every map page from the releases `conn` sees; None before any release."""
    gazetteer = gazetteer or load_gazetteer(settings)
    latest = latest_release(conn)
    views = {window: load_view(conn=conn, window=window, k=settings.k) for window in WINDOWS}
    twelve = views[12]
    if latest is None or twelve is None or any(view is None for view in views.values()):
        return None  # nothing released yet
    weeks = reversed(twelve.weeks)
    singles = [(week, load_view(conn=conn, window=1, k=settings.k, ending=week)) for week in weeks]
    land, labels = _land(gazetteer), _labels(gazetteer)
    pages: dict[str, str] = {}
    for window, view in views.items():
        assert view is not None
        subtitle = (
            f"Last {window} week{'s' if window > 1 else ''}: {view.first_week} to {view.last_week}"
        )
        pages[f"window-{window}"] = render_map(
            areas=as_frame(view),
            title="Incident rates by area",
            subtitle=subtitle,
            tile_url=settings.tile_url,
            labels=labels,
            outline=land,
            noisy=view.noise != "none",
            district_points=gazetteer.district_points(),
        )
    weekly = []
    for week, one in singles:
        if one is not None:
            weekly.append((week, as_frame(one)))
    if weekly:
        pages["weekly"] = render_map(
            areas=weekly[0][1],
            title="Week by week",
            subtitle=week_title(weekly[0][0]),
            tile_url=settings.tile_url,
            weeks=weekly[1:],
            labels=labels,
            outline=land,
            noisy=twelve.noise != "none",
            district_points=gazetteer.district_points(),
        )
    return DrawnMaps(
        release_id=latest[0], week=latest[1], drawn_with=renderer_key(settings), pages=pages
    )
