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

import bisect
import json
import math
import re
from collections.abc import Sequence
from html import escape

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure
from folium.elements import MacroElement
from folium.template import Template

from server.maps import page
from server.maps.assets import LEAFLET_CSS, LEAFLET_JS
from server.maps.csp import map_csp, script_hashes
from server.maps.ids import with_stable_ids
from server.maps.outline import DistrictPoint, Orientation, areas_outline, orientation
from server.publishing.view_data import weekly_rate

UK_CENTER, UK_ZOOM = (54.4, -3.2), 6
_UK_BOUNDS = (-8.2, 49.9, 1.8, 60.9)  # west, south, east, north: where labels may go
MAX_FIT_ZOOM = 11  # a single small area should not fill the screen like a street map
# Colour is a rate, with the same class edges on every map, window and week: a colour
# always means the same number of incidents a week per 2,000 postcodes (roughly 75,000
# people). Counts are never coloured raw: a big merged region would always look worst.
BREAKS = (0.25, 0.5, 1.0, 2.0, 4.0)  # edges between the six classes of `page.PALETTE`
RATE_WORDS = "Incidents a week per 2,000 postcodes"
LEGEND_ROWS = [
    (page.PALETTE[0], "under 0.25: fewer than one every 4 weeks"),
    (page.PALETTE[1], "0.25 to 0.5: one every 2 to 4 weeks"),
    (page.PALETTE[2], "0.5 to 1: one every 1 to 2 weeks"),
    (page.PALETTE[3], "1 to 2 a week"),
    (page.PALETTE[4], "2 to 4 a week"),
    (page.PALETTE[5], "4 or more a week"),
]
# Merged regions are filled with stripes of their class colour (a pattern per class), so a
# pooled total spread over a big region never reads like a solid hot patch.
HATCH_DEFS = (
    '<svg class="rw-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>'
    + "".join(
        f'<pattern id="rw-hatch-{k}" width="8" height="8" patternUnits="userSpaceOnUse"'
        f' patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"'
        f' fill-opacity="0.25"/><rect width="3.5" height="8" fill="{colour}"/></pattern>'
        for k, colour in enumerate(page.PALETTE)
    )
    + "</defs></svg>"
)
RATE_STYLE = (
    "<style>\n.rw-defs { position: absolute; width: 0; height: 0; }\n"
    + "".join(
        f".rw-region.rw-k{k} {{ fill: url(#rw-hatch-{k}); fill-opacity: 1; }}\n"
        f".rw-far .rw-area.rw-k{k} {{ stroke: {c}; stroke-width: 5px; }}\n"
        for k, c in enumerate(page.PALETTE)
    )
    + ".rw-borough { stroke: #3b4a5a; stroke-dasharray: 5 3; fill: none; }\n"
    ".rw-district { stroke: #6b7785; stroke-width: 0.75px; fill: none; }\n"
    ".rw-borough-name span, .rw-district-name span { position: absolute; white-space: nowrap;"
    " transform: translate(-50%, -50%); pointer-events: none;"
    " text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 4px #fff; }\n"
    ".rw-borough-name span { font: 600 12px/1 system-ui, sans-serif; color: #2b3a4a;"
    " text-transform: uppercase; letter-spacing: 0.04em; }\n"
    ".rw-district-name span { font: 11px/1 system-ui, sans-serif; color: #3b3b3b; }\n"
    ".rw-sw.rw-sw-region { background: repeating-linear-gradient(45deg, #fd8d3c 0 3px,"
    " #fff 3px 6px); }\n</style>"
)
MAX_LABELS = 16
BOROUGH_ZOOM = 9  # borough outlines and names from here on (a city fills the map)
DISTRICT_ZOOM = 11  # postcode districts from here on
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
    district_points: Sequence[DistrictPoint] = (),
) -> str:
    """A complete HTML page: choropleth, optional week layers, legend, labels, outlines.

    `areas` (and each week's frame) has columns area, name, count, km2, kind ("area" or
    "region") and an EPSG:4326 geometry, one row per shown area; an optional `districts`
    column is shown in the tooltip. `weeks` become base layers to switch between; `labels`
    are (name, lat, lng), biggest place first; `outline` is land to draw for orientation
    (default: the outline of the shown areas). `noisy` is False when the releases drawn
    carry no noise (ε = 0), so the legend does not claim noise that is not there.
    `district_points` (the gazetteer's district centroids) give the district and borough
    outlines and names that appear as the reader zooms in.

    Colour is the rate of `rates` in the fixed classes of `BREAKS`; areas need a `postcodes`
    column, and a `weeks` column when they sum more than one week.
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
    # District and borough lines over the areas (whose pane is 400), under the names (600).
    folium.map.CustomPane("orientation", z_index=450, pointer_events=False).add_to(m)
    land = (
        outline
        if outline is not None
        else areas_outline(
            gpd.GeoDataFrame(geometry=[g for f in shown for g in f.geometry], crs="EPSG:4326")
        )
    )
    view = _bounds(shown) if shown else (_UK_BOUNDS if land.is_empty else land.bounds)
    if shown or not land.is_empty:
        west, south, east, north = view
        # Fitted before any layer is added, so each is drawn once, at the final zoom; room
        # for the title box above and the legend below-left.
        m.fit_bounds(
            [[south, west], [north, east]],
            padding_top_left=(40, 80),
            padding_bottom_right=(40, 40),
            max_zoom=MAX_FIT_ZOOM,
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

    choropleths = [
        _choropleth(frame, name=name, base=bool(weeks), show=i == 0).add_to(m)
        for i, (name, frame) in enumerate(layers)
        if weeks or not frame.empty  # an empty week stays pickable, to show it was empty
    ]
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
    found = None
    if district_points and shown:
        # Names where the areas are; a merged region alone gets its districts too.
        near_areas = [g for f in shown for g in f.geometry[f["kind"] == "area"]]
        near = shapely.union_all(near_areas or [g for f in shown for g in f.geometry])
        found = orientation(district_points, near, None if land.is_empty else land)
    ZoomLevels(found).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    page.KeyboardAccess().add_to(m)  # area shapes out of the tab order; the map named
    if weeks:  # the title box follows the week picked (the first layer's line is given)
        page.LegendSwitch(
            choropleths,
            subtitles=[subtitle, *(page.week_title(week) for week, _ in weeks)],
            empties=[frame.empty for _, frame in layers],
        ).add_to(m)

    root = m.get_root()
    if not isinstance(root, Figure):  # folium.Map always makes one; this tells mypy
        raise TypeError("folium.Map is not in a Figure")
    root.title = escape(title)  # branca puts the title in the page unescaped
    root.header.add_child(Element(page.STYLE), name="raidwatch_style")
    root.header.add_child(Element(page.NO_FAVICON), name="raidwatch_icon")
    root.header.add_child(Element(RATE_STYLE), name="raidwatch_rates")
    root.html.add_child(Element(HATCH_DEFS), name="raidwatch_hatches")
    root.html.add_child(
        Element(
            page.panels(
                title=title,
                subtitle=subtitle,
                empty=areas.empty,
                noisy=noisy,
                legends=[(name, [] if frame.empty else LEGEND_ROWS) for name, frame in layers],
            )
        )
    )
    html = page.accessible(root.render())
    assert_self_hosted(html, tile_url)
    return html


def rates(frame: gpd.GeoDataFrame) -> list[float]:
    """Incidents a week per `RATE_POSTCODES` postcodes, one per row of `frame`.

    Areas and merged regions both cover a known number of postcodes (about one per 40
    residents), so a 1,500 km² region and a 32 km² city area are compared per head, not per
    shape; dividing by the weeks summed makes a 1-, 4- and 12-week view comparable.
    """
    weeks = frame["weeks"] if "weeks" in frame.columns else [1] * len(frame)
    return [
        weekly_rate(int(count), int(w), int(postcodes))
        for count, w, postcodes in zip(frame["count"], weeks, frame["postcodes"], strict=True)
    ]


def rate_class(rate: float) -> int:
    """The colour class of a rate: index into `page.PALETTE`, by the fixed `BREAKS`."""
    return bisect.bisect_right(BREAKS, rate)


def _choropleth(frame: gpd.GeoDataFrame, *, name: str, base: bool, show: bool) -> folium.GeoJson:
    fields = ["name", "kind", "rate", "count", "postcodes", "km2"]
    aliases = ["", "", RATE_WORDS, "Incidents", "Postcodes", "Size (km²)"]
    if "districts" in frame.columns:
        fields.insert(1, "districts")
        aliases.insert(1, "Main districts")
    # Regions first, then bigger areas first: small areas end up on top, where the mouse
    # can reach them, and a merged region never hides the areas inside it.
    order = frame.assign(_rate=rates(frame), _r=frame["kind"] != "region").sort_values(
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
                "rate": _rate_text(row["_rate"]),
                "class": rate_class(row["_rate"]),
                "count": int(row["count"]),
                "postcodes": int(row["postcodes"]),
                "km2": round(float(row["km2"]), 1),
            },
            "geometry": shapely.geometry.mapping(shapely.set_precision(row["geometry"], 1e-5)),
        }
        for row in order.to_dict("records")
    ]

    def style(feature: dict) -> dict:
        region = feature["properties"]["kind"] == "merged region"
        k = feature["properties"]["class"]
        return {
            # A region's fill is a hatch in its class colour (CSS, `HATCH_DEFS`): it reads as
            # a spread-out total, never as a solid patch like an area.
            "className": f"rw-{'region' if region else 'area'} rw-k{k}",
            "fillColor": page.PALETTE[k],
            "color": "#222",
            "weight": 1.5 if region else 1,
            "dashArray": "6 4" if region else None,
            "fillOpacity": 1 if region else 0.8,
            "opacity": 0.9,
        }

    return folium.GeoJson(  # Leaflet's layer control writes the name as HTML
        {"type": "FeatureCollection", "features": features},
        name=escape(name),
        overlay=not base,
        show=show,
        style_function=style,
        smooth_factor=0.5,
        highlight_function=lambda _: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=aliases, class_name="rw-tip", sticky=True
        )
        if features
        else None,
    )


class ZoomLevels(MacroElement):
    """District and borough outlines and names, each set added to the map from its minimum
    zoom on and removed below it; below `BOROUGH_ZOOM` the map is marked `rw-far`, where
    areas are a few pixels wide and drawn with a thick edge in their colour.

    The outlines and names are data (one GeoJSON and one list of [name, lat, lng] per set)
    read by one script, so hundreds of names cost a few bytes each, not a folium Marker's
    script each; names become text nodes, never HTML.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, levels) {
            // Built the first time the reader zooms in far enough: none of it at country zoom.
            function build(level) {
                level.layer = L.layerGroup();
                L.geoJSON(level.shapes, {
                    pane: "orientation", interactive: false,
                    style: {className: level.kind, fill: false, weight: 1}
                }).addTo(level.layer);
                level.names.forEach(function (n) {
                    var text = document.createElement("span");
                    text.textContent = n[0];
                    L.marker([n[1], n[2]], {
                        interactive: false, keyboard: false,
                        icon: L.divIcon({
                            html: text, iconSize: [0, 0], className: level.kind + "-name"
                        })
                    }).addTo(level.layer);
                });
            }
            function update() {
                var zoom = map.getZoom();
                levels.forEach(function (level) {
                    if (zoom >= level.zoom) {
                        if (!level.layer) { build(level); }
                        map.addLayer(level.layer);
                    } else if (level.layer) {
                        map.removeLayer(level.layer);
                    }
                });
                map.getContainer().classList.toggle("rw-far", zoom < {{ this.far }});
                // City names alone are spaced on the server: until a reader first zooms in,
                // no check (and no forced layout) is needed.
                if (levels.some(function (level) { return level.layer; })) {
                    declutter(map.getContainer());
                }
            }
            // Names in order of importance (cities, boroughs, districts; biggest first):
            // a name that would overlap one already shown is hidden at this zoom.
            function declutter(box) {
                var names = ".rw-place span, .rw-borough-name span, .rw-district-name span";
                var labels = Array.from(box.querySelectorAll(names));
                // Reset, then read every box in one layout pass, then hide: no reflow per name.
                labels.forEach(function (label) { label.style.visibility = ""; });
                var rects = labels.map(function (label) { return label.getBoundingClientRect(); });
                var shown = [];
                rects.forEach(function (r, i) {
                    var hit = shown.some(function (s) {
                        return r.left < s.right && s.left < r.right
                            && r.top < s.bottom && s.top < r.bottom;
                    });
                    if (hit) { labels[i].style.visibility = "hidden"; } else { shown.push(r); }
                });
            }
            map.on("zoomend", update);
            update();
        })({{ this._parent.get_name() }}, {{ this.levels }});
        {% endmacro %}
    """)

    def __init__(self, found: Orientation | None) -> None:
        super().__init__()
        self._name = "ZoomLevels"
        self.far = BOROUGH_ZOOM
        sets = (
            [
                ("rw-borough", BOROUGH_ZOOM, found.boroughs),
                ("rw-district", DISTRICT_ZOOM, found.districts),
            ]
            if found
            else []
        )
        levels = [
            {
                "kind": kind,
                "zoom": zoom,
                "shapes": {
                    "type": "GeometryCollection",
                    "geometries": [shapely.geometry.mapping(shape) for _, shape, _, _ in shapes],
                },
                "names": [[name, lat, lng] for name, _, lat, lng in shapes],
            }
            for kind, zoom, shapes in sets
            if shapes
        ]
        # JSON inside a <script>: "<", ">" and "&" escaped, so no name can close the element.
        text = json.dumps(levels, ensure_ascii=False, separators=(",", ":"))
        for char in "<>&":
            text = text.replace(char, f"\\u{ord(char):04x}")
        self.levels = text


def _districts(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _rate_text(rate: float) -> str:
    return f"{rate:.2f}" if rate < 10 else f"{rate:.0f}"


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
