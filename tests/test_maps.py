"""Organiser maps: drawn from shown areas only, and fully self-hosted (P4, P7).

The browser test opens a rendered map in Debian's Chromium under the map's own CSP and
checks that every request stays on 127.0.0.1 and that Leaflet really drew the areas.
"""

from __future__ import annotations

import base64
import copy
import hashlib
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

from server.maps.assets import ASSETS, PREFIX, missing_assets, mount_assets
from server.maps.outline import areas_outline, land_outline
from server.maps.render import ForeignURLError, map_csp, render_map, script_hashes
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
COLUMNS = ["area", "name", "count", "km2", "kind", "geometry"]


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
    assert {s.rsplit("/", 1)[1] for s in srcs} == {"leaflet.js", "leaflet.css", "leaflet-heat.js"}
    for src in srcs:
        assert src.startswith(PREFIX), src
        assert ASSETS[src.removeprefix(PREFIX)].is_file()
    assert missing_assets() == []


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
                # Chromium's performance hint about leaflet-heat's canvas readback is fine.
                if m.type in ("error", "warning") and "willReadFrequently" not in m.text:
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

            # The heat layer is on from the start (it is what shows at country zoom) and can
            # be switched off; then a week picked: its legend replaces the window's.
            page.wait_for_selector("canvas.leaflet-heatmap-layer")
            control = page.locator(".leaflet-control-layers")
            control.locator("label", has_text="Heat (shown areas)").click()
            page.wait_for_selector("canvas.leaflet-heatmap-layer", state="detached")
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
