"""A rough land outline for orientation on maps drawn without tiles (P7).

No installed package ships a coastline offline (geodatasets and cartopy download theirs at
run time), so the outline is built from data we already hold: the gazetteer's populated
resolution-6 cells, whose union traces where people live, or failing that the shown areas.
It depends only on the gazetteer or on what the map already shows, never on reports.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import h3
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
