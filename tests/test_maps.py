"""Organiser maps: drawn from shown areas only, and fully self-hosted (P4, P7).

The browser test opens a rendered map in Debian's Chromium under the map's own CSP and
checks that every request stays on 127.0.0.1 and that Leaflet really drew the areas.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator

import folium
import geopandas as gpd
import h3
import pytest
import shapely
import uvicorn
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from folium.plugins import HeatMap
from shapely.geometry import Polygon

from server.maps import page as map_page
from server.maps.assets import ASSETS, PREFIX, mount_assets
from server.maps.csp import map_csp, script_hashes
from server.maps.outline import areas_outline, land_outline, orientation
from server.maps.render import (
    BOROUGH_ZOOM,
    DISTRICT_ZOOM,
    LEGEND_ROWS,
    ForeignURLError,
    rate_class,
    render_map,
)
from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, CSP_WATCH
from tests.conftest import free_port

LABELS = [
    ("London", 51.507, -0.128),
    ("Birmingham", 52.486, -1.89),
    ("Manchester", 53.48, -2.243),
    ("Leeds", 53.797, -1.549),
    ("Croydon", 51.372, -0.1),
    ("Salford", 53.487, -2.29),
    ("Bristol", 51.454, -2.588),
]
COLUMNS = ["area", "name", "count", "km2", "kind", "postcodes", "weeks", "geometry"]


def _hexagon(cell: str) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in COLUMNS[:-1]}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")[COLUMNS]


def _synthetic(scale: float = 1.0) -> gpd.GeoDataFrame:
    """A few resolution-6 hexes in London and Manchester and one merged region."""
    rows = []
    london = sorted(h3.grid_disk(h3.latlng_to_cell(51.51, -0.12, 6), 1))
    for i, cell in enumerate(london):
        rows.append(
            {
                "area": cell,
                "name": f"E{i + 1}, Hackney",
                "count": int((11 + 13 * i) * scale),
                "km2": 36.1,
                "kind": "area",
                "postcodes": 4000 + 500 * i,
                "weeks": 4,
                "geometry": _hexagon(cell),
            }
        )
    manchester = sorted(h3.grid_disk(h3.latlng_to_cell(53.48, -2.24, 6), 1))[:4]
    for i, cell in enumerate(manchester):
        rows.append(
            {
                "area": cell,
                "name": f"M{i + 1}, Manchester",
                "count": int((12 + 6 * i) * scale),
                "km2": 36.0,
                "kind": "area",
                "postcodes": 2500,
                "weeks": 4,
                "geometry": _hexagon(cell),
            }
        )
    region = h3.latlng_to_cell(52.48, -1.9, 4)
    rows.append(
        {
            "area": f"r4:{region}",
            "name": "rest of Birmingham, Solihull",
            "count": int(34 * scale),
            "km2": 1770.0,
            "kind": "region",
            "postcodes": 41000,
            "weeks": 4,
            "geometry": _hexagon(region),
        }
    )
    return _frame(rows)


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return _synthetic()


@pytest.fixture
def html(areas: gpd.GeoDataFrame) -> str:
    return render_map(
        areas=areas, title="East London Network", subtitle="Last 4 weeks", labels=LABELS
    )


def _srcs(html: str) -> list[str]:
    links = re.findall(r"<link[^>]*\shref=\"([^\"]+)\"", html)
    assert links.count("data:,") == 1  # the empty favicon, so the browser asks for none
    return re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html) + [
        href for href in links if href != "data:,"
    ]


def test_P7_map_names_no_other_host(html: str) -> None:
    assert not re.search(r"(?:https?|wss?|ftp):\\?/\\?/", html, re.IGNORECASE)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?//", html)
    for dropped in ("jquery", "bootstrap", "awesome", "fontawesome", "d3.min", "cdn"):
        assert dropped not in html.lower()


def test_P7_every_script_and_stylesheet_is_a_served_asset(html: str) -> None:
    srcs = _srcs(html)
    assert {s.rsplit("/", 1)[1] for s in srcs} == {"leaflet.js", "leaflet.css"}
    for src in srcs:
        assert src.startswith(PREFIX), src
        assert ASSETS[src.removeprefix(PREFIX)].is_file()
    assert [path for path, file in ASSETS.items() if not file.is_file()] == []  # all installed


def test_tooltip_data_holds_the_shown_areas(areas: gpd.GeoDataFrame, html: str) -> None:
    for name, count in zip(areas["name"], areas["count"], strict=True):
        assert f'"name": "{name}"' in html
        assert f'"count": {count}' in html
    assert "Nothing to show yet" not in html


def test_folium_class_defaults_are_never_mutated(areas: gpd.GeoDataFrame) -> None:
    before = [copy.deepcopy(cls.default_js) for cls in (folium.Map, HeatMap)] + [
        copy.deepcopy(folium.Map.default_css)
    ]
    for _ in range(2):
        render_map(areas=areas, title="t", subtitle="s")
    after = [folium.Map.default_js, HeatMap.default_js, folium.Map.default_css]
    assert after == before
    assert any("leaflet" in url for _, url in folium.Map.default_js)  # still folium's own


def test_empty_view_says_nothing_to_show_yet() -> None:
    html = render_map(areas=_frame([]), title="Network", subtitle="Last week")
    assert "Nothing to show yet" in html
    assert ".fitBounds(" not in html  # stays on the whole-UK view
    assert "leaflet-heat.js" not in html
    assert "[54.4, -3.2]" in html


def test_weeks_become_switchable_layers_with_their_own_legends(areas) -> None:
    weeks = [
        ("2025-W08", _frame([])),
        ("2025-W09", _synthetic(0.3)),
        ("2025-W10", _synthetic(0.25)),
    ]
    html = render_map(areas=areas, title="t", subtitle="Last 3 <b>weeks</b>", weeks=weeks)
    for name in ("2025-W08", "2025-W09", "2025-W10"):
        assert f'"{name}" :' in html  # a base layer of the layer control
    assert "<b>" not in html  # Leaflet writes layer names as HTML: they are escaped
    # One legend per layer with something in it; the empty week has none.
    assert re.findall(r'data-layer-index="(\d)"', html) == ["0", "2", "3"]
    assert "baselayerchange" in html


def _drawn(html: str) -> list[dict[str, dict]]:
    """Per choropleth layer, in page order: area id -> the style Leaflet is given for it,
    read from the page's own script (the styler's switch and the layer's GeoJSON)."""
    layers = []
    for name in re.findall(r"function (geo_json_\w+)_styler", html):
        styler = html.index(f"function {name}_styler")
        body = html[styler : html.index("\n        }\n", styler)]
        start = html.index(f"{name}_add(", html.index(f"function {name}_add")) + len(name) + 5
        data = json.loads(html[start : html.index(");\n", start)])
        features = data["features"]
        if not features or "kind" not in features[0].get("properties", {}):
            continue  # the land outline
        styles: dict[str, dict] = {}
        default: dict = {}
        for cases, style in re.findall(
            r"((?:case \"[^\"]+\":\s*)+|default:)\s*return (\{.*?\});", body
        ):
            if cases == "default:":
                default = json.loads(style)
            for area in re.findall(r'case "([^"]+)"', cases):
                styles[area] = json.loads(style)
        layers.append(
            {f["id"]: {**styles.get(f["id"], default), **f["properties"]} for f in features}
        )
    return layers


