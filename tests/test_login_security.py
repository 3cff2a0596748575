"""Logins under attack (issue 9, points 4, 5 and 7) and the organiser's own account and
second factor (issue 8, item 8), through real HTTP on a real database.

Concurrent guesses are counted before any password is checked, and at most a few argon2id
checks run at once; an attacker's failures never keep out the owner who has the password
and the second factor; the login form is bound to the browser that fetched it, and a new
login ends that browser's previous session. TOTP enrolment (QR as PNG, key as text),
recovery codes (once each), admin reset (audited) and password change.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyotp
import pytest
from sqlmodel import Session, select

from server.db import get_engine
from server.models import AuditEntry, Organiser, OrganiserSession, RecoveryCode
from server.organising import accounts
from tests.organisers import (
    PASSWORD,
    THROTTLED_MESSAGE,
    WRONG_MESSAGE,
    add_organiser,
    csrf_token,
    database_text,
    fresh_code,
    log_in,
    logged_in,
    login_token,
    snapshot,
    totp_code,
)

LIMIT = 5
PER_ADDRESS = 12  # lower than the default 30 (fewer argon2 checks), above one test's 11 attempts


pytestmark = pytest.mark.app_settings(
    login_attempts_per_username=LIMIT, login_attempts_per_address=PER_ADDRESS
)


@pytest.fixture
def people(session):
    return {
        "alice": add_organiser(session, "alice"),
        "root": add_organiser(session, "root", is_admin=True),
        "newbie": add_organiser(session, "newbie", enrolled=False),
    }


class CountingHasher:
    """Stands in for the argon2 hasher: counts checks and the most running at once."""

    def __init__(self, real) -> None:
        self.real, self.checks, self.running, self.most = real, 0, 0, 0
        self.lock = threading.Lock()

    def verify(self, hashed: str, password: str) -> bool:
        with self.lock:
            self.checks += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.real.verify(hashed, password)
        finally:
            with self.lock:
                self.running -= 1

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher(accounts.HASHER)
    monkeypatch.setattr(accounts, "HASHER", counting)
    return counting


def _prepared_guesses(live_server, n: int, username) -> list[tuple[httpx.Client, dict]]:
    """n clients, each with its own pre-session cookie and form token, ready to post."""
    ready = []
    for i in range(n):
        client = live_server.client()
        data = {
            "username": username(i),
            "password": f"wrong guess number {i}",
            "code": "123456",
            "login_token": login_token(client),
        }
        # Its cookies stay; its connection goes, so that the server holds only the guesses'
        # own connections (uvicorn refuses with 503 beyond `limit_concurrency`).
        client.close()
        ready.append((client, data))
    return ready


def _fire(ready) -> list[int]:
    barrier = threading.Barrier(len(ready))

    def one(item) -> int:
        prepared, data = item
        # A fresh connection each, opened together at the barrier.
        with httpx.Client(base_url=str(prepared.base_url), cookies=prepared.cookies) as client:
            barrier.wait()
            return client.post("/login", data=data, timeout=120).status_code

    with ThreadPoolExecutor(len(ready)) as pool:
        statuses = list(pool.map(one, ready))
    return statuses


# -- point 4: count before verifying, bounded argon2 ----------------------------------------


def test_100_concurrent_guesses_for_one_user_reach_argon2_at_most_the_limit(
    live_server, people, hasher, capsys
):
    statuses = _fire(_prepared_guesses(live_server, 100, lambda i: "alice"))
    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) == hasher.checks <= LIMIT, (hasher.checks, statuses.count(401))
    assert hasher.most <= live_server.app.state.settings.login_concurrency
    with capsys.disabled():
        print(
            f"\n[figures] 100 concurrent guesses for one user: {hasher.checks} reached argon2 "
            f"(limit {LIMIT}), at most {hasher.most} at once"
        )


def test_100_concurrent_guesses_from_one_address_reach_argon2_at_most_its_limit(
    live_server, people, hasher, capsys
):
    per_address = live_server.app.state.settings.login_attempts_per_address
    statuses = _fire(_prepared_guesses(live_server, 100, lambda i: f"someone-{i}"))
    assert set(statuses) == {401, 429}, statuses
    assert statuses.count(401) == hasher.checks == per_address, statuses
    with capsys.disabled():
        print(
            f"\n[figures] 100 concurrent guesses from one address: {hasher.checks} reached "
            f"argon2 (limit {per_address})"
        )


# -- point 5: the owner is not locked out --------------------------------------------------


def test_the_owner_with_password_and_code_gets_in_while_an_attacker_is_throttled(
    clients, people, settings, hasher
):
    attacker = clients()
    for _ in range(LIMIT):
        assert log_in(attacker, "alice", "guess guess guess", code="").status_code == 401
    checked = hasher.checks
    # The attacker is out of guesses: no more password checks, even with a code guess.
    for code in ("", "000000", "AAAA-BBBB-CCCC-DDDD"):
        refused = log_in(attacker, "alice", "another guess here", code=code)
        assert refused.status_code == 429 and THROTTLED_MESSAGE in refused.text
    assert hasher.checks == checked
    # The owner, from another browser: password + code still work, and clear the count.
    owner = clients()
    assert log_in(owner, "alice", PASSWORD, code="").status_code == 429
    assert log_in(owner, "alice").status_code == 303
    assert owner.get("/organise").status_code == 200
    # With the password alone (no code) the owner is refused like anyone else.
    assert log_in(clients(), "alice", PASSWORD, code="").status_code == 401


def test_past_the_limit_a_guessed_code_buys_one_password_check_not_more(clients, people, hasher):
    attacker = clients()
    for _ in range(LIMIT):
        assert log_in(attacker, "alice", "guess guess guess", code="").status_code == 401
    code = totp_code()  # as if the attacker had hit the current code by guessing
    checked = hasher.checks
    assert log_in(attacker, "alice", "a guess with the code", code=code).status_code == 401
    assert hasher.checks == checked + 1
    for guess in ("second guess, same code", "third guess, same code"):
        again = log_in(attacker, "alice", guess, code=f" {code[:3]} {code[3:]} ")
        assert again.status_code == 429 and THROTTLED_MESSAGE in again.text
    assert hasher.checks == checked + 1


def test_a_code_that_opened_a_login_opens_no_other(clients, people, hasher):
    """RFC 6238, 5.2: a code seen over a shoulder or phished, sent again within its 90
    seconds with the password, is refused; and past the limit it buys no password check."""
    owner, thief = clients(), clients()
    server = str(owner.base_url)
    code = fresh_code(server, "alice")
    assert log_in(owner, "alice", code=code).status_code == 303
    replay = log_in(thief, "alice", code=f"{code[:3]} {code[3:]}")
    assert replay.status_code == 401 and WRONG_MESSAGE in replay.text
    assert thief.get("/organise").headers["location"] == "/login"
    for _ in range(LIMIT):
        log_in(thief, "alice", "guess guess guess", code="")
    checked = hasher.checks
    again = log_in(thief, "alice", code=code)
    assert again.status_code == 429 and hasher.checks == checked
    # The owner's next code still works, throttled or not.
    assert log_in(clients(), "alice", code=fresh_code(server, "alice")).status_code == 303


def test_the_per_address_limit_does_not_lock_out_an_owner_behind_the_same_address(
    clients, people, live_server
):
    per_address = live_server.app.state.settings.login_attempts_per_address
    for i in range(per_address):
        log_in(clients(), f"nobody-{i}", "guess guess guess")
    assert log_in(clients(), "root", PASSWORD, code="").status_code == 429  # address spent
    assert log_in(clients(), "root").status_code == 303  # but password + code get in


# -- point 7: login CSRF and session pile-up ------------------------------------------------


def test_a_login_token_works_only_in_the_browser_that_fetched_it(clients, people, settings):
    attacker, victim = clients(), clients()
    token = login_token(attacker)
    form = {"username": "alice", "password": PASSWORD, "code": totp_code(), "login_token": token}
    login_token(victim)  # the victim's browser has its own pre-session cookie
    assert victim.post("/login", data=form).status_code == 400
    stranger = clients()  # no pre-session cookie at all
    assert stranger.post("/login", data=form).status_code == 400
    response = attacker.post("/login", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    with Session(get_engine(settings)) as s:
        assert list(s.exec(select(OrganiserSession))) == []
    assert attacker.post("/login", data=form).status_code == 303  # its own browser: fine


def test_a_new_login_ends_the_browsers_previous_session(clients, people, settings):
    browser = logged_in(clients(), "alice")
    first = browser.cookies["rw_session"]
    assert log_in(browser, "root").status_code == 303
    second = browser.cookies["rw_session"]
    assert first != second
    replay = clients()
    replay.cookies.set("rw_session", first)
    assert replay.get("/organise").headers["location"] == "/login"
    with Session(get_engine(settings)) as s:
        rows = list(s.exec(select(OrganiserSession)))
    assert [row.organiser_id for row in rows] == [people["root"].id]


# -- issue 8.8: the second factor ------------------------------------------------------------


def test_an_organiser_without_a_factor_can_only_enrol_and_the_page_changes_nothing(
    clients, people, settings
):
    client = clients()
    response = log_in(client, "newbie", code="")
    assert response.headers["location"] == "/organise/account/second-factor"
    for path in ("/organise", "/organise/networks", "/organise/account"):
        assert client.get(path).headers["location"] == "/organise/account/second-factor"
    before = snapshot(settings)
    page = client.get("/organise/account/second-factor")
    assert page.status_code == 200 and snapshot(settings) == before
    # A PNG QR code (Tor Browser hides SVG) and the key as text.
    assert re.search(r'<img class="qr" src="data:image/png;base64,[A-Za-z0-9+/=]+"', page.text)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1)
    secret = secret.replace(" ", "")
    assert f"secret={secret}" in page.text.replace("&amp;", "&")
    offered = re.search(r'name="offered" value="([^"]+)"', page.text).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    wrong = client.post(
        "/organise/account/second-factor",
        data={"csrf_token": token, "offered": offered, "code": "000000"},
    )
    assert wrong.status_code == 422 and secret in wrong.text.replace(" ", "")  # same secret
    done = client.post(
        "/organise/account/second-factor",
        data={"csrf_token": token, "offered": offered, "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", done.text)
    assert len(set(codes)) == 10
    assert client.get("/organise").status_code == 200
    stored = database_text(settings)
    assert secret not in stored and not any(code in stored for code in codes)
    with Session(get_engine(settings)) as s:
        assert len(list(s.exec(select(RecoveryCode)))) == 10
        actions = [e.action for e in s.exec(select(AuditEntry))]
    assert "second factor enrolled" in actions
    # From now on the password alone is not enough.
    assert log_in(clients(), "newbie", code="").status_code == 401
    assert log_in(clients(), "newbie", code=pyotp.TOTP(secret).now()).status_code == 303
    # A recovery code works once.
    assert log_in(clients(), "newbie", code=codes[0].lower()).status_code == 303
    assert log_in(clients(), "newbie", code=codes[0]).status_code == 401


def test_an_offered_secret_confirms_no_other_account(clients, people, session):
    newbie = log_in(clients(), "newbie", code="")
    assert newbie.status_code == 303
    add_organiser(session, "other", enrolled=False)
    mine, theirs = clients(), clients()
    log_in(mine, "newbie", code="")
    log_in(theirs, "other", code="")
    page = mine.get("/organise/account/second-factor").text
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    offered = re.search(r'name="offered" value="([^"]+)"', page).group(1)
    their_token = re.search(
        r'name="csrf_token" value="([^"]+)"', theirs.get("/organise/account/second-factor").text
    ).group(1)
    response = theirs.post(
        "/organise/account/second-factor",
        data={"csrf_token": their_token, "offered": offered, "code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 422


def test_an_admin_resets_a_lost_factor_and_it_is_audited(clients, people, settings):
    alice = logged_in(clients(), "alice")
    root = logged_in(clients(), "root")
    response = root.post(
        f"/organise/organisers/{people['alice'].id}/second-factor",
        data={"csrf_token": csrf_token(root)},
    )
    assert response.status_code == 303
    assert alice.get("/organise").headers["location"] == "/login"  # her sessions ended
    with Session(get_engine(settings)) as s:
        person = s.get(Organiser, people["alice"].id)
        assert person.totp_secret is None and not person.totp_confirmed
        entries = [(e.username, e.action, e.detail) for e in s.exec(select(AuditEntry))]
    assert ("root", "second factor reset", "alice (1 sessions ended)") in entries
    again = log_in(clients(), "alice", code="")
    assert again.headers["location"] == "/organise/account/second-factor"


def test_only_admins_may_reset_a_factor(clients, people, settings):
    alice = logged_in(clients(), "alice")
    before = snapshot(settings)
    response = alice.post(
        f"/organise/organisers/{people['root'].id}/second-factor",
        data={"csrf_token": csrf_token(alice)},
    )
    assert response.status_code == 403 and snapshot(settings) == before


def test_an_organiser_changes_their_own_password(clients, people, settings):
    laptop, phone = logged_in(clients(), "alice"), logged_in(clients(), "alice")
    new = "a brand new long password"

    def change(current: str, again: str = new) -> httpx.Response:
        return laptop.post(
            "/organise/account/password",
            data={"csrf_token": csrf_token(laptop), "current": current, "new": new, "again": again},
        )

    assert change("not my password").status_code == 401
    assert change(PASSWORD, again="something else").status_code == 422
    response = change(PASSWORD)
    assert response.status_code == 303
    assert laptop.get("/organise").status_code == 200  # this browser stays in
    assert phone.get("/organise").headers["location"] == "/login"  # the others end
    assert log_in(clients(), "alice").status_code == 401
    assert log_in(clients(), "alice", new).status_code == 303
    with Session(get_engine(settings)) as s:
        actions = [(e.username, e.action) for e in s.exec(select(AuditEntry))]
    assert ("alice", "password changed") in actions


def test_cli_reset_prints_a_new_factor_once(settings, people):
    import subprocess
    import sys

    from tests.synthetic import cli_env

    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "organiser", "reset-second-factor", "alice"],
        capture_output=True,
        text=True,
        env=cli_env(settings),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [uri] = [line for line in done.stdout.splitlines() if line.startswith("otpauth://totp/")]
    assert "issuer=raidwatch" in uri and "alice" in uri
    codes = re.findall(r"^  ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})$", done.stdout, re.M)
    assert len(codes) == 10
    with Session(get_engine(settings)) as s:
        entries = [(e.username, e.action) for e in s.exec(select(AuditEntry))]
    assert ("cli", "second factor reset") in entries
