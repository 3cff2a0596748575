"""A still image of a released view's map, as SVG drawn on the server (no JavaScript, no
tiles), for the printable summary.

Invariant (P4, P7): drawn only from the rows of a view (areas and merged regions that
passed the floor) and a land outline made from the gazetteer; it names no other host and
places nothing finer than a shown area. Numbers on the image match the rows of the table
printed next to it, so the image needs no colour scale to be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

from server.publishing.view_data import ViewRow

WIDTH, HEIGHT = 640, 560
PAD = 0.15  # of the shown span, on each side
MIN_SPAN_DEG = 0.6  # ~60 km: a single area still shows its surroundings


def _rings(geometry: BaseGeometry) -> list[Sequence[tuple[float, float]]]:
    rings: list[Sequence[tuple[float, float]]] = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type == "Polygon":
            rings.append(list(polygon.exterior.coords))
            rings.extend(list(r.coords) for r in polygon.interiors)
        elif hasattr(polygon, "geoms"):
            rings.extend(_rings(polygon))
    return rings


def area_sketch(*, rows: Sequence[ViewRow], numbered: int, outline: BaseGeometry | None) -> str:
    """SVG of the shown rows over the land outline; the first `numbered` rows get numbers."""
    shapes = [shapely.from_geojson(row.geometry) for row in rows]
    if not shapes:
        return ""
    west, south, east, north = shapely.union_all(shapes).bounds
    mid_lat = (south + north) / 2
    squash = math.cos(math.radians(mid_lat))  # a degree east is shorter than a degree north
    span_x = max((east - west) * squash, MIN_SPAN_DEG * squash)
    span_y = max(north - south, MIN_SPAN_DEG)
    cx, cy = (west + east) / 2 * squash, (south + north) / 2
    scale = min(WIDTH / (span_x * (1 + 2 * PAD)), HEIGHT / (span_y * (1 + 2 * PAD)))

    def xy(lng: float, lat: float) -> tuple[float, float]:
        return WIDTH / 2 + (lng * squash - cx) * scale, HEIGHT / 2 - (lat - cy) * scale

    def point(lng: float, lat: float) -> str:
        x, y = xy(lng, lat)
        return f"{x:.1f},{y:.1f}"

    def path(geometry: BaseGeometry) -> str:
        return "".join(
            "M" + "L".join(point(lng, lat) for lng, lat in ring) + "Z" for ring in _rings(geometry)
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="sketch-title"><title id="sketch-title">Map of the shown areas; '
        "numbers match the table of top areas</title>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#6f3f00" '
        'stroke-width="2"/></pattern></defs>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#d3dde6"/>',
    ]
    if outline is not None and not outline.is_empty:
        half_x, half_y = WIDTH / 2 / scale / squash, HEIGHT / 2 / scale
        view = shapely.box(cx / squash - half_x, cy - half_y, cx / squash + half_x, cy + half_y)
        land = outline.intersection(view)  # only what is in the frame: a small page
        parts.append(f'<path d="{path(land)}" fill="#eeede8" stroke="#8d99a6" stroke-width="0.8"/>')
    # Merged regions first, under the areas they surround.
    drawn = sorted(zip(rows, shapes, strict=True), key=lambda pair: pair[0].kind != "region")
    for row, shape in drawn:
        if row.kind == "region":
            style = 'fill="url(#hatch)" fill-opacity="0.6" stroke="#222" stroke-dasharray="5 3"'
        else:
            style = 'fill="#bd0026" fill-opacity="0.7" stroke="#7a0019"'
        parts.append(
            f'<path d="{path(shape)}" {style} stroke-width="1" fill-rule="evenodd">'
            f"<title>{escape(row.name)}: {row.count}</title></path>"
        )
    taken: list[tuple[float, float]] = []
    for n, shape in enumerate(shapes[:numbered], start=1):
        spot = shape.representative_point()
        sx, sy = xy(spot.x, spot.y)
        x, y = sx, sy
        # Numbers of neighbouring areas must not hide each other: step aside, with a leader.
        while any(abs(x - a) < 22 and abs(y - b) < 22 for a, b in taken):
            x += 24
        taken.append((x, y))
        if (x, y) != (sx, sy):
            parts.append(
                f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#0b0c0c"/>'
                f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="2" fill="#0b0c0c"/>'
            )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="#fff" stroke="#0b0c0c"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="12" '
            f'font-weight="700" fill="#0b0c0c">{n}</text>'
        )
    # A scale bar of a round length, about a fifth of the width; projected x is degrees of
    # longitude times cos(latitude), so a km is 1/111.32 of a projected unit.
    fifth = WIDTH / 5 / scale * 111.32
    km = max(s * 10**e for e in range(-1, 5) for s in (1, 2, 5) if s * 10**e <= fifth)
    bar = km / 111.32 * scale
    parts.append(
        f'<g font-size="12" fill="#0b0c0c"><rect x="12" y="{HEIGHT - 26}" width="{bar:.1f}" '
        f'height="5" fill="#0b0c0c"/><text x="12" y="{HEIGHT - 32}">{km:g} km</text></g>'
        "</svg>"
    )
    return "".join(parts)