def _at_rate(rates: list[float], weeks: int, kind: str = "area") -> gpd.GeoDataFrame:
    """Areas (or regions) of different sizes whose counts over `weeks` give `rates`."""
    rows = []
    for i, (rate, cell) in enumerate(
        zip(rates, sorted(h3.grid_disk(h3.latlng_to_cell(51.51, -0.12, 6), 2)), strict=False)
    ):
        # Sizes differ (so do counts), and every count comes out whole.
        postcodes = 40_000 * (1 + i % 3) * (20 if kind == "region" else 1)
        rows.append(
            {
                "area": f"a{i}",
                "name": f"place {i}",
                "count": round(rate * weeks * postcodes / 2000),
                "km2": 36.0 * (40 if kind == "region" else 1),
                "kind": kind,
                "postcodes": postcodes,
                "weeks": weeks,
                "geometry": _hexagon(cell),
            }
        )
    return _frame(rows)


def test_equal_rates_get_equal_colours_across_windows_and_weeks() -> None:
    rates = [0.1, 0.3, 0.75, 1.5, 3.0, 6.0, 0.75, 1.5]
    expected = [rate_class(rate) for rate in rates]
    assert expected == [0, 1, 2, 3, 4, 5, 2, 3]  # the fixed classes: one rate, one colour
    colours = []
    for weeks in (1, 4, 12):  # window-1, window-4 and window-12 maps
        html = render_map(areas=_at_rate(rates, weeks), title="t", subtitle=f"{weeks} weeks")
        (layer,) = _drawn(html)
        colours.append([layer[f"a{i}"]["fillColor"] for i in range(len(rates))])
        assert [layer[f"a{i}"]["class"] for i in range(len(rates))] == expected
        # The legend prints the same fixed classes in plain words on every map.
        assert re.findall(r'rw-sw rw-c-(\w+)"></span>([^<]+)<', html) == [
            (colour[1:], words) for colour, words in LEGEND_ROWS
        ]
    assert colours[0] == colours[1] == colours[2] == [map_page.PALETTE[k] for k in expected]
    # The weekly map: each week is its own layer, coloured by the same classes.
    weekly = render_map(
        areas=_at_rate(rates, 1),
        title="t",
        subtitle="week 3",
        weeks=[("week 2", _at_rate(rates[::-1], 1)), ("week 1", _at_rate(rates[2:], 1))],
    )
    layers = _drawn(weekly)
    assert len(layers) == 3
    for layer, shown in zip(layers, (rates, rates[::-1], rates[2:]), strict=True):
        assert [layer[f"a{i}"]["fillColor"] for i in range(len(shown))] == [
            map_page.PALETTE[rate_class(rate)] for rate in shown
        ]


