"""Logging in with a second factor in Debian's Chromium, with JavaScript off and on
(issue 8, item 8): the wrong code is refused with a message, the owner gets in with
password and code while an attacker's failures have throttled the account, the form works
as a plain HTML form, and logging out ends the session."""

from __future__ import annotations

import pytest

from tests.browser import BROWSER_MARKS, launched
from tests.organisers import PASSWORD, THROTTLED_MESSAGE, add_organiser, fresh_code, log_in

pytestmark = BROWSER_MARKS


@pytest.fixture
def chromium():
    with launched() as browser:
        yield browser


def _submit(page, password: str, code: str) -> None:
    page.fill("#username", "erin")
    page.fill("#password", password)
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_totp_login_with_and_without_javascript(chromium, live_server, session, javascript):
    add_organiser(session, "erin", is_admin=True)
    base = live_server.url
    context = chromium.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{base}/organise")
    assert page.url == f"{base}/login"

    _submit(page, PASSWORD, "000000")  # the right password, a wrong code
    assert page.url == f"{base}/login"
    assert "do not match" in page.locator("[role=alert]").inner_text()

    # Someone else guesses until the account is throttled...
    with live_server.client() as attacker:
        statuses = [
            log_in(attacker, "erin", "guess guess guess", code="").status_code for _ in range(6)
        ]
    assert statuses[-1] == 429
    _submit(page, PASSWORD, "")
    assert THROTTLED_MESSAGE in page.locator("[role=alert]").inner_text()
    # ...and the owner still gets in with the password and the app's code.
    _submit(page, PASSWORD, fresh_code(base, "erin"))
    assert page.url == f"{base}/organise"
    assert "erin" in page.locator("header .who").inner_text()

    page.click("header button:has-text('Log out')")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/organise")
    assert page.url == f"{base}/login"
    context.close()
