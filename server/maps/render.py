"""Organiser maps: folium HTML drawn from the areas a view shows, and nothing else (P4, P7).

Invariants:
- P4: the map is drawn from one row per shown publication area or merged region (already
  past the small-count floor); it never sees, and so can never place, a single report.
- P7: the page makes no request to another host. Every script and stylesheet points at
  `/maps-assets/` (set per instance: folium's class-level defaults point at CDNs and are
  never touched), no tiles are drawn unless a self-hosted `tile_url` is configured, and
  the rendered HTML is checked for any other URL before it is returned.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from html import escape

import folium
import geopandas as gpd
import shapely
from branca.colormap import StepColormap
from branca.element import Element, Figure
from folium.plugins import HeatMap

from server.maps import page
from server.maps.assets import HEAT_JS, LEAFLET_CSS, LEAFLET_JS
from server.maps.csp import map_csp, script_hashes
from server.maps.ids import with_stable_ids
from server.maps.outline import areas_outline

UK_CENTER, UK_ZOOM = (54.4, -3.2), 6
_UK_BOUNDS = (-8.2, 49.9, 1.8, 60.9)  # west, south, east, north: where labels may go
MAX_FIT_ZOOM = 11  # a single small area should not fill the screen like a street map
NICE_STEPS = (1, 2, 5)
MAX_LABELS = 16
VIEW_PX = (1000, 620)  # a laptop map less its padding: what labels are spaced for
Labels = list[tuple[str, float, float]]


class ForeignURLError(RuntimeError):
    """The rendered map refers to a host other than the configured tile server."""


@with_stable_ids  # the same areas give the same page, byte for byte (server.maps.ids)
def render_map(
    *,
    areas: gpd.GeoDataFrame,
    title: str,
    subtitle: str,
    tile_url: str = "",
    weeks: list[tuple[str, gpd.GeoDataFrame]] | None = None,
    labels: Labels | None = None,
    outline: shapely.Geometry | None = None,
    noisy: bool = True,
) -> str:
    """A complete HTML page: choropleth, optional heat and week layers, legend, labels.

    `areas` (and each week's frame) has columns area, name, count, km2, kind ("area" or
    "region") and an EPSG:4326 geometry, one row per shown area; an optional `districts`
    column is shown in the tooltip. `weeks` become base layers to switch between; `labels`
    are (name, lat, lng), biggest place first; `outline` is land to draw for orientation
    (default: the outline of the shown areas). `noisy` is False when the releases drawn
    carry no noise (ε = 0), so the legend does not claim noise that is not there.
    """
    layers = [(subtitle or "Shown areas", areas), *(weeks or [])]
    shown = [frame for _, frame in layers if not frame.empty]
    m = folium.Map(
        location=UK_CENTER,
        zoom_start=UK_ZOOM,
        tiles=None,
        control_scale=True,
        zoom_snap=0.5,
        font_size="0.875rem",
    )
    m.default_js = [("leaflet", LEAFLET_JS)]  # instance attributes: folium's own stay intact
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr="self-hosted tiles", name="Background tiles", overlay=True
        ).add_to(m)

    folium.map.CustomPane("land", z_index=350).add_to(m)  # under the areas' overlay pane
    land = (
        outline
        if outline is not None
        else areas_outline(
            gpd.GeoDataFrame(geometry=[g for f in shown for g in f.geometry], crs="EPSG:4326")
        )
    )
    if not land.is_empty:
        # Over tiles, the outline would only hide them: offered, but off and unfilled.
        land_style = {**page.LAND_STYLE, "fillOpacity": 0} if tile_url else page.LAND_STYLE
        folium.GeoJson(
            shapely.geometry.mapping(land),
            name="Land outline",
            pane="land",
            interactive=False,
            show=not tile_url,
            style_function=lambda _: land_style,
        ).add_to(m)

    scales = [_scale(frame["count"]) for _, frame in layers]
    choropleths = [
        _choropleth(frame, scale, name=name, base=bool(weeks), show=i == 0).add_to(m)
        for i, ((name, frame), scale) in enumerate(zip(layers, scales, strict=True))
        if weeks or not frame.empty  # an empty week stays pickable, to show it was empty
    ]
    if not areas.empty:
        # On by default: at country zoom the areas are a few pixels wide, and the heat shows
        # where they concentrate; zoomed in, the outlined areas take over.
        heat = HeatMap(
            _heat_points(areas),
            name="Heat (shown areas)",
            show=True,
            radius=35,
            blur=30,
            min_opacity=0.25,
            max_zoom=8,
            gradient={0.3: "#ffffb2", 0.6: "#fd8d3c", 1.0: "#bd0026"},
        )
        heat.default_js = [("leaflet-heat.js", HEAT_JS)]
        heat.add_to(m)
    view = _bounds(shown) if shown else (_UK_BOUNDS if land.is_empty else land.bounds)
    places = _declutter(labels or [], view)
    if places:
        group = folium.FeatureGroup(name="Place names", show=True).add_to(m)
        for name, lat, lng in places:
            folium.Marker(
                (lat, lng),
                interactive=False,
                keyboard=False,
                icon=folium.DivIcon(
                    html=f"<span>{escape(name)}</span>",
                    icon_size=(0, 0),
                    class_name="rw-place",
                ),
            ).add_to(group)
    folium.LayerControl(collapsed=False).add_to(m)
    if weeks:
        page.LegendSwitch(choropleths).add_to(m)
    if shown or not land.is_empty:
        west, south, east, north = view
        # Room for the title box above and the legend below-left.
        m.fit_bounds(
            [[south, west], [north, east]],
            padding_top_left=(40, 80),
            padding_bottom_right=(40, 40),
            max_zoom=MAX_FIT_ZOOM,
        )

    root = m.get_root()
    if not isinstance(root, Figure):  # folium.Map always makes one; this tells mypy
        raise TypeError("folium.Map is not in a Figure")
    root.title = escape(title)  # branca puts the title in the page unescaped
    root.header.add_child(Element(page.STYLE), name="raidwatch_style")
    root.header.add_child(Element(page.NO_FAVICON), name="raidwatch_icon")
    root.html.add_child(
        Element(
            page.panels(
                title=title,
                subtitle=subtitle,
                empty=areas.empty,
                noisy=noisy,
                legends=[
                    (name, [] if frame.empty else _legend_rows(scale))
                    for (name, frame), scale in zip(layers, scales, strict=True)
                ],
            )
        )
    )
    html = page.accessible(root.render())
    assert_self_hosted(html, tile_url)
    return html


def _choropleth(
    frame: gpd.GeoDataFrame, scale: StepColormap, *, name: str, base: bool, show: bool
) -> folium.GeoJson:
    fields, aliases = ["name", "kind", "count", "km2"], ["", "", "Incidents", "Size (km²)"]
    if "districts" in frame.columns:
        fields.insert(1, "districts")
        aliases.insert(1, "Main districts")
    # Regions first, then bigger areas first: small areas end up on top, where the mouse
    # can reach them, and a merged region never hides the areas inside it.
    order = frame.assign(_r=frame["kind"] != "region").sort_values(
        ["_r", "km2"], ascending=[True, False]
    )
    features = [
        {
            "type": "Feature",
            "id": str(row["area"]),
            "properties": {
                "name": escape(str(row["name"])),  # the tooltip writes these as HTML
                "districts": escape(_districts(row.get("districts"))),
                "kind": "merged region" if row["kind"] == "region" else "publication area",
                "count": int(row["count"]),
                "km2": round(float(row["km2"]), 1),
            },
            "geometry": shapely.geometry.mapping(shapely.set_precision(row["geometry"], 1e-5)),
        }
        for row in order.to_dict("records")
    ]

    def style(feature: dict) -> dict:
        region = feature["properties"]["kind"] == "merged region"
        return {
            "fillColor": scale(feature["properties"]["count"]),
            "color": "#222",
            "weight": 1.5 if region else 1,
            "dashArray": "6 4" if region else None,
            "fillOpacity": 0.5 if region else 0.8,
            "opacity": 0.9,
        }

    return folium.GeoJson(  # Leaflet's layer control writes the name as HTML
        {"type": "FeatureCollection", "features": features},
        name=escape(name),
        overlay=not base,
        show=show,
        style_function=style,
        smooth_factor=0.5,
        highlight_function=lambda _: {"weight": 3, "color": "#000", "fillOpacity": 0.85},
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=aliases, class_name="rw-tip", sticky=True
        )
        if features
        else None,
    )


def _districts(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _scale(counts: Iterable[float]) -> StepColormap:
    """Step colours with round edges; a count c is in the class [edge_i, edge_i+1)."""
    values = [int(c) for c in counts] or [0]
    low, top = max(0, min(values)), max(0, max(values))
    spread = top - low
    step = next(s * 10**e for e in range(12) for s in NICE_STEPS if s * 10**e * 5 >= spread)
    start = low // step * step
    edges = [start + step * i for i in range((top - start) // step + 2)]
    n, last = len(edges) - 1, len(page.PALETTE) - 1
    # Spread the classes over the whole palette; a lone class takes a mid-dark colour.
    picks = [page.PALETTE[round(i * last / (n - 1)) if n > 1 else 3] for i in range(n)]
    return StepColormap(picks, index=edges, vmin=edges[0], vmax=edges[-1])


def _legend_rows(scale: StepColormap) -> list[tuple[str, str]]:
    edges = [int(e) for e in scale.index]
    return [
        (scale(lo), f"{lo}" if hi - 1 == lo else f"{lo}–{hi - 1}")
        for lo, hi in zip(edges, edges[1:], strict=False)
    ]


def _heat_points(areas: gpd.GeoDataFrame) -> list[list[float]]:
    centres = areas.to_crs("EPSG:3857").geometry.centroid.to_crs("EPSG:4326")
    return [
        [round(p.y, 4), round(p.x, 4), float(max(0, c))]
        for p, c in zip(centres, areas["count"], strict=True)
    ]


def _bounds(frames: list[gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of everything in `frames`."""
    west, south, east, north = gpd.GeoSeries(
        [g for f in frames for g in f.geometry], crs="EPSG:4326"
    ).total_bounds
    return float(west), float(south), float(east), float(north)


