"""Every language in a real Chromium on a 360 px phone: the whole flow with JavaScript off,
right-to-left layout, text at 200 %, visible focus, no missing glyphs, no axe violations.

The expected texts come from the catalogs themselves (gettext in that language), so these
tests check what the member sees, not a copy of the translations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from sqlmodel import func, select

from server.i18n import LANGUAGES, gettext, speaking
from server.i18n.catalogs import catalog_paths
from server.i18n.languages import by_code
from server.models import Report
from tests.axe import axe_violations, describe
from tests.browser import ARTIFACTS, BROWSER_MARKS, launched

pytestmark = BROWSER_MARKS
# Written on every run (not committed from here); docs/screenshots/ holds copies.
SCREENSHOTS = ARTIFACTS
FLOW = ["ar", "fa", "bn", "ti", "pl"]
SCREENSHOT_LANGUAGES = {"ar", "ti"}
PHONE = {"width": 360, "height": 740}


def said(code: str, message: str, **params: object) -> str:
    language = by_code(code)
    assert language is not None
    with speaking(language):
        return gettext(message, **params)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with launched() as browser:
        yield browser


def _phone(chromium, code: str, *, javascript: bool = False):
    """A phone whose browser asks for `code` first (as its Accept-Language)."""
    context = chromium.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale=code,
        extra_http_headers={"Accept-Language": f"{code},en;q=0.5"},
    )
    return context, context.new_page()


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _answer_the_rest(page) -> None:
    page.check("input[name=day][value='1']")
    for field, value in (
        ("time_of_day", "evening"),
        ("setting", "shop"),
        ("officers", "3-5"),
        ("vehicles", "2-3"),
        ("detained", "1"),
    ):
        page.check(f"input[name={field}][value='{value}']")


@pytest.mark.parametrize("code", FLOW)
def test_a_member_does_the_whole_flow_in_their_language(
    chromium, live_server, network, session, code
):
    _, token = network
    language = by_code(code)
    assert language is not None
    context, page = _phone(chromium, code)
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    shots = code in SCREENSHOT_LANGUAGES
    if shots:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The form, chosen by the browser's language alone.
    page.goto(f"{live_server.url}/r/{token}")
    assert page.locator("html").get_attribute("lang") == code
    assert page.locator("html").get_attribute("dir") == language.dir
    assert page.locator("h1").inner_text() == said(code, "Report an enforcement visit")
    assert said(code, "This is not an alert line") in page.locator(".not-alert").inner_text()
    _no_sideways_scroll(page)
    # Logical properties: the accent bar sits at the start of the line, right or left.
    start, end = ("right", "left") if language.rtl else ("left", "right")
    border = page.evaluate(
        "side => getComputedStyle(document.querySelector('.promise'))['border' + side + 'Width']",
        start.capitalize(),
    )
    assert border == "4px"
    if shots:
        page.screenshot(
            path=str(SCREENSHOTS / f"member-form-{code}-360px-nojs.png"), full_page=True
        )

    # An ambiguous place and a missing answer: one page of errors, in order, in the language.
    page.fill("#place", "Newport")
    page.check("input[name=source][value=saw_it]")
    page.click("#send")
    assert page.locator("html").get_attribute("lang") == code
    summary = page.locator(".error-summary")
    assert summary.locator("h2").inner_text() == said(code, "Please check these answers")
    assert (
        page.locator("#place-error")
        .inner_text()
        .endswith(
            said(
                code,
                "Several places have that name. Choose one below, or type a postcode district.",
            )
        )
    )
    assert page.locator("input[name=place_choice]").count() >= 2
    assert page.locator("input[name=source][value=saw_it]").is_checked(), "answers are kept"
    links = summary.locator("a")
    assert links.first.get_attribute("href") == "#occurred_on"
    _no_sideways_scroll(page)
    if shots:
        page.screenshot(
            path=str(SCREENSHOTS / f"member-errors-{code}-360px-nojs.png"), full_page=True
        )
    # The summary's first link lands on the first day choice, in view.
    links.first.click()
    assert page.url.endswith("#occurred_on")
    assert page.evaluate("document.querySelector(':target').tagName") == "INPUT"
    box = page.locator("#occurred_on").bounding_box()
    assert box and 0 <= box["y"] < PHONE["height"]

    # Choose the place, answer the rest: the receipt, in the language.
    page.locator("input[name=place_choice]").first.check()
    _answer_the_rest(page)
    page.click("#send")
    # The place as understood, in the language, before anything counts: then send.
    assert page.locator("html").get_attribute("lang") == code
    _no_sideways_scroll(page)
    page.click("#send")
    assert re.search(rf"/r/{token}/received\?lang={code}$", page.url)
    assert page.locator("html").get_attribute("lang") == code
    assert page.locator("h1").inner_text() == said(code, "Thank you. Your report was received.")
    _no_sideways_scroll(page)
    if shots:
        page.screenshot(
            path=str(SCREENSHOTS / f"member-receipt-{code}-360px-nojs.png"), full_page=True
        )
    assert hosts == {live_server.url.split("/")[2]}, "every request stays on this host"
    context.close()
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Report)).one() == 1


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_text_at_200_percent_fits_a_360px_screen(chromium, live_server, network, language):
    """WCAG 1.4.4: the browser's text size doubled, nothing needs sideways scrolling."""
    _, token = network
    context, page = _phone(chromium, language.code)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page.goto(f"{live_server.url}/r/{token}")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 36
    _no_sideways_scroll(page)
    title = page.locator("h1")
    assert title.evaluate("h => h.scrollWidth <= h.clientWidth")
    page.fill("#place", "Newport")
    page.click("#send")
    _no_sideways_scroll(page)
    context.close()