def test_a_big_region_is_coloured_by_its_rate_not_its_count() -> None:
    """The issue's case: a 1,500 km² pooled region with the biggest count is not the top
    colour; a small dense area with fewer incidents is."""
    region = _at_rate([0.2], 4, kind="region")
    dense = _at_rate([3.0], 4)
    dense["area"] = ["dense"]
    both = _frame([*region.to_dict("records"), *dense.to_dict("records")])
    assert both.loc[0, "count"] > both.loc[1, "count"]
    (layer,) = _drawn(render_map(areas=both, title="t", subtitle="s"))
    assert layer["a0"]["class"] == 0 and layer["dense"]["class"] == 4
    assert layer["a0"]["className"] == "rw-region rw-k0"  # striped by its class colour
    assert layer["dense"]["className"] == "rw-area rw-k4"


def test_a_merged_region_never_gets_a_point_hotspot() -> None:
    html = render_map(areas=_synthetic(), title="t", subtitle="s", labels=LABELS)
    # No heat layer, and no marker or circle of any kind but the place names...
    assert "heatLayer" not in html and "leaflet-heat" not in html
    assert "circleMarker" not in html and "L.circle(" not in html
    spots = re.findall(r"L\.marker\(\s*\[([-\d.]+), ([-\d.]+)\]", html)
    # ...and the district and borough names' one call, at the gazetteer's centroids.
    assert spots and len(spots) + 1 == html.count("L.marker(")
    assert html.count("L.marker([n[1], n[2]]") == 1
    assert {(float(lat), float(lng)) for lat, lng in spots} <= {(a, b) for _, a, b in LABELS}
    (layer,) = _drawn(html)
    region = [v for v in layer.values() if v["kind"] == "merged region"]
    assert len(region) == 1 and region[0]["className"].startswith("rw-region ")
    assert region[0]["dashArray"] == "6 4"  # dashed outline as well as the stripes
    for k in range(len(map_page.PALETTE)):  # a striped fill per class, defined on the page
        assert f'<pattern id="rw-hatch-{k}"' in html
        assert f".rw-region.rw-k{k} {{ fill: url(#rw-hatch-{k});" in html


def test_district_and_borough_names_appear_by_zoom_near_the_areas() -> None:
    from server.places.gazetteer import Gazetteer

    points = Gazetteer.uk().district_points()
    html = render_map(areas=_synthetic(), title="t", subtitle="s", district_points=points)
    start = html.index('[{"kind":"rw-borough"')
    levels = json.loads(html[start : html.index("]);", start) + 1])
    assert [(level["kind"], level["zoom"]) for level in levels] == [
        ("rw-borough", BOROUGH_ZOOM),
        ("rw-district", DISTRICT_ZOOM),
    ]
    boroughs = {name for name, _, _ in levels[0]["names"]}
    districts = {name for name, _, _ in levels[1]["names"]}
    assert {"Hackney", "Islington", "Manchester"} <= boroughs
    assert {"E8", "N1"} <= districts and any(d.startswith("M") for d in districts)
    # Only districts near the shown areas: none from Birmingham's merged region (areas
    # exist), none from Glasgow or Cardiff where nothing is shown.
    assert not districts & {"B1", "G1", "CF10"}
    assert len(districts) < 200
    # The outlines are the districts' shapes (one per name), not points.
    assert len(levels[1]["shapes"]["geometries"]) == len(districts)
    assert {g["type"] for g in levels[1]["shapes"]["geometries"]} <= {"Polygon", "MultiPolygon"}
    assert "</script" not in html[start : html.index("]);", start)]


