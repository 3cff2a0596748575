"""Static files under versioned URLs (cached for a year), and compression only where no
secret meets reflected input (BREACH), through real HTTP on a real database."""

from __future__ import annotations

import re
from datetime import date

import pytest

from server.maps.assets import ASSETS, PREFIX
from server.maps.drawing import NAMES
from server.networks.links import create_network
from server.publishing.jobs import publish_and_draw
from server.web.static_files import (
    MAP_NAMES,
    MIN_GZIP_BYTES,
    STATIC_DIR,
    compressible,
    static_url,
)
from server.web.vendor import htmx_path
from tests.factories import add_incidents, add_organiser
from tests.organisers import logged_in
from tests.synthetic import table_rows

MONDAY = date(2026, 1, 5)  # in 2026-W02
DUE = date(2026, 1, 14)  # W02 is released on this day
FOREVER = "public, max-age=31536000, immutable"

pytestmark = pytest.mark.pub(trend_epsilon=1.0)


@pytest.fixture
def alice(session, pub, clients):
    """An organiser, logged in, after one release (so the maps and exports exist)."""
    network, _ = create_network(session=session, name="Network Alpha", key=pub.key())
    add_organiser(session, "alice", networks=[network])
    add_incidents(session, network, day=MONDAY, count=12)
    assert publish_and_draw(settings=pub, as_of=DUE)[-1] == "2026-W02"
    return logged_in(clients(), "alice")


def test_pages_name_versioned_files_that_are_cached_for_a_year(alice):
    page = alice.get("/organise").text
    css = re.search(r'<link rel="stylesheet" href="([^"]+)">', page).group(1)
    js = re.search(r'<script src="([^"]+)" defer>', page).group(1)
    assert re.fullmatch(r"/static/v/[0-9a-f]{12}/organiser\.css", css)
    assert re.fullmatch(r"/static/v/[0-9a-f]{12}/htmx\.min\.js", js)
    for url, file in ((css, STATIC_DIR / "organiser.css"), (js, htmx_path())):
        response = alice.get(url)
        assert response.status_code == 200 and response.content == file.read_bytes()
        assert response.headers["cache-control"] == FOREVER
    login = alice.get("/login").text  # the same for every page
    assert static_url("organiser.css") in login
    # A stale or made-up version is 404, never another file; the plain URLs keep working
    # with the short default cache.
    digest = css.split("/")[3]
    for bad in (
        css.replace(digest, "0" * 12),
        f"/static/v/{digest}/member.css",
        f"/static/v/{digest}/..%2f..%2fconfig.py",
        f"/static/v/{digest}/",
    ):
        assert alice.get(bad).status_code == 404, bad
    plain = alice.get("/static/organiser.css")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "public, max-age=3600"
    for path in ASSETS:  # the maps' vendor files carry their version in the path already
        assert alice.get(PREFIX + path).headers["cache-control"] == FOREVER


def test_member_pages_name_the_versioned_stylesheet(live_server, network):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}").text
        href = re.search(r'<link rel="stylesheet" href="([^"]+)">', page).group(1)
        assert href == static_url("member.css")
        response = client.get(href)
    assert response.content == (STATIC_DIR / "member.css").read_bytes()
    assert response.headers["cache-control"] == FOREVER


def test_static_files_maps_and_exports_are_compressed(alice, pub):
    gzip = {"accept-encoding": "gzip"}
    for url in (
        static_url("organiser.css"),
        static_url("htmx.min.js"),
        "/static/member.css",
        PREFIX + next(p for p in ASSETS if p.endswith("leaflet.js")),
    ):
        response = alice.get(url, headers=gzip)
        assert response.status_code == 200, url
        assert response.headers.get("content-encoding") == "gzip", url
        assert "content-length" not in response.headers or int(
            response.headers["content-length"]
        ) < len(response.content)
    for name in NAMES:
        response = alice.get(f"/organise/map/{name}", headers=gzip)
        assert response.headers.get("content-encoding") == "gzip", name
        [row] = table_rows(pub, "SELECT html FROM rendered_maps WHERE name = :n", n=name)
        assert response.content == bytes(row.html)  # unchanged once unzipped
        assert "csrf" not in response.text.lower()  # nothing secret in a map page
    assert set(MAP_NAMES) == set(NAMES)
    # Exports too, when worth it (over MIN_GZIP_BYTES).
    for fmt in ("geojson", "csv", "metadata.json"):
        export = alice.get(f"/organise/export.{fmt}?window=4", headers=gzip)
        assert export.status_code == 200 and compressible(f"/organise/export.{fmt}")
        big = len(export.content) >= MIN_GZIP_BYTES
        assert (export.headers.get("content-encoding") == "gzip") == big, fmt
    assert len(alice.get("/organise/export.geojson?window=4").content) >= MIN_GZIP_BYTES


def test_pages_with_a_csrf_token_are_never_compressed(alice, live_server, network):
    """BREACH: these pages hold the session's CSRF token and echo what is in the address
    (filters, the window) or a form; compressed, their length would leak the token."""
    gzip = {"accept-encoding": "gzip"}
    token = re.search(r'name="csrf_token" value="([^"]+)"', alice.get("/organise").text)
    assert token
    for url in (
        "/organise",
        "/organise?window=12",
        "/organise/reports?district=E8&status=pending",
        "/organise/summary?window=12",
        "/organise/networks",
        "/organise/account",
        "/organise/map/nothing-here",
        "/login",
    ):
        response = alice.get(url, headers=gzip)
        assert "content-encoding" not in response.headers, url
    _, member = network
    with live_server.client() as client:
        form = client.get(f"/r/{member}", headers=gzip)
    assert form.status_code == 200 and "content-encoding" not in form.headers
    assert not compressible("/organise") and not compressible("/organise/map/")
    assert not compressible("/organise/reports") and not compressible("/r/abc")
