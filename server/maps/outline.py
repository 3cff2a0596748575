"""A rough land outline for orientation on maps drawn without tiles (P7).

No installed package ships a coastline offline (geodatasets and cartopy download theirs at
run time), so the outline is built from data we already hold: the gazetteer's populated
resolution-6 cells, whose union traces where people live, or failing that the shown areas.
It depends only on the gazetteer or on what the map already shows, never on reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

# ~3 km: closes the gaps between populated cells (parks, moors, estuaries) into one shape.
CLOSE_DEG = 0.03
SIMPLIFY_DEG = 0.01  # ~1 km: plenty for a thin orientation line, and keeps the page small
MIN_PART_DEG2 = 0.002  # drop specks under ~15 km² (0.002 square degrees at 54°N)
GRID_DEG = 0.001  # ~100 m: rounding that halves the page's size and nobody can see


def land_outline(cells: Iterable[str]) -> BaseGeometry:
    """The union of H3 cells, gaps closed and simplified, in lng/lat (EPSG:4326)."""
    polygons = [Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]) for cell in cells]
    if not polygons:
        return shapely.GeometryCollection()
    land = shapely.union_all(polygons)
    return _tidy(land.buffer(CLOSE_DEG, join_style="round").buffer(-CLOSE_DEG))


def areas_outline(areas: gpd.GeoDataFrame) -> BaseGeometry:
    """The dissolved union of the shown areas: the fallback when no cells are given."""
    if areas.empty:
        return shapely.GeometryCollection()
    return _tidy(shapely.union_all(list(areas.geometry)))


def _tidy(shape: BaseGeometry) -> BaseGeometry:
    parts = [p for p in getattr(shape, "geoms", [shape]) if p.area >= MIN_PART_DEG2]
    # Holes are lakes or empty moor, noise at this scale: keep the outer rings only.
    outer = [Polygon(p.exterior) for p in parts if isinstance(p, Polygon)]
    if not outer:
        return shapely.GeometryCollection()
    simple = shapely.union_all(outer).simplify(SIMPLIFY_DEG, preserve_topology=True)
    return shapely.set_precision(simple, GRID_DEG)


# -- district and borough outlines, for orientation at city zoom ---------------------------

DistrictPoint = tuple[str, float, float, str, int]  # district, lat, lng, authority, postcodes
MIN_DISTRICT_POSTCODES = 20  # smaller ones are leftover non-geographic codes (BT99, WC99)
NEAR_DEG = 0.05  # ~5 km: districts this close to a shown area get an outline and a label
CELL_SIMPLIFY_DEG = 0.002  # ~200 m: the outlines are approximate anyway
_SQUASH = math.cos(math.radians(54.0))  # a degree east is shorter: Voronoi in even units


@dataclass(frozen=True)
class Orientation:
    """Approximate district and borough outlines, each with a label point (lat, lng),
    biggest (in postcodes) first."""

    districts: list[tuple[str, BaseGeometry, float, float]]
    boroughs: list[tuple[str, BaseGeometry, float, float]]


def orientation(
    points: Sequence[DistrictPoint], near: BaseGeometry, land: BaseGeometry | None = None
) -> Orientation:
    """Outlines of the postcode districts within `NEAR_DEG` of `near`, and of the boroughs
    (local authorities) they belong to, clipped to `land` when given.

    The gazetteer holds each district's public centroid, not its boundary, so a district's
    outline is the set of places nearer its centroid than any other's (a Voronoi cell) and a
    borough's is the union of its districts' cells: good enough to say "this is Hackney,
    around E8", and labelled as approximate in the README. Nothing here reads a report.
    """
    # Two districts may share a (rounded) centroid: the bigger one takes the cell.
    spots: dict[tuple[float, float], DistrictPoint] = {}
    for point in sorted(points, key=lambda p: (-p[4], p[0])):
        if point[4] >= MIN_DISTRICT_POSTCODES:
            spots.setdefault((point[1], point[2]), point)
    kept = list(spots.values())
    if near.is_empty or len(kept) < 2:
        return Orientation([], [])
    xy = shapely.points([(lng * _SQUASH, lat) for _, lat, lng, _, _ in kept])
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(xy)), ordered=True)
    raw = shapely.transform(shapely.get_parts(cells), lambda c: c * [1 / _SQUASH, 1])
    shapes = list(raw)
    zone = near.buffer(NEAR_DEG)
    shapely.prepare(zone)
    chosen = [int(i) for i in np.flatnonzero(shapely.intersects(zone, raw))]
    by_authority: dict[str, list[int]] = {}
    for i, point in enumerate(kept):
        by_authority.setdefault(point[3], []).append(i)
    authorities = sorted({kept[i][3] for i in chosen if kept[i][3]})
    if land is not None and not land.is_empty:  # clip only the cells that are drawn
        shapely.prepare(land)
        needed = sorted(set(chosen).union(*(by_authority[a] for a in authorities)))
        clipped = shapely.intersection([shapes[i] for i in needed], land)
        for i, shape in zip(needed, clipped, strict=True):
            shapes[i] = shape
    districts = [  # biggest first: the map hides names that overlap bigger ones
        (kept[i][0], _thin(shapes[i]), kept[i][1], kept[i][2])
        for i in sorted(chosen, key=lambda i: (-kept[i][4], kept[i][0]))
        if not shapes[i].is_empty and zone.contains(shapely.Point(kept[i][2], kept[i][1]))
    ]
    boroughs = []
    by_weight = sorted(authorities, key=lambda a: -sum(kept[i][4] for i in by_authority[a]))
    for authority in by_weight:
        members = by_authority[authority]
        whole = shapely.union_all([shapes[i] for i in members])
        if whole.is_empty:
            continue
        weight = sum(kept[i][4] for i in members)
        lat = sum(kept[i][1] * kept[i][4] for i in members) / weight
        lng = sum(kept[i][2] * kept[i][4] for i in members) / weight
        if not whole.contains(shapely.Point(lng, lat)):
            spot = whole.representative_point()
            lat, lng = spot.y, spot.x
        boroughs.append((authority, _thin(whole), round(lat, 4), round(lng, 4)))
    return Orientation(districts, boroughs)


def _thin(shape: BaseGeometry) -> BaseGeometry:
    simple = shape.simplify(CELL_SIMPLIFY_DEG, preserve_topology=True)
    return shapely.set_precision(simple, GRID_DEG)
