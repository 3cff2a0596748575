"""The member form in a real Chromium on a phone-sized screen with JavaScript off, as a
member on Tor Browser "Safest" would use it: every request stays on this host."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from server.models import Report
from tests.browser import ARTIFACTS, BROWSER_MARKS, launched

pytestmark = BROWSER_MARKS


@pytest.fixture
def phone():
    with launched() as browser:
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, java_script_enabled=False
        )
        yield context.new_page()


def _answer(page) -> None:
    page.check("input[name=day][value='0']")
    for field, value in (
        ("time_of_day", "evening"),
        ("setting", "workplace"),
        ("officers", "3-5"),
        ("vehicles", "2-3"),
        ("detained", "1"),
        ("source", "saw_it"),
    ):
        page.check(f"input[name={field}][value='{value}']")


def test_a_member_reports_with_javascript_off_on_a_narrow_screen(
    phone, live_server, network, session
):
    _, token = network
    hosts: set[str] = set()
    phone.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    phone.goto(f"{live_server.url}/r/{token}")
    # Nothing overflows sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.fill("#place", "Newport")
    phone.check("input[name=source][value=saw_it]")
    phone.click("#send")
    # An ambiguous place: the form comes back with choices and the answers kept.
    assert phone.locator("#place-error").is_visible()
    assert phone.locator("input[name=source][value=saw_it]").is_checked()
    assert phone.locator("input[name=place_choice]").count() >= 2
    phone.locator("input[name=place_choice]").first.check()
    _answer(phone)
    phone.click("#send")
    # Nothing counts yet: the member sees what their words were understood as.
    assert phone.locator("h1").inner_text() == "Is this right?"
    assert phone.locator(".place-understood").inner_text() == "Newport, Wales (NP20)"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Report)).one() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "member-confirm.png"), full_page=True)
    phone.click("button[value=yes]")
    assert phone.url.endswith(f"/r/{token}/received?lang=en")
    assert "Your report was received" in phone.locator("h1").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "member-receipt.png"), full_page=True)
    assert hosts == {live_server.url.split("/")[2]}
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Report)).one() == 1


def test_a_member_corrects_the_understood_place_with_javascript_off(
    phone, live_server, network, session
):
    net, token = network
    net.home_area = "E, IG"
    session.add(net)
    session.commit()
    phone.goto(f"{live_server.url}/r/{token}")
    _answer(phone)
    phone.fill("#place", "Dalston")
    phone.click("#send")
    # The East London network's Dalston is understood; the member meant the other one.
    assert phone.locator(".place-understood").inner_text() == "Dalston, Hackney (E8)"
    phone.click("button[value=edit]")
    assert phone.locator("#place").input_value() == "Dalston"
    assert phone.locator("input[name=officers][value='3-5']").is_checked()
    phone.check("input[name=place_choice] >> nth=0")
    assert "Cumbria" in phone.locator("label:has(input[name=place_choice])").first.inner_text()
    phone.click("#send")
    assert phone.locator(".place-understood").inner_text() == "Dalston, Cumbria (CA5)"
    phone.click("button[value=yes]")
    assert phone.url.split("?")[0].endswith(f"/r/{token}/received")
    session.expire_all()
    assert [r.district for r in session.exec(select(Report))] == ["CA5"]


def test_the_date_box_shows_only_for_an_earlier_day_with_javascript_off(
    phone, live_server, network, session
):
    """Today / Yesterday / 2 days ago need no date: the native date box (mm/dd/yyyy in an
    American-English browser) appears only once "Earlier" is chosen, by CSS alone."""
    _, token = network
    phone.goto(f"{live_server.url}/r/{token}")
    date_box = phone.locator("#occurred_on-date")
    assert date_box.count() == 1 and not date_box.is_visible()
    phone.check("input[name=day][value='1']")
    assert not date_box.is_visible()
    phone.check("#occurred_on-earlier")
    assert date_box.is_visible()
    # "Earlier" without a date: the error's link lands on the date box, shown and in view.
    phone.fill("#place", "E8")
    phone.click("#send")
    assert phone.locator("#occurred_on-earlier").is_checked() and date_box.is_visible()
    link = phone.locator(".error-summary a[href='#occurred_on-date']")
    link.click()
    assert phone.evaluate("document.querySelector(':target').id") == "occurred_on-date"
    box = date_box.bounding_box()
    assert box and 0 <= box["y"] < 740
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Report)).one() == 0
