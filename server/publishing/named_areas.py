"""Named areas: operator polygons (boroughs, wards, council areas) to read views against.

Invariant: a named area's count is a sum of rows of a view — publication areas and regions
that already passed the floor — so reading a view this way shows nothing the view did not.
A view row goes to the named area holding the largest part of it; when it also overlaps
another named area by more than `STRADDLE_SHARE`, the output says so, because its count
then belongs partly elsewhere. Named areas never change publication areas or releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from server.models.tables import NAMED
from server.publishing.areas import EQUAL_AREA_CRS
from server.publishing.view_data import WindowView

STRADDLE_SHARE = 0.05  # a row with more than 5% of its surface in a second named area


@dataclass(frozen=True)
class NamedRow:
    layer: str
    code: str
    name: str
    count: int | None  # None: no shown area or region lies mostly inside it
    areas: tuple[str, ...]  # view rows (areas, regions) counted here
    straddles: tuple[str, ...]  # plain sentences naming view rows that straddle two areas


def import_named_areas(
    *, conn: Connection, path: Path, code_field: str, name_field: str, layer: str | None = None
) -> tuple[str, int]:
    """Load polygons from GeoJSON or GeoPackage, replacing the layer; returns (layer, n).
    The caller commits (`engine.begin()`)."""
    frame = gpd.read_file(path)
    for field in (code_field, name_field):
        if field not in frame.columns:
            raise ValueError(
                f"{path.name} has no field {field!r} "
                f"(fields: {', '.join(c for c in frame.columns if c != 'geometry')})"
            )
    frame = frame[frame.geometry.notna()]
    frame = frame.to_crs("EPSG:4326") if frame.crs is not None else frame.set_crs("EPSG:4326")
    frame = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    codes = frame[code_field].astype(str).str.strip()
    if codes.duplicated().any():
        repeated = sorted(set(codes[codes.duplicated()]))[:5]
        raise ValueError(f"{code_field!r} is not unique: {repeated}")
    layer = layer or path.stem
    rows = [
        {
            "layer": layer,
            "code": code,
            "name": str(name)[:200],
            "geometry": str(shapely.to_geojson(shapely.make_valid(geometry))),
        }
        for code, name, geometry in zip(codes, frame[name_field], frame.geometry, strict=True)
    ]
    conn.execute(delete(NAMED).where(NAMED.c.layer == layer))
    if rows:
        conn.execute(insert(NAMED), rows)
    return layer, len(rows)


def layers(*, conn: Connection) -> list[str]:
    return sorted(r.layer for r in conn.execute(select(NAMED.c.layer).distinct()))


def view_by_named_area(*, conn: Connection, view: WindowView, layer: str) -> list[NamedRow]:
    """The view's rows summed per named area of `layer` (spatial join, largest overlap)."""
    named = conn.execute(select(NAMED).where(NAMED.c.layer == layer).order_by(NAMED.c.code)).all()
    if not named:
        raise ValueError(f"no named areas in layer {layer!r}")
    places = gpd.GeoDataFrame(
        {"code": [n.code for n in named], "name": [n.name for n in named]},
        geometry=[shapely.from_geojson(n.geometry) for n in named],
        crs="EPSG:4326",
    )
    shown = gpd.GeoDataFrame(
        {"area": [r.area for r in view.rows], "count": [r.count for r in view.rows]},
        geometry=[shapely.from_geojson(r.geometry) for r in view.rows],
        crs="EPSG:4326",
    )
    pairs = gpd.sjoin(shown, places, how="inner", predicate="intersects")
    flat_shown = shown.to_crs(EQUAL_AREA_CRS).geometry
    flat_places = places.to_crs(EQUAL_AREA_CRS).geometry
    overlaps: dict[int, list[tuple[float, int]]] = {}
    for left, right in zip(pairs.index, pairs["index_right"], strict=True):
        whole = flat_shown.iloc[left].area or 1.0
        share = flat_shown.iloc[left].intersection(flat_places.iloc[right]).area / whole
        if share > 0:
            overlaps.setdefault(left, []).append((share, right))

    totals: dict[int, int] = {}
    members: dict[int, list[str]] = {}
    notes: dict[int, list[str]] = {}
    for left, candidates in overlaps.items():
        candidates.sort(key=lambda item: (-item[0], places["code"].iloc[item[1]]))
        best = candidates[0][1]
        area = shown["area"].iloc[left]
        totals[best] = totals.get(best, 0) + int(shown["count"].iloc[left])
        members.setdefault(best, []).append(area)
        for share, other in candidates[1:]:
            if share > STRADDLE_SHARE:
                best_code, other_code = places["code"].iloc[best], places["code"].iloc[other]
                notes.setdefault(best, []).append(
                    f"{area} straddles: {round(share * 100)}% of it lies in {other_code}"
                )
                notes.setdefault(other, []).append(
                    f"{area} straddles: {round(share * 100)}% of it lies here, "
                    f"counted in {best_code}"
                )
    return [
        NamedRow(
            layer=layer,
            code=n.code,
            name=n.name,
            count=totals.get(i),
            areas=tuple(members.get(i, ())),
            straddles=tuple(notes.get(i, ())),
        )
        for i, n in enumerate(named)
    ]
