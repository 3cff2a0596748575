"""The organiser dashboard in Debian's Chromium, with JavaScript off and on.

Off: log in through the form, switch windows by plain links, download the CSV, reject a
report. On: htmx switches windows and moderates without a full navigation, Back restores
the whole page, the map frame draws, every request stays on this host, and nothing breaks
the CSP or logs an error. Screenshots go to test-artifacts/ for a human to look at.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from server.db import get_engine
from server.demo.history import run_demo
from server.maps.drawing import render_maps
from server.maps.page import KeyboardAccess
from server.models import Network, Report
from server.publishing.exports import to_csv
from tests.browser import ARTIFACTS, BROWSER_MARKS, CSP_WATCH, launched
from tests.factories import PASSWORD, add_organiser, add_report
from tests.organisers import fresh_code
from tests.synthetic import view_of

VIEWPORT = {"width": 1280, "height": 800}
KEYBOARD_LABEL = KeyboardAccess.LABEL

pytestmark = BROWSER_MARKS


@pytest.fixture
def demo(settings, session):
    """Twelve weeks of demo history, released and drawn; an admin; a report to moderate."""
    # Released up to this Monday: last week has closed but is not released, so the report
    # of last Sunday is open to moderation (the current week never is).
    monday = settings.today() - timedelta(days=settings.today().weekday())
    run_demo(settings=settings, as_of=monday, weeks=12, visits_per_week=120)
    render_maps(settings=settings)
    network = session.exec(select(Network).order_by(Network.name)).first()
    add_report(session, network, day=monday - timedelta(days=1), setting="street")
    add_organiser(session, "dora", is_admin=True)
    return settings


@pytest.fixture
def chromium():
    with launched() as browser:
        yield browser


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/organise")
    assert page.url == f"{base}/login"
    page.fill("#username", "dora")
    page.fill("#password", PASSWORD)
    page.fill("#code", fresh_code(base, "dora"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/organise")
    assert page.locator("h1").inner_text() == "Where enforcement concentrates"


def _current_window(page) -> str:
    return page.locator("#view .tabs a[aria-current=true]").inner_text()


def _violations(page) -> list[str]:
    """CSP violations seen so far by the page and its frames (lost on navigation)."""
    return [v for frame in page.frames for v in frame.evaluate("window.__violations || []")]


def _statuses(settings) -> dict[str, str]:
    with Session(get_engine(settings)) as s:
        return {str(r.id): r.status for r in s.exec(select(Report))}


def test_dashboard_works_with_javascript_off(chromium, demo, live_server, tmp_path):
    base = live_server.url
    context = chromium.new_context(
        java_script_enabled=False, viewport=VIEWPORT, accept_downloads=True
    )
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    _log_in(page, base)
    assert _current_window(page) == "Last 4 weeks"
    assert page.locator("table tbody tr").count() >= 1
    assert page.get_by_role("heading", name="What is hidden, and why").is_visible()
    no_map = page.locator("p.notice", has_text="The map needs JavaScript")
    assert no_map.is_visible()  # says so up front instead of an empty frame
    page.screenshot(path=str(ARTIFACTS / "dashboard-nojs.png"))

    page.click("#view .tabs >> text=Last 1 week")  # a plain link: a full page load
    page.wait_for_url(f"{base}/organise?window=1")
    assert _current_window(page) == "Last 1 week"

    with page.expect_download() as info:
        page.click("text=Download CSV")
    download = info.value
    assert download.suggested_filename.endswith("-1w.csv")
    assert Path(download.path()).read_text() == to_csv(view_of(demo, window=1))
    table = pd.read_csv(download.path())  # pandas' defaults: a header row, then the data
    assert table["count"].tolist() == [row.count for row in view_of(demo, window=1).rows]

    page.click("nav >> text=Moderation")
    page.wait_for_url(f"{base}/organise/reports")
    button = page.locator("button[formaction^='/organise/reports/'][formaction$='/reject']").first
    report_id = button.get_attribute("formaction").split("/")[3]
    assert _statuses(demo)[report_id] != "rejected"
    button.click()
    page.wait_for_url(f"{base}/organise/reports?*")
    assert "Marked as rejected" in page.locator("[role=status]").inner_text()
    assert _statuses(demo)[report_id] == "rejected"
    context.close()


def test_dashboard_with_javascript_uses_htmx_and_stays_on_this_host(chromium, demo, live_server):
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=VIEWPORT)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    # Chromium's performance hint about leaflet-heat's canvas readback is not a problem.
    page.on(
        "console",
        lambda m: (
            m.type in ("error", "warning")
            and "willReadFrequently" not in m.text
            and problems.append(f"{m.type}: {m.text}")
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    _log_in(page, base)
    frame = page.frame_locator("iframe.map")
    frame.locator("path.leaflet-interactive").first.wait_for()
    assert not page.locator("p.notice", has_text="The map needs JavaScript").is_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
    page.screenshot(path=str(ARTIFACTS / "dashboard-full.png"), full_page=True)

    # htmx swaps the view in place: no navigation, so a mark left on the window survives.
    page.evaluate("window.__mark = 'no full navigation'")
    page.click("#view .tabs >> text=Last 12 weeks")
    page.wait_for_url(f"{base}/organise?window=12")
    page.locator("#view .tabs a[aria-current=true]", has_text="Last 12 weeks").wait_for()
    assert page.evaluate("window.__mark") == "no full navigation"
    assert page.locator("iframe.map").get_attribute("src") == "/organise/map/window-12"
    frame.locator("path.leaflet-interactive").first.wait_for()
    # One drawn shape per shown area of the 12-week view, and the legend of that window.
    shown = view_of(demo, window=12).rows
    assert frame.locator("path.leaflet-interactive").count() == len(shown)
    assert frame.locator(".rw-legend", has_text="Last 12 weeks").is_visible()
    assert page.locator("nav").count() == 1 and page.locator("#view").count() == 1
    page.locator("iframe.map").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "dashboard-map.png"))

    # Back restores the whole page (htmx refetches it), not just the fragment.
    page.go_back()
    page.wait_for_url(f"{base}/organise")
    page.locator("#view .tabs a[aria-current=true]", has_text="Last 4 weeks").wait_for()
    assert page.locator("header.top nav").is_visible()
    assert page.get_by_role("heading", name="What is hidden, and why").is_visible()
    assert page.locator("#view").count() == 1

    violations = _violations(page)

    # Moderation: tabs swap through htmx (the CSRF token travels in the header set on
    # <body>); actions are plain forms, POST then redirect, with JavaScript on too.
    page.click("nav >> text=Moderation")
    page.wait_for_url(f"{base}/organise/reports")
    page.evaluate("window.__mark = 'still no navigation'")
    page.click("#moderation .tabs >> text=Pending")
    page.wait_for_url(f"{base}/organise/reports?status=pending")
    assert page.evaluate("window.__mark") == "still no navigation"
    button = page.locator("button[formaction^='/organise/reports/'][formaction$='/confirm']").first
    report_id = button.get_attribute("formaction").split("/")[3]
    button.click()
    page.wait_for_selector("#moderation [role=status]")
    assert "Marked as confirmed" in page.locator("#moderation [role=status]").inner_text()
    assert _statuses(demo)[report_id] == "confirmed"

    # The session ends (another device logged out everywhere): the next htmx request
    # lands on the login page instead of swapping in a refusal.
    violations += _violations(page)
    expected = len(problems)  # Chromium logs the refusal (401) itself, as it should
    with get_engine(demo).begin() as conn:
        conn.execute(text("DELETE FROM organiser_sessions"))
    page.click("#moderation .tabs >> text=Confirmed")
    page.wait_for_url(f"{base}/login")
    assert page.locator("h1").inner_text() == "Organiser log in"

    violations += _violations(page)
    context.close()
    assert requests and all(url.startswith(base + "/") for url in requests), [
        url for url in requests if not url.startswith(base + "/")
    ]
    assert any("/organise/map/window-12" in url for url in requests)
    assert any("/maps-assets/" in url for url in requests)  # the map's files, from here
    assert not problems[:expected], problems
    assert all("status of 401" in problem for problem in problems[expected:]), problems
    assert violations == []


# -- issue 11, item 3: what tripped organisers -------------------------------------------


def test_weekly_map_title_follows_the_chosen_week(chromium, demo, live_server):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/organise/map/weekly")
    # The map is drawn (the latest week may show no area: noise decides, so no path to wait for).
    page.locator(".leaflet-control-layers-base label").first.wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    zoomable = "width=device-width, initial-scale=1"  # pinch-zoom allowed
    assert page.locator("meta[name=viewport]").get_attribute("content") == zoomable
    weeks = view_of(demo, window=12).weeks
    title = page.locator(".rw-head .rw-sub")
    assert title.inner_text().startswith(f"Week {weeks[-1]} (")
    for week in (weeks[-3], weeks[0], weeks[-1]):
        page.locator(".leaflet-control-layers-base label", has_text=week).click()
        page.wait_for_function(
            "w => document.querySelector('.rw-head .rw-sub').textContent.includes(w)", arg=week
        )
        assert title.inner_text().startswith(f"Week {week} (")
        assert page.locator(".rw-head h1").inner_text() == "Week by week"
        shown = view_of(demo, window=1, ending=week).rows
        assert page.locator(".rw-head .rw-nothing").is_visible() == (not shown)
    context.close()


def test_reloading_the_new_link_page_does_not_rotate_the_link(chromium, demo, live_server):
    base = live_server.url
    context = chromium.new_context(java_script_enabled=False, viewport=VIEWPORT)
    page = context.new_page()
    _log_in(page, base)
    page.goto(f"{base}/organise/networks")
    form = page.locator("form[action$='/rotate']").first
    form.locator("input[name=confirm]").check()
    form.locator("button").click()
    page.wait_for_url(f"{base}/organise/networks/*/new-link")
    link = page.locator("#link").input_value()
    assert "/r/" in link and page.locator("p.link-text code").inner_text() == link
    assert page.request.get(link).status == 200
    page.reload()  # a GET: shows that the link was shown, and makes no new one
    assert "already shown" in page.locator("[role=status]").inner_text()
    assert link not in page.content() and page.locator("#link").count() == 0
    assert page.request.get(link).status == 200  # the link just printed still works
    page.go_back()
    assert link not in page.content()
    context.close()


def test_the_notice_box_shows_only_fixed_texts(chromium, demo, live_server):
    base = live_server.url
    context = chromium.new_context(java_script_enabled=False, viewport=VIEWPORT)
    page = context.new_page()
    _log_in(page, base)
    for url in (
        "/organise/networks?message=Your+network+was+raided.+Call+0800+000000",
        "/organise/networks?message=key-on&about=Call+0800+000000",
        "/organise/reports?message=marked-rejected&of_week=Call+0800",
        "/organise/account?message=%3Cb%3Ehello%3C/b%3E",
    ):
        page.goto(base + url)
        assert page.locator(".notice[role=status]").count() == 0, url
        assert "0800" not in page.locator("main").inner_text() and "hello" not in page.content()
    page.goto(f"{base}/organise/account?message=password-changed")
    assert page.locator(".notice[role=status]").inner_text() == "Your password was changed."
    context.close()


def test_skip_link_comes_first_and_map_shapes_are_no_tab_stops(chromium, demo, live_server):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    _log_in(page, live_server.url)
    page.frame_locator("iframe.map").locator("path.leaflet-interactive").first.wait_for()
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
    assert first == ["skip", "Skip to the downloads and the table of shown areas"]
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Download CSV"
    # Tabbing through the whole page: the map is one named stop plus its controls, and no
    # area shape is ever focused.
    page.goto(f"{live_server.url}/organise?window=12")
    page.frame_locator("iframe.map").locator("path.leaflet-interactive").first.wait_for()
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                """() => { let e = document.activeElement;
                while (e && e.tagName === "IFRAME") e = e.contentDocument.activeElement;
                const name = e.getAttribute("aria-label") || e.textContent.trim();
                return [e.tagName.toLowerCase(), name]; }"""
            )
        )
    tags = [tag for tag, _ in stops]
    assert "path" not in tags
    assert ["div", KEYBOARD_LABEL] in stops  # the map itself, named
    assert stops.index(["a", "Download CSV"]) < 40
    assert page.locator("#areas + table tbody tr").count() == len(view_of(demo, window=12).rows)
    context.close()


def _without_svg(route) -> None:
    """Tor Browser on "Safest" draws no SVG: serve our stylesheet with every SVG hidden."""
    response = route.fetch()
    # The body is already decoded: no content-encoding (the file is sent gzipped) or length.
    headers = {
        k: v for k, v in response.headers.items() if k not in ("content-encoding", "content-length")
    }
    body = response.text() + "\nsvg { display: none !important; }"
    route.fulfill(response=response, headers=headers, body=body)


def test_with_svg_off_charts_and_the_qr_code_have_fallbacks(chromium, demo, live_server):
    base = live_server.url
    context = chromium.new_context(java_script_enabled=False, viewport=VIEWPORT)
    context.route("**/organiser.css", _without_svg)  # at its versioned URL
    page = context.new_page()
    _log_in(page, base)
    charts = page.locator("section.chart")
    assert charts.count() == 2
    for i in range(2):
        chart = charts.nth(i)
        assert not chart.locator("svg").is_visible()  # hidden, as on "Safest"
        chart.locator("summary").click()
        table = chart.locator("table")
        assert table.is_visible() and table.locator("tbody tr").count() >= 1
        assert table.locator("thead th").nth(1).inner_text().endswith(")")  # week and date
    page.goto(f"{base}/organise/summary?window=12")
    assert not page.locator("figure svg").is_visible()
    assert page.locator("table").first.is_visible()
    page.goto(f"{base}/organise/networks")
    form = page.locator("form[action$='/rotate']").first
    form.locator("input[name=confirm]").check()
    form.locator("button").click()
    page.wait_for_url(f"{base}/organise/networks/*/new-link")
    qr = page.locator(".qr img")
    assert qr.is_visible() and qr.get_attribute("src").startswith("data:image/png;base64,")
    assert qr.bounding_box()["width"] > 100
    assert page.locator("p.link-text code").is_visible()
    context.close()


def test_printable_summary_shows_the_released_view(chromium, demo, live_server):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    _log_in(page, live_server.url)
    page.click("text=Printable summary")
    page.wait_for_url(f"{live_server.url}/organise/summary?window=4")
    view = view_of(demo, window=4)
    rows = page.locator(".summary table").first.locator("tbody tr")
    assert rows.count() == min(10, len(view.rows))
    assert rows.first.locator("td").nth(1).inner_text() == view.rows[0].name
    assert page.locator("figure.sketch svg path[fill-rule]").count() == len(view.rows)
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "summary.pdf"))
    page.emulate_media(media="screen")
    page.screenshot(path=str(ARTIFACTS / "summary.png"), full_page=True)
    context.close()