def _declutter(labels: Labels, view: tuple[float, float, float, float]) -> Labels:
    """The biggest places in view whose names would not overlap at the opening zoom."""
    west, south, east, north = view
    squash = math.cos(math.radians((south + north) / 2))  # a degree east is shorter
    # Degrees per pixel once the view is fitted into a laptop-sized map.
    per_px = max((east - west) * squash / VIEW_PX[0], (north - south) / VIEW_PX[1], 1e-6)
    boxes: list[tuple[float, float, float, float]] = []
    kept: Labels = []
    for name, lat, lng in labels:
        x, y = lng * squash, lat
        if not (west * squash <= x <= east * squash and south <= y <= north):
            continue
        half_w, half_h = (len(name) * 7 + 16) * per_px / 2, 18 * per_px / 2  # px of 12px text
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        boxes.append(box)
        kept.append((name, lat, lng))
        if len(kept) == MAX_LABELS:
            break
    return kept


_FOREIGN = re.compile(
    r"\b(?:https?|wss?|ftp):\\?/\\?/"  # absolute URLs, JSON-escaped or not
    r"|\b(?:src|href|action)\s*=\s*[\"']?//"  # protocol-relative attributes
    r"|url\(\s*[\"']?//",
    re.IGNORECASE,
)


def assert_self_hosted(html: str, tile_url: str = "") -> None:
    """Raise ForeignURLError if the page names any URL but the configured tile server's."""
    rest = html
    if tile_url:  # as written in the script: JSON with <, >, & and ' escaped
        as_json = json.dumps(tile_url)[1:-1]
        for char in "<>&'":
            as_json = as_json.replace(char, f"\\u{ord(char):04x}")
        rest = rest.replace(tile_url, "").replace(as_json, "")
    found = _FOREIGN.search(rest)
    if found:
        context = html[max(0, found.start() - 40) : found.end() + 40]
        raise ForeignURLError(f"map page refers to another host: {context!r}")


__all__ = ["ForeignURLError", "assert_self_hosted", "map_csp", "render_map", "script_hashes"]