def _contrast(css_colour: str) -> float:
    """Contrast of an rgb() colour against white (WCAG relative luminance)."""
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_the_focus_ring_stands_out_at_least_3_to_1(chromium, live_server, network):
    _, token = network
    context, page = _phone(chromium, "en")
    page.goto(f"{live_server.url}/r/{token}")
    seen: dict[str, float] = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        kind = page.evaluate(
            "() => { const a = document.activeElement;"
            " return a.tagName === 'INPUT' ? 'input-' + a.type : a.tagName.toLowerCase(); }"
        )
        ringed = "label.choice" if kind == "input-radio" else ":focus"
        style = page.evaluate(
            "sel => { const e = sel === ':focus' ? document.activeElement"
            " : document.activeElement.closest('label');"
            " const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor]; }",
            ringed,
        )
        assert style[0] == "solid", f"{kind} has a visible outline"
        seen[kind] = _contrast(style[1])
        if {"a", "input-radio", "input-text"} <= set(seen):
            break
    assert {"a", "input-radio", "input-text"} <= set(seen)
    assert min(seen.values()) >= 3.0, seen
    context.close()


def _catalog_characters(locale: str) -> set[str]:
    po, _ = catalog_paths(locale)
    with po.open("rb") as source:
        catalog = read_po(source)
    text = "".join(
        m.string if isinstance(m.string, str) else "".join(m.string or ()) for m in catalog if m.id
    )
    return set(text)


# Characters that draw nothing by design (spaces, joiners, marks of direction).
INVISIBLE = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
GLYPHS = """
chars => {
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const g = c.getContext('2d', {willReadFrequently: true});
  g.font = '32px ' + getComputedStyle(document.body).fontFamily;
  const draw = s => { g.clearRect(0, 0, 48, 48); g.fillText(s, 4, 36);
    const d = g.getImageData(0, 0, 48, 48).data; let h = 0;
    for (let i = 3; i < d.length; i += 4) h = (h * 31 + d[i]) | 0; return h; };
  // Code points no font has: what Chromium draws for them is the missing-glyph box.
  const tofu = new Set(['\\u0378', '\\u{10FFFD}'].map(draw));
  return {tofu: tofu.size, missing: chars.filter(ch => tofu.has(draw(ch)))};
}
"""


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_every_language_renders_without_missing_glyphs_and_passes_axe(
    chromium, live_server, network, language
):
    """System fonts only (no web fonts): each character of the catalog and the page must
    have a glyph; then axe-core checks the form, the error page and the receipt."""
    _, token = network
    context, page = _phone(chromium, language.code, javascript=True)
    page.goto(f"{live_server.url}/r/{token}")
    # The detector works: a code point no font covers is reported.
    assert page.evaluate(GLYPHS, ["\u0379"]) == {"tofu": 1, "missing": ["\u0379"]}
    characters = _catalog_characters(language.locale) if language.code != "en" else set()
    characters |= set(page.locator("body").inner_text())
    checked = sorted(ch for ch in characters if not INVISIBLE.match(ch))
    assert page.evaluate(GLYPHS, checked)["missing"] == []

    problems = {"form": axe_violations(page)}
    page.fill("#place", "Newport")
    page.click("#send")
    problems["errors"] = axe_violations(page)
    page.locator("input[name=place_choice]").first.check()
    _answer_the_rest(page)
    page.check("input[name=source][value=saw_it]")
    page.click("#send")
    assert page.locator("html").get_attribute("lang") == language.code
    problems["confirmation"] = axe_violations(page)  # the place as understood, to confirm
    page.click("#send")
    assert "/received" in page.url
    problems["receipt"] = axe_violations(page)
    assert {k: describe(v) for k, v in problems.items() if v} == {}
    context.close()
