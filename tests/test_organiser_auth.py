"""Organiser authentication through real HTTP on a real database (threat 5 in DESIGN.md).

Login and its throttle, session expiry, the cookie's attributes, CSRF on every
state-changing route, logout (here and everywhere), disabled accounts, argon2id, the
`raidwatch organiser create` command, and the route crawl: every organiser route the app
registers refuses an anonymous request, and an organiser cannot reach another network.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import time
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from server.db import get_engine
from server.intake.sealing import new_keypair
from server.models import AuditEntry, Network, Organiser, OrganiserSession, Report
from server.organising import logins
from server.organising.accounts import create_organiser
from tests.conftest import PG_URL
from tests.factories import PASSWORD, add_organiser, add_report, make_network, storage_cell
from tests.organisers import (
    THROTTLED_MESSAGE,
    WRONG_MESSAGE,
    Route,
    csrf_token,
    database_text,
    fresh_code,
    log_in,
    logged_in,
    random_id,
    registered_routes,
    snapshot,
    totp_code,
)
from tests.synthetic import DENSE, RAIDWATCH, cli_env

ATTEMPTS = 3
ORGANISER_PREFIXES = ("/organise", "/logout")
# Routes anyone may request, each for a reason: member pages and the API are guarded by
# member tokens, assets are public files. A new route must be classified here or be an
# organiser route (and then the crawl checks that it refuses strangers).
PUBLIC = {
    "/api/v1/openapi.json",
    "/static/{path}",
    "/static/v/{digest}/{name}",
    "/maps-assets/{path}",
    "/vendor/htmx.min.js",
    "/r/{token}",
    "/r/{token}/received",
    "/api/v1/reports",
    "/login",
    "/healthz",
    "/readyz",  # readiness: no secrets, nothing about reports (tests/test_database_away.py)
}
ID_PARAMS = {"network_id", "report_id", "organiser_id"}
# Enrolling acts only for an organiser without a second factor (tested in test_second_factor).
ENROLLED_NOOP = {"/organise/account/second-factor"}


pytestmark = pytest.mark.pub(login_attempts_per_username=ATTEMPTS, trend_epsilon=1.0)


def moderated_day(pub) -> date:
    """Last Sunday: its week has closed and, published no later than the Monday after, is
    not released, so its reports are open to moderation whatever day the tests run."""
    today = pub.today()
    return today - timedelta(days=today.isoweekday())


@dataclass
class World:
    alpha: Network
    bravo: Network
    alice: Organiser  # organiser of alpha only
    bob: Organiser  # organiser of bravo only
    root: Organiser  # admin
    alpha_report: Report
    bravo_report: Report


@pytest.fixture
def world(session: Session, pub) -> World:
    alpha, bravo = make_network(session, "Network Alpha"), make_network(session, "Network Bravo")
    day = moderated_day(pub)
    alpha_report = add_report(session, alpha, day=day, setting="home")
    bravo_report = add_report(
        session, bravo, day=day, setting="street", cell=storage_cell(DENSE[1])
    )
    return World(
        alpha=alpha,
        bravo=bravo,
        alice=add_organiser(session, "alice-of-alpha", networks=[alpha]),
        bob=add_organiser(session, "bob-of-bravo", networks=[bravo]),
        root=add_organiser(session, "root-admin", is_admin=True),
        alpha_report=alpha_report,
        bravo_report=bravo_report,
    )


def _set_expiry(settings, **values: int) -> None:
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    with get_engine(settings).begin() as conn:
        conn.execute(text(f"UPDATE organiser_sessions SET {assignments}"), values)


def _session_rows(settings) -> list[OrganiserSession]:
    with Session(get_engine(settings)) as s:
        return list(s.exec(select(OrganiserSession)))


def _set_cookies(response: httpx.Response) -> list[str]:
    """The session cookies a response sets (the login form's pre-session cookie aside)."""
    return [c for c in response.headers.get_list("set-cookie") if "rw_session=" in c]


# -- logging in ----------------------------------------------------------------------------


def test_login_starts_a_session_and_shows_the_dashboard(clients, world, pub):
    client = clients()
    assert client.get("/organise").headers["location"] == "/login"
    response = log_in(client, "Alice-Of-Alpha ")  # usernames are case- and space-insensitive
    assert response.status_code == 303 and response.headers["location"] == "/organise"
    dashboard = client.get("/organise")
    assert dashboard.status_code == 200 and "alice-of-alpha" in dashboard.text
    [row] = _session_rows(pub)
    assert row.organiser_id == world.alice.id
    with Session(get_engine(pub)) as s:
        entries = [(e.username, e.action, e.day) for e in s.exec(select(AuditEntry))]
    assert entries == [("alice-of-alpha", "login", pub.today())]


def test_wrong_password_and_unknown_user_get_the_same_answer(clients, world, pub):
    client = clients()
    wrong = log_in(client, "alice-of-alpha", "not the password at all")
    unknown = log_in(client, "nobody-here", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert WRONG_MESSAGE in response.text
        assert not _set_cookies(response)

    def page(response: httpx.Response, username: str) -> str:  # less the echo and a new token
        text = response.text.replace(username, "X")
        return re.sub(r'name="login_token" value="[^"]*"', "", text)

    assert page(wrong, "alice-of-alpha") == page(unknown, "nobody-here")
    assert _session_rows(pub) == []
    assert client.get("/organise").status_code == 303


def test_a_forged_login_form_is_refused(clients, world, pub):
    client = clients()
    response = client.post(
        "/login",
        data={
            "username": "alice-of-alpha",
            "password": PASSWORD,
            "login_token": "forged.token.value",
        },
    )
    assert response.status_code == 400 and "login form expired" in response.text
    assert _session_rows(pub) == []


def test_throttle_refuses_further_guesses_without_the_second_factor(clients, world, pub):
    client = clients()
    # Variants of one username (case, spaces) are one account, so they share one counter.
    for variant in ("alice-of-alpha", "ALICE-of-alpha", " alice-of-alpha ")[:ATTEMPTS]:
        assert log_in(client, variant, "wrong password, wrong").status_code == 401
    for variant, code in (("alice-of-alpha", ""), ("  Alice-Of-Alpha", "000000")):
        refused = log_in(client, variant, PASSWORD, code=code)
        assert refused.status_code == 429, refused.text
        assert THROTTLED_MESSAGE in refused.text and "Wait 15 minutes" in refused.text
        assert not _set_cookies(refused)
    assert _session_rows(pub) == []
    # Another account is not locked out by alice's failures.
    assert log_in(clients(), "bob-of-bravo").status_code == 303


def test_the_throttle_stores_no_address(clients, world, pub, live_server):
    for _ in range(ATTEMPTS + 1):
        log_in(clients(), "alice-of-alpha", "wrong password, wrong")
    assert log_in(clients(), "alice-of-alpha", code="").status_code == 429  # throttle is on...
    stored = database_text(pub)
    assert "127.0.0.1" not in stored and "alice-of-alpha" in stored  # ...and keeps no address


# -- sessions ------------------------------------------------------------------------------


def test_idle_session_expires(clients, world, pub):
    client = logged_in(clients(), "alice-of-alpha")
    assert client.get("/organise").status_code == 200
    _set_expiry(pub, idle_expiry=int(time.time()) - 1)
    response = client.get("/organise")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _session_rows(pub) == []  # an expired session is deleted, not kept


def test_absolute_expiry_ends_a_busy_session(clients, world, pub):
    client = logged_in(clients(), "alice-of-alpha")
    _set_expiry(pub, idle_expiry=int(time.time()) + 3600, absolute_expiry=int(time.time()) - 1)
    assert client.get("/organise").headers["location"] == "/login"
    assert _session_rows(pub) == []


def test_activity_renews_the_idle_timer_but_never_past_the_absolute_limit(session, world):
    idle, absolute, window = 30 * 60, 12 * 3600, 3600
    start = 1_800_000_000.0 + 600  # ten minutes into a mixing window
    begin = {
        "session": session,
        "organiser": world.alice,
        "idle_seconds": idle,
        "absolute_seconds": absolute,
        "window_seconds": window,
        "now": start,
    }
    raw, other, third = (logins.start(**begin) for _ in range(3))

    def resume(token: str, now: float):
        return logins.resume(
            session=session, raw=token, idle_seconds=idle, window_seconds=window, now=now
        )

    # Expiries are rounded up to the mixing window (P2): silent for the idle limit plus one
    # window, a session is gone; the limit itself is never cut short.
    assert resume(third, start + idle - 1) is not None
    assert resume(other, start + idle + window) is None
    # Active every 20 minutes: alive until the (rounded) absolute limit, then gone.
    limit = (start + absolute) // window * window + window
    now = start
    while now + 20 * 60 < limit:
        now += 20 * 60
        active = resume(raw, now)
        assert active is not None and active.organiser.id == world.alice.id
        assert active.record.idle_expiry <= limit
    assert resume(raw, limit) is None


def test_session_id_is_128_random_bits_stored_only_as_a_hash(clients, world, pub):
    first = logged_in(clients(), "alice-of-alpha").cookies["rw_session"]
    second = logged_in(clients(), "alice-of-alpha").cookies["rw_session"]
    assert first != second
    for raw in (first, second):
        assert len(base64.urlsafe_b64decode(raw + "==")) == 16
    hashes = {row.id_hash for row in _session_rows(pub)}
    assert hashes == {hashlib.sha256(raw.encode()).hexdigest() for raw in (first, second)}
    stored = database_text(pub)
    assert first not in stored and second not in stored
    if not PG_URL:  # the SQLite file and its WAL, byte for byte
        from tests.test_privacy_invariants import everything_stored

        blob = everything_stored(pub)
        assert first.encode() not in blob and second.encode() not in blob


# -- the cookie ----------------------------------------------------------------------------


def _cookie_attributes(header: str) -> tuple[str, set[str]]:
    name_value, *attributes = [part.strip() for part in header.split(";")]
    return name_value.split("=", 1)[0], {a.lower() for a in attributes}


def test_cookie_on_plain_http_loopback_drops_only_secure(clients, world):
    response = log_in(clients(), "alice-of-alpha")
    [header] = _set_cookies(response)
    name, attributes = _cookie_attributes(header)
    assert name == "rw_session"  # __Host- demands Secure, which plain http cannot carry
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes and not any(a.startswith("domain") for a in attributes)


@pytest.mark.parametrize(
    "headers",
    # plain http, but not loopback: no relaxation. (A TLS proxy's X-Forwarded-Proto counts
    # only from a trusted proxy: tests/test_request_guards.py.)
    [{"Host": "raidwatch.example"}],
    ids=["other-host"],
)
def test_cookie_is_host_prefixed_and_secure_off_loopback(clients, world, headers):
    client = clients()
    token_page = client.get("/login", headers=headers)
    token = token_page.text.split('name="login_token" value="')[1].split('"')[0]
    # The pre-session cookie is Secure there too; a TLS browser would send it back.
    [pre_session] = token_page.headers.get_list("set-cookie")
    assert pre_session.startswith("__Host-rw_login=") and "Secure" in pre_session
    response = client.post(
        "/login",
        headers={**headers, "Cookie": pre_session.split(";")[0]},
        data={
            "username": "alice-of-alpha",
            "password": PASSWORD,
            "code": fresh_code(str(client.base_url), "alice-of-alpha"),
            "login_token": token,
        },
    )
    [header] = _set_cookies(response)
    name, attributes = _cookie_attributes(header)
    assert name == "__Host-rw_session"
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attributes
    assert not any(a.startswith("domain") for a in attributes)  # __Host- forbids Domain


def test_secure_cookies_setting_forces_host_prefix_even_on_loopback(
    clients, world, live_server, pub
):
    # The app reads its settings per request; switch the deployment's setting on.
    live_server.app.state.settings = pub.model_copy(update={"secure_cookies": True})
    client = clients()
    page = client.get("/login")
    pre_session = page.headers["set-cookie"].split(";")[0]
    token = page.text.split('name="login_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        headers={"Cookie": pre_session},
        data={
            "username": "alice-of-alpha",
            "password": PASSWORD,
            "code": fresh_code(str(client.base_url), "alice-of-alpha"),
            "login_token": token,
        },
    )
    [header] = _set_cookies(response)
    name, attributes = _cookie_attributes(header)
    assert name == "__Host-rw_session" and {"secure", "httponly", "samesite=strict"} <= attributes
    raw = header.split(";")[0].split("=", 1)[1]
    # httpx (like a browser) keeps a Secure cookie off plain http; a TLS client would send it.
    assert client.get("/organise").status_code == 303
    bare = clients()
    assert bare.get("/organise", headers={"Cookie": f"__Host-rw_session={raw}"}).status_code == 200
    assert bare.get("/organise", headers={"Cookie": f"rw_session={raw}"}).status_code == 303


# -- CSRF and GET --------------------------------------------------------------------------


def _organiser_routes(app) -> list[Route]:
    routes = [r for r in registered_routes(app) if r.path.startswith(ORGANISER_PREFIXES)]
    paths = {r.path for r in routes}
    # The crawl reads the routes from the app; make sure it really found them.
    assert {
        "/organise",
        "/organise/reports/{report_id}/{action}",
        "/logout",
        "/organise/networks/{network_id}/rotate",
    } <= paths, paths
    return routes


def _samples(world: World, *, of: str = "alpha") -> dict[str, str]:
    """Path parameters that name real things (of alpha or of bravo)."""
    if of == "alpha":
        ids = {
            "network_id": world.alpha.id,
            "report_id": world.alpha_report.id,
            "organiser_id": world.bob.id,
        }
    else:
        ids = {
            "network_id": world.bravo.id,
            "report_id": world.bravo_report.id,
            "organiser_id": world.bob.id,
        }
    return {
        **{k: str(v) for k, v in ids.items()},
        "action": "reject",
        "name": "window-4",
        "fmt": "csv",
    }


def _url(route: Route, samples: dict[str, str]) -> str:
    unknown = set(route.params) - set(samples)
    assert not unknown, (
        f"{route.method} {route.path}: the crawl does not know the path "
        f"parameter(s) {unknown}; add a sample that names a real object"
    )
    return route.url(samples)


def _form(pub) -> dict[str, str]:
    """One form that makes every state-changing route do something when the token is right."""
    return {
        "public_key": new_keypair()[0],
        "counting_rule": "confirmed_or_corroborated",
        "username": "mallory",
        "password": PASSWORD,
        "role": "admin",
        "status": "",
        "confirm": "yes",
        # /organise/account/password: the same password again still replaces the hash
        "current": PASSWORD,
        "new": PASSWORD,
        "again": PASSWORD,
        "code": totp_code(),
    }


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
    clients, world, pub, live_server
):
    client = logged_in(clients(), "root-admin")
    posts = [r for r in _organiser_routes(live_server.app) if r.method != "GET"]
    assert len(posts) >= 8
    for route in posts:
        form = _form(pub)
        url = _url(route, _samples(world))
        before = snapshot(pub)
        for data, headers in (
            (form, {}),
            ({**form, "csrf_token": "wrong"}, {}),
            ({**form, "csrf_token": ""}, {"X-CSRF-Token": "wrong"}),
            ({**form, "csrf_token": "x" * 43}, {}),  # the right shape, the wrong value
        ):
            response = client.request(route.method, url, data=data, headers=headers)
            assert response.status_code == 403, (route, response.status_code)
            assert "Refused" in response.text
            assert snapshot(pub) == before, f"{route.method} {url} changed state without CSRF"
        # The same request with the session's token does change something, so the refusals
        # above are not vacuous.
        token = csrf_token(client)
        response = client.request(route.method, url, data={**form, "csrf_token": token})
        assert response.status_code in (200, 303), (route, response.status_code, response.text)
        if route.path in ENROLLED_NOOP:
            continue
        assert snapshot(pub) != before, f"{route.method} {url}: the sample request did nothing"
        if route.path.startswith("/logout"):
            client = logged_in(clients(), "root-admin")


def test_csrf_token_is_also_accepted_as_the_htmx_header(clients, world, pub):
    client = logged_in(clients(), "alice-of-alpha")
    token = csrf_token(client)
    url = f"/organise/reports/{world.alpha_report.id}/confirm"
    assert client.post(url, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    response = client.post(url, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "Marked as confirmed" in response.text
    with Session(get_engine(pub)) as s:
        assert s.get(Report, world.alpha_report.id).status == "confirmed"


def test_another_sessions_csrf_token_is_refused(clients, world, pub):
    mine, theirs = logged_in(clients(), "alice-of-alpha"), logged_in(clients(), "alice-of-alpha")
    before = snapshot(pub)
    response = mine.post(
        f"/organise/reports/{world.alpha_report.id}/reject", data={"csrf_token": csrf_token(theirs)}
    )
    assert response.status_code == 403 and snapshot(pub) == before


def test_no_get_request_changes_anything(clients, world, pub, live_server):
    from server.publishing.jobs import publish_and_draw

    publish_and_draw(settings=pub, as_of=moderated_day(pub) + timedelta(days=1))
    client = logged_in(clients(), "root-admin")
    routes = _organiser_routes(live_server.app)
    readable = {route.path for route in routes if route.method == "GET"}
    before = snapshot(pub)
    for route in routes:
        response = client.get(_url(route, _samples(world)))
        expected = (200,) if route.path in readable else (405,)
        if route.path in ENROLLED_NOOP:
            expected = (303,)  # enrolled already: sent to the account page
        assert response.status_code in expected, (route, response.status_code)
    assert snapshot(pub) == before
    assert client.get("/organise").status_code == 200  # GET /logout did not log out


# -- logging out ---------------------------------------------------------------------------


def test_logout_ends_this_session_only(clients, world, pub):
    laptop, phone = logged_in(clients(), "alice-of-alpha"), logged_in(clients(), "alice-of-alpha")
    raw = laptop.cookies["rw_session"]
    response = laptop.post("/logout", data={"csrf_token": csrf_token(laptop)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    name, attributes = _cookie_attributes(_set_cookies(response)[0])
    assert name == "rw_session" and "max-age=0" in attributes
    # Replaying the old cookie value gets nowhere; the other device is still in.
    replay = clients()
    replay.cookies.set("rw_session", raw)
    assert replay.get("/organise").headers["location"] == "/login"
    assert phone.get("/organise").status_code == 200
    assert len(_session_rows(pub)) == 1


def test_log_out_everywhere_ends_every_session_of_that_organiser(clients, world, pub):
    laptop, phone = logged_in(clients(), "alice-of-alpha"), logged_in(clients(), "alice-of-alpha")
    bob = logged_in(clients(), "bob-of-bravo")
    response = laptop.post("/logout-everywhere", data={"csrf_token": csrf_token(laptop)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    for client in (laptop, phone):
        assert client.get("/organise").headers["location"] == "/login"
    assert bob.get("/organise").status_code == 200
    assert {row.organiser_id for row in _session_rows(pub)} == {world.bob.id}
    with Session(get_engine(pub)) as s:
        actions = {(e.username, e.action, e.detail) for e in s.exec(select(AuditEntry))}
    assert ("alice-of-alpha", "logout everywhere", "2 sessions") in actions


def test_a_disabled_organiser_is_logged_out_and_cannot_log_in(clients, world, pub):
    alice = logged_in(clients(), "alice-of-alpha")
    root = logged_in(clients(), "root-admin")
    toggle = f"/organise/organisers/{world.alice.id}/active"
    response = root.post(toggle, data={"csrf_token": csrf_token(root)})
    assert response.status_code == 303 and "disabled" in response.headers["location"]
    assert alice.get("/organise").headers["location"] == "/login"
    refused = log_in(clients(), "alice-of-alpha")
    assert refused.status_code == 401 and WRONG_MESSAGE in refused.text
    assert all(row.organiser_id != world.alice.id for row in _session_rows(pub))
    root.post(toggle, data={"csrf_token": csrf_token(root)})  # enabled again
    assert log_in(clients(), "alice-of-alpha").status_code == 303


def test_an_admin_cannot_disable_themselves(clients, world, pub):
    root = logged_in(clients(), "root-admin")
    response = root.post(
        f"/organise/organisers/{world.root.id}/active",
        data={"csrf_token": csrf_token(root)},
        follow_redirects=True,
    )
    assert "You cannot disable yourself." in response.text
    assert root.get("/organise").status_code == 200


# -- accounts ------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(session, world, clients):
    person = create_organiser(
        session=session,
        username="Carol",
        password=PASSWORD,
        actor="root-admin",
        day=date(2026, 1, 5),
        networks=[world.alpha],
    )
    assert person.username == "carol" and person.password_hash.startswith("$argon2id$")
    assert PASSWORD not in person.password_hash
    # No second factor yet: the password leads to enrolling one, and nowhere else.
    response = log_in(clients(), "carol", code="")
    assert response.headers["location"] == "/organise/account/second-factor"


def _organiser_cli(pub, *argv: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RAIDWATCH, "organiser", "create", *argv],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=cli_env(pub),
        timeout=60,
    )


def test_cli_creates_an_organiser_reading_the_password_from_stdin(pub, world, clients):
    done = _organiser_cli(pub, "Dora", "--network", world.alpha.slug, password=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert "Created organiser of" in done.stdout and "'dora'" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    with Session(get_engine(pub)) as s:
        dora = s.exec(select(Organiser).where(Organiser.username == "dora")).one()
    assert dora.password_hash.startswith("$argon2id$") and not dora.is_admin
    # The second factor is printed once: an otpauth:// URI and ten recovery codes.
    [uri] = [line for line in done.stdout.splitlines() if line.startswith("otpauth://totp/")]
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert secret not in database_text(pub)  # stored sealed only
    client = clients()
    assert log_in(client, "dora").status_code == 401  # someone else's code
    response = log_in(client, "dora", code=totp_code(secret))
    assert response.status_code == 303 and response.headers["location"] == "/organise"
    page = client.get("/organise/networks").text
    assert "Network Alpha" in page and "Network Bravo" not in page
    assert client.get("/organise/organisers").status_code == 403


def test_cli_refuses_a_short_password_and_an_unknown_network(pub, world):
    before = snapshot(pub)
    short = _organiser_cli(pub, "erin", "--admin", password="too short")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    unknown = _organiser_cli(pub, "erin", "--network", "no-such-net", password=PASSWORD)
    assert unknown.returncode == 2 and "no network 'no-such-net'" in unknown.stderr
    assert snapshot(pub) == before


# -- the route crawl -----------------------------------------------------------------------


def test_every_route_is_classified_as_public_or_organiser(live_server):
    unclassified = {
        r.path
        for r in registered_routes(live_server.app)
        if not r.path.startswith(ORGANISER_PREFIXES) and r.path not in PUBLIC
    }
    assert not unclassified, (
        f"new route(s) {unclassified}: add them to PUBLIC if anyone may "
        "request them, or serve them under /organise behind a login"
    )


def test_route_crawl_every_organiser_route_refuses_an_anonymous_request(
    clients, world, pub, live_server
):
    from server.publishing.jobs import publish_and_draw

    publish_and_draw(
        settings=pub, as_of=moderated_day(pub) + timedelta(days=1)
    )  # so maps and exports exist
    routes = _organiser_routes(live_server.app)
    before = snapshot(pub)
    strangers = {
        "no cookie": clients(),
        "forged cookie": clients(),
        "forged host cookie": clients(),
        "htmx": clients(),
    }
    strangers["forged cookie"].cookies.set("rw_session", "A" * 22)
    strangers["forged host cookie"].cookies.set("__Host-rw_session", "A" * 22)
    strangers["htmx"].headers["HX-Request"] = "true"
    form = _form(pub)
    for route in routes:
        for samples in (
            _samples(world),
            _samples(world, of="bravo"),
            {**_samples(world), **dict.fromkeys(ID_PARAMS, random_id())},
        ):
            url = _url(route, samples)
            for label, client in strangers.items():
                response = client.request(
                    route.method, url, data=form if route.method != "GET" else None
                )
                where = f"{route.method} {url} ({label})"
                assert response.status_code in (303, 401, 403), where
                if response.status_code == 303:
                    assert response.headers["location"] == "/login", where
                if label == "htmx":
                    assert response.status_code == 401, where
                    assert response.headers["hx-redirect"] == "/login", where
                assert len(response.content) < 300, where  # a refusal, never data
                for secret in ("Network Alpha", "Network Bravo", "Incidents", "Feature"):
                    assert secret not in response.text, where
                assert not response.headers.get_list("set-cookie"), where
    assert snapshot(pub) == before


def test_route_crawl_an_organiser_cannot_reach_another_networks_data(
    clients, world, pub, live_server
):
    from server.publishing.jobs import publish_and_draw

    publish_and_draw(settings=pub, as_of=moderated_day(pub) + timedelta(days=1))
    alice = logged_in(clients(), "alice-of-alpha")
    token = csrf_token(alice)
    form = {**_form(pub), "csrf_token": token}
    bravo_traces = (
        "Network Bravo",
        world.bravo.slug,
        str(world.bravo.id),
        str(world.bravo_report.id),
        "bob-of-bravo",
    )
    before = snapshot(pub)
    seen_pages = 0
    for route in _organiser_routes(live_server.app):
        if route.path.startswith(("/logout", "/organise/account")):
            continue  # alice's own session and account; covered by their own tests
        url = _url(route, _samples(world, of="bravo"))
        response = alice.request(route.method, url, data=form if route.method != "GET" else None)
        where = f"{route.method} {url}"
        if set(route.params) & ID_PARAMS:
            assert response.status_code in (403, 404), (where, response.status_code)
        elif route.method != "GET" or route.path in ("/organise/organisers", "/organise/audit"):
            assert response.status_code == 403, (where, response.status_code)  # admins only
        else:
            assert response.status_code == 200, (where, response.status_code)
            seen_pages += 1
        for trace in bravo_traces:
            assert trace not in response.text, f"{where} shows {trace!r}"
    assert seen_pages >= 5  # dashboard, map, export, moderation, networks
    assert snapshot(pub) == before, "a request about bravo changed something"

    # Alice's own network and report are within reach (so the refusals above mean something).
    reports = alice.get("/organise/reports").text
    assert str(world.alpha_report.id) in reports and str(world.bravo_report.id) not in reports
    assert "Network Alpha" in alice.get("/organise").text  # her per-network trend line
    bob_reports = logged_in(clients(), "bob-of-bravo").get("/organise/reports").text
    assert str(world.bravo_report.id) in bob_reports
    assert str(world.alpha_report.id) not in bob_reports
    root_reports = logged_in(clients(), "root-admin").get("/organise/reports").text
    assert str(world.alpha_report.id) in root_reports and str(world.bravo_report.id) in root_reports