def test_orientation_outlines_tile_the_land_near_the_areas() -> None:
    from server.places.gazetteer import Gazetteer

    gazetteer = Gazetteer.uk()
    land = land_outline(gazetteer.res6_postcode_counts())
    near = shapely.Point(-0.08, 51.55).buffer(0.02)
    found = orientation(gazetteer.district_points(), near, land)
    cells = {name: shape for name, shape, _, _ in found.districts}
    assert "E8" in cells and cells["E8"].contains(shapely.Point(-0.065, 51.545))
    # Cells do not overlap (beyond rounding) and every label sits in its own cell.
    union = shapely.union_all(list(cells.values()))
    assert union.area == pytest.approx(sum(c.area for c in cells.values()), rel=0.02)
    hackney = next(shape for name, shape, _, _ in found.boroughs if name == "Hackney")
    assert hackney.contains(shapely.Point(-0.06, 51.55))
    assert orientation(gazetteer.district_points(), shapely.GeometryCollection()).districts == []


def test_csp_hashes_match_the_inline_scripts(html: str) -> None:
    bodies = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(bodies) >= 2
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in bodies
    ]
    assert script_hashes(html) == list(dict.fromkeys(expected))
    policy = dict(part.split(" ", 1) for part in map_csp(html).split("; "))
    assert policy["script-src"].split() == ["'self'", *script_hashes(html)]
    assert "'unsafe-inline'" not in map_csp(html)
    assert policy["connect-src"] == "'none'" and policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'self'" and policy["base-uri"] == "'none'"


def test_P7_a_url_in_the_output_is_refused(areas) -> None:
    with pytest.raises(ForeignURLError):
        render_map(areas=areas, title="see https://example.org", subtitle="s")


def test_tiles_only_from_the_configured_server(areas) -> None:
    tiles = "https://tiles.network.example/{z}/{x}/{y}.png?style=plain&lang=en"
    html = render_map(areas=areas, title="t", subtitle="s", tile_url=tiles)
    assert tiles.replace("&", "\\u0026") in html and "self-hosted tiles" in html
    assert "img-src 'self' data: https://tiles.network.example;" in map_csp(html, tiles)
    with pytest.raises(ForeignURLError):
        render_map(areas=areas, title="https://elsewhere.example", subtitle="s", tile_url=tiles)


def test_names_are_escaped(areas) -> None:
    areas.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    html = render_map(areas=areas, title="<b>t</b>", subtitle="s")
    assert "<img src=x" not in html and "<b>t</b>" not in html


def test_outlines() -> None:
    cells = h3.grid_disk(h3.latlng_to_cell(52.0, -1.0, 6), 3)
    land = land_outline(cells)
    assert land.geom_type == "Polygon" and land.contains(shapely.Point(-1.0, 52.0))
    assert areas_outline(_synthetic()).geom_type == "MultiPolygon"
    assert land_outline([]).is_empty and areas_outline(_frame([])).is_empty


def test_asset_route_serves_only_listed_files() -> None:
    app = FastAPI()
    mount_assets(app)
    client = TestClient(app)
    for path, file in ASSETS.items():
        response = client.get(PREFIX + path)
        assert response.status_code == 200 and response.content == file.read_bytes()
        assert "immutable" in response.headers["cache-control"]
    types = {p.rsplit(".", 1)[1]: client.get(PREFIX + p).headers["content-type"] for p in ASSETS}
    assert types["js"].startswith("text/javascript") and types["css"].startswith("text/css")
    assert types["png"] == "image/png"
    for bad in (
        "leaflet-1.9.3/",
        "leaflet-1.9.3/%2e%2e/%2e%2e/__init__.py",
        "..%2f..%2fetc%2fpasswd",
        "leaflet-1.9.3/leaflet-src.js",
    ):
        assert client.get(PREFIX + bad).status_code == 404


# -- in a real browser -------------------------------------------------------------------


