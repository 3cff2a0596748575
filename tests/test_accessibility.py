"""axe-core on every member and organiser page, in Debian's Chromium (issue 9, point 9).

axe-core (tests/vendor/axe-core, from the npm registry) is injected by this test into each
page; the app never serves it. Pages are checked with JavaScript on: axe needs timers, and
member pages ship no script (their CSP allows none), so their DOM is the same either way.
axe is evaluated through the debugging protocol, which the pages' CSP does not govern.
Every page must have zero violations of WCAG 2.1 A and AA and of axe's best practices.
The results per page are printed as figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from server.demo.history import run_demo
from server.maps.drawing import render_maps
from server.models import Network
from server.networks.links import rotate_link
from tests.browser import BROWSER_MARKS, launched
from tests.factories import add_report
from tests.organisers import PASSWORD, add_organiser, fresh_code, totp_code
from tests.test_database_away import database_away

pytestmark = BROWSER_MARKS

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
RUN = (
    "async () => { const r = await axe.run(document, {runOnly: {type: 'tag', values: TAGS}});"
    " return {violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
    " help: v.help, nodes: v.nodes.map(n => n.html.slice(0, 160)).slice(0, 3)})),"
    " passes: r.passes.length}; }"
).replace("TAGS", json.dumps(TAGS))
RESULTS: dict[str, str] = {}


def axe(page, name: str) -> list[dict]:
    page.evaluate(AXE + "\n;window.__axe = axe;")
    result = page.evaluate(RUN.replace("axe.run", "window.__axe.run"))
    RESULTS[name] = f"{len(result['violations'])} violations, {result['passes']} rules passed"
    return result["violations"]


@pytest.fixture
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture
def world(settings, session):
    # Enough visits that the 4-week view usually shows areas; the noise decides, so the
    # dashboard test waits for the map itself, not for a drawn area.
    run_demo(settings=settings, as_of=settings.today(), weeks=5, visits_per_week=120)
    render_maps(settings=settings)
    network = session.exec(select(Network).order_by(Network.name)).first()
    add_report(session, network, day=settings.today(), setting="street")
    add_organiser(session, "dora", is_admin=True)
    add_organiser(session, "newbie", networks=[network], enrolled=False)
    token = rotate_link(session=session, network=network, key=settings.key())
    return network, token


def test_every_member_page_has_no_axe_violations(browser, world, live_server):
    _, token = world
    base = live_server.url
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    found: dict[str, list] = {}

    page.goto(f"{base}/r/{token}")
    found["member form"] = axe(page, "member form")
    page.fill("#place", "Newport")
    page.click("#send")  # errors everywhere, and a choice of places
    assert page.locator(".error-summary").is_visible()
    found["member form with errors"] = axe(page, "member form with errors")
    page.locator("input[name=place_choice]").first.check()
    page.check("input[name=day][value='1']")
    for field, value in (
        ("time_of_day", "evening"),
        ("setting", "home"),
        ("officers", "1-2"),
        ("vehicles", "0"),
        ("detained", "1"),
        ("source", "saw_it"),
    ):
        page.check(f"input[name={field}][value='{value}']")
    page.click("#send")
    if not page.url.split("?")[0].endswith("/received"):  # the place as understood, to confirm
        found["confirmation"] = axe(page, "confirmation")
        page.click("#send")
    assert page.url.split("?")[0].endswith("/received")
    found["receipt"] = axe(page, "receipt")
    page.goto(f"{base}/r/not-a-real-link")
    found["not found"] = axe(page, "not found")
    live_server.app.state.limits.reset()
    response = page.request.post(
        f"{base}/r/{token}",
        data="note=" + "x" * 20_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 413
    page.set_content(response.text())  # the oversized-report page, as the member sees it
    found["form after an oversized report"] = axe(page, "form after an oversized report")
    with database_away(live_server.app):
        assert page.goto(f"{base}/r/{token}").status == 503
        found["database away"] = axe(page, "database away")

    @live_server.app.get("/r/{token}/boom")
    def boom(token: str) -> None:
        raise RuntimeError("a bug")

    assert page.goto(f"{base}/r/{token}/boom").status == 500
    found["crashed (500)"] = axe(page, "crashed (500)")
    _print(found)
    assert not {name: v for name, v in found.items() if v}, found


def test_every_organiser_page_has_no_axe_violations(browser, world, live_server, settings):
    network, _ = world
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    found: dict[str, list] = {}

    page.goto(f"{base}/login")
    found["login"] = axe(page, "login")
    page.fill("#username", "dora")
    page.fill("#password", "wrong password here")
    page.click("button[type=submit]")
    found["login with an error"] = axe(page, "login with an error")
    page.fill("#username", "dora")
    page.fill("#password", PASSWORD)
    page.fill("#code", fresh_code(base, "dora"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/organise")
    page.frame_locator("iframe.map").locator(".leaflet-container").first.wait_for()
    for name, path in (
        ("dashboard", "/organise"),
        ("dashboard, 12 weeks", "/organise?window=12"),
        ("map page", "/organise/map/window-4"),
        ("weekly map", "/organise/map/weekly"),
        ("printable summary", "/organise/summary?window=12"),
        ("moderation", "/organise/reports"),
        ("networks", "/organise/networks"),
        ("organisers", "/organise/organisers"),
        ("audit log", "/organise/audit"),
        ("account", "/organise/account"),
        ("organiser not found", "/organise/map/no-such-map"),
    ):
        page.goto(f"{base}{path}")
        found[name] = axe(page, name)
    page.goto(f"{base}/organise/networks")
    page.locator(
        f"form[action='/organise/networks/{network.id}/rotate'] input[name=confirm]"
    ).check()
    page.locator(f"form[action='/organise/networks/{network.id}/rotate'] button").click()
    page.wait_for_load_state()
    found["new member link"] = axe(page, "new member link")
    page.reload()
    found["member link already shown"] = axe(page, "member link already shown")
    refused = page.request.post(f"{base}/logout", form={"csrf_token": "not this session's"})
    assert refused.status == 403
    shown_at = f"{base}/organise/refused-page"  # shown at a real address, with its stylesheet
    page.route(
        shown_at,
        lambda route: route.fulfill(status=403, body=refused.text(), content_type="text/html"),
    )
    page.goto(shown_at)
    found["refused (CSRF)"] = axe(page, "refused (CSRF)")

    enrol = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    enrol.goto(f"{base}/login")
    enrol.fill("#username", "newbie")
    enrol.fill("#password", PASSWORD)
    enrol.click("button[type=submit]")
    enrol.wait_for_url(f"{base}/organise/account/second-factor")
    found["second factor set-up"] = axe(enrol, "second factor set-up")
    secret = enrol.locator("code.secret").first.inner_text().replace(" ", "")
    enrol.fill("#code", totp_code(secret))
    enrol.click("button[type=submit]")
    enrol.locator("ol.codes").wait_for()
    found["recovery codes"] = axe(enrol, "recovery codes")
    _print(found)
    assert not {name: v for name, v in found.items() if v}, found


def _print(found: dict[str, list]) -> None:
    for name in found:
        print(f"[figures] axe {name}: {RESULTS[name]}")