@pytest.fixture
def map_server() -> Iterator[str]:
    """Two rendered maps and the assets, behind uvicorn on loopback, with the maps' CSP."""
    from server.places.gazetteer import Gazetteer

    land = land_outline(Gazetteer.uk().res6_postcode_counts())
    pages = {
        "map": render_map(
            areas=_synthetic(),
            title="East London Network",
            subtitle="Last 4 weeks, to 2025-W10",
            labels=LABELS,
            outline=land,
            district_points=Gazetteer.uk().district_points(),
            weeks=[
                ("2025-W08", _frame([])),
                ("2025-W09", _synthetic(0.3)),
                ("2025-W10", _synthetic(0.25)),
            ],
        ),
        "empty": render_map(
            areas=_frame([]),
            title="East London Network",
            subtitle="Last week, to 2025-W10",
            labels=LABELS,
            outline=land,
        ),
    }
    app = FastAPI()
    mount_assets(app)

    @app.get("/{name}")
    def page(name: str) -> HTMLResponse:
        if name not in pages:
            raise HTTPException(status_code=404)
        return HTMLResponse(pages[name], headers={"content-security-policy": map_csp(pages[name])})

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, access_log=False, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_P7_browser_draws_the_map_from_this_host_only(map_server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(CSP_WATCH)
            page.on("request", lambda r: requests.append(r.url))

            def on_console(m) -> None:
                if m.type in ("error", "warning"):
                    problems.append(f"{m.type}: {m.text}")

            page.on("console", on_console)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

            page.goto(f"{map_server}/map", wait_until="networkidle")
            page.wait_for_selector("path.leaflet-interactive")
            drawn = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
            assert drawn == len(_synthetic())
            assert page.locator(".rw-place").count() >= 2
            page.screenshot(path=str(ARTIFACTS / "map.png"))

            # The tooltip shows the area's name and count.
            page.locator("path.leaflet-interactive").last.hover(force=True)
            tip = page.locator(".leaflet-tooltip").inner_text()
            assert "Manchester" in tip and re.search(r"Incidents\s+\d+", tip), tip

            # A merged region is striped (its fill is a pattern), an area is a flat colour.
            fills = page.evaluate(
                "Array.from(document.querySelectorAll('path.leaflet-interactive'))"
                ".map(p => [p.getAttribute('class'), getComputedStyle(p).fill])"
            )
            assert [f for c, f in fills if "rw-region" in c][0].startswith("url(")
            assert all(f.startswith("rgb(") for c, f in fills if "rw-area" in c)
            assert page.locator("canvas").count() == 0  # no heat layer at all

            # Zoomed in on London: borough names, then postcode districts, appear.
            assert page.locator(".rw-district-name").count() == 0
            map_js = "window[document.querySelector('.folium-map').id]"
            page.evaluate(f"{map_js}.setView([51.53, -0.1], 9, {{animate: false}})")
            page.wait_for_selector(".rw-borough-name", state="attached")
            assert page.locator(".rw-district-name").count() == 0
            page.evaluate(f"{map_js}.setView([51.53, -0.1], 12, {{animate: false}})")
            page.wait_for_selector(".rw-district-name span >> text=N1")
            assert page.locator("path.rw-district").count() > 10
            page.screenshot(path=str(ARTIFACTS / "map-city.png"))
            page.evaluate(f"{map_js}.setView([53.0, -1.5], 6, {{animate: false}})")
            page.wait_for_selector(".rw-district-name", state="detached")

            control = page.locator(".leaflet-control-layers")
            control.locator("label", has_text="2025-W09").click()
            legends = page.locator(".rw-legend")
            assert legends.filter(has_text="2025-W09").is_visible()
            assert not legends.filter(has_text="Last 4 weeks").is_visible()
            control.locator("label", has_text="2025-W08").click()  # an empty week
            assert legends.filter(visible=True).count() == 0
            control.locator("label", has_text="2025-W09").click()
            page.screenshot(path=str(ARTIFACTS / "map-week.png"))
            violations = page.evaluate("window.__violations")

            page.goto(f"{map_server}/empty", wait_until="networkidle")
            assert page.get_by_text("Nothing to show yet").is_visible()
            page.screenshot(path=str(ARTIFACTS / "map-empty.png"))
            violations += page.evaluate("window.__violations")
        finally:
            browser.close()
    assert requests and all(url.startswith(map_server + "/") for url in requests), requests
    assert not problems, problems
    assert violations == []
