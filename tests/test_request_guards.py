"""What every request meets before a route runs (issue 9, points 3, 6, 7 and 8), through a
real uvicorn configured exactly as ``raidwatch serve`` configures it.

Bodies over their cap are refused before they are sent (the test never sends them);
multipart is refused everywhere; a member's oversized form comes back as the form page;
cross-site POSTs are refused on every route; HEAD works where GET does; a 405 names what
is allowed; forwarded headers count only from a trusted proxy; throttle keys are capped.
"""

from __future__ import annotations

import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.cli.operate import uvicorn_options
from server.organising.throttle import LoginThrottle
from server.web.bodies import FORM_AND_API_CAP, LOGIN_CAP
from tests.conftest import serving
from tests.organisers import add_organiser, csrf_token, logged_in, registered_routes, snapshot
from tests.test_api_strict import stored

ROOT = Path(__file__).resolve().parents[1]


def raw_exchange(url: str, head: str, body: bytes = b"", *, timeout: float = 5.0) -> bytes:
    """Send request headers (and maybe a little body) and read what comes back, without
    ever sending the body the headers announce."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


# -- point 3: body caps --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "length", "expected"),
    [
        ("/api/v1/reports", "application/json", 100_000_000, 413),
        ("/login", "application/x-www-form-urlencoded", 1 << 30, 413),
        ("/login", "multipart/form-data; boundary=x", 1 << 30, 415),
        ("/organise/networks/x/key", "application/x-www-form-urlencoded", 50_000, 413),
        ("/api/v1/reports", "multipart/form-data; boundary=x", 100, 415),
    ],
)
def test_a_body_over_its_cap_is_refused_before_it_is_sent(
    live_server, path, content_type, length, expected
):
    head = (
        f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: {content_type}\n"
        f"Content-Length: {length}\nAuthorization: Bearer x\n"
    )
    started = time.monotonic()
    response = raw_exchange(live_server.url, head)  # no body at all follows the headers
    assert response, "the server waited for a body it should have refused"
    assert status_of(response) == expected
    assert time.monotonic() - started < 3


def test_caps_leave_room_for_every_real_form(live_server, network):
    assert LOGIN_CAP < FORM_AND_API_CAP == 16 * 1024
    # The largest note a member can type (1,000 four-byte characters, percent-encoded).
    worst_note = "\U0001f600" * 1000
    encoded = httpx.QueryParams({"note": worst_note, "place": "x" * 80}).__str__().encode()
    assert len(encoded) < FORM_AND_API_CAP


def test_a_chunked_body_is_cut_off_at_the_cap(live_server, network):
    _, token = network

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 4096

    with live_server.client() as client:
        api = client.post(
            "/api/v1/reports", content=chunks(), headers={"Authorization": f"Bearer {token}"}
        )
        login = client.post(
            "/login",
            content=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert api.status_code == 413 and "nothing was read" in api.json()["detail"]
    assert login.status_code == 413
    # The rest of the body is never read: the connection closes after the answer.
    assert api.headers["connection"] == login.headers["connection"] == "close"


def test_a_members_oversized_form_is_the_calm_form_page_with_answers_kept(
    live_server, network, settings, noted
):
    from tests.factories import answers, form_token

    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}")
        data = {**answers(), "form_token": form_token(page.text), "note": "x" * 40_000}
        response = client.post(f"/r/{token}", data=data)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["connection"] == "close"
    assert "Report an enforcement visit" in response.text and 'id="report"' in response.text
    assert "not read and nothing was saved" in response.text
    assert 'id="note-error"' in response.text  # said next to the field that was too long
    assert "detail" not in response.text  # never the framework's JSON
    for name in ("time_of_day", "setting", "officers", "vehicles", "detained", "source"):
        assert re.search(
            rf'name="{name}"[^>]*value="{re.escape(data[name])}" checked', response.text
        )
    assert 'name="place" dir="auto" value="E8"' in response.text
    assert stored(settings) == 0


@pytest.mark.parametrize("field", ["place", "note"])
def test_a_member_form_declaring_a_gigabyte_is_answered_from_its_first_16_kib(
    live_server, network, settings, noted, field
):
    """Only the cap is ever received: the answers that came whole within it are kept, the
    field the cap cut through is named, and the connection closes on the rest."""
    from tests.factories import answers, form_token

    _, token = network
    with live_server.client() as client:
        fresh = form_token(client.get(f"/r/{token}").text)
    fields = {"form_token": fresh, **answers(place="Hackney")}
    fields.pop(field, None)
    kept = httpx.QueryParams(fields).__str__()
    prefix = f"{kept}&{field}=".encode() + b"y" * FORM_AND_API_CAP  # past the cap; 1 GiB said
    head = (
        f"POST /r/{token} HTTP/1.1\nHost: 127.0.0.1\n"
        f"Content-Type: application/x-www-form-urlencoded\nContent-Length: {1 << 30}\n"
    )
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + prefix)
        received = b""
        while chunk := sock.recv(65536):  # the server closes: it waits for nothing more
            received += chunk
    head_part, _, page = received.partition(b"\r\n\r\n")
    assert status_of(received) == 413
    assert b"connection: close" in head_part.lower()
    text = page.decode()
    assert f'id="{field}-error"' in text
    if field == "note":
        assert 'name="place" dir="auto" value="Hackney"' in text
    assert 'name="source" id="source" value="saw_it" checked' in text
    assert stored(settings) == 0


# -- point 7: cross-site POSTs -------------------------------------------------------------


@pytest.fixture
def admin(session):
    return add_organiser(session, "root-admin", is_admin=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://127.0.0.1.evil.example"},
    ],
    ids=["fetch-cross-site", "fetch-same-site", "origin-other", "origin-lookalike"],
)
def test_every_post_route_refuses_a_cross_site_request(
    live_server, clients, admin, network, settings, headers
):
    client = logged_in(clients(), "root-admin")
    token = csrf_token(client)
    net, member_token = network
    values = {
        "network_id": str(net.id),
        "report_id": "00000000-0000-0000-0000-000000000000",
        "organiser_id": str(admin.id),
        "action": "reject",
        "token": member_token,
    }
    posts = [r for r in registered_routes(live_server.app) if r.method == "POST"]
    assert {"/login", "/r/{token}", "/api/v1/reports", "/logout"} <= {r.path for r in posts}
    before = snapshot(settings)
    for route in posts:
        response = client.post(route.url(values), data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403, (route.path, response.status_code)
        assert "another site" in response.text
    assert snapshot(settings) == before
    # The browser's own same-origin posts pass (Origin: null is what no-referrer pages send).
    for same in ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, {"Origin": live_server.url}):
        response = client.post(
            f"/organise/networks/{net.id}/rule",
            data={"csrf_token": token, "counting_rule": "all"},
            headers=same,
        )
        assert response.status_code == 303, same


# -- point 8: HEAD and Allow --------------------------------------------------------------


def test_head_works_wherever_get_does(live_server, clients, admin, network):
    _, token = network
    client = logged_in(clients(), "root-admin")
    for path in (
        "/login",
        f"/r/{token}",
        "/healthz",
        "/api/v1/openapi.json",
        "/organise",
        "/organise/networks",
        "/static/member.css",
        "/vendor/htmx.min.js",
    ):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, (path, head.status_code)
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert clients().head("/organise").status_code == 303  # no login: the same redirect


def test_a_405_says_what_is_allowed(live_server, clients, admin):
    client = logged_in(clients(), "root-admin")
    for method, path, allowed in (
        ("PUT", "/login", "GET, HEAD, POST"),
        ("DELETE", "/api/v1/reports", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("POST", "/organise", "GET, HEAD"),
        ("GET", "/logout", "POST"),
    ):
        response = client.request(method, path)
        assert response.status_code == 405, (method, path, response.status_code)
        assert response.headers.get("allow") == allowed, (method, path)


# -- point 6: trusted proxies -------------------------------------------------------------


def _guesses_until_throttled(url: str, limit: int) -> int:
    from tests.organisers import log_in

    with httpx.Client(base_url=url) as client:
        for n in range(1, limit + 3):
            forwarded = {"X-Forwarded-For": f"203.0.113.{n}"}
            client.headers.update(forwarded)
            if log_in(client, f"nobody-{n}", "wrong password").status_code == 429:
                return n
    return 0


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(settings):

    limited = settings.model_copy(update={"login_attempts_per_address": 4})
    assert uvicorn_options(limited)["proxy_headers"] is False
    with serving(create_app(limited)) as url:
        # Rotating X-Forwarded-For from 127.0.0.1 buys no fresh allowance: the fifth is refused.
        assert _guesses_until_throttled(url, 4) == 5
    trusting = limited.model_copy(update={"trusted_proxies": "127.0.0.1"})
    with serving(create_app(trusting)) as url:
        # From a trusted proxy each forwarded address is its own sender.
        assert _guesses_until_throttled(url, 4) == 0
        with httpx.Client(base_url=url) as client:
            page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert page.headers["set-cookie"].startswith("__Host-rw_login=")
        assert page.headers["strict-transport-security"].startswith("max-age=")


def test_a_client_dripping_its_headers_is_cut_off(settings, monkeypatch):
    """Headers must all arrive within the deadline; a request sent at once still works,
    twice on one kept-alive connection."""
    from server.web.connections import HeaderDeadline

    monkeypatch.setattr(HeaderDeadline, "header_seconds", 1.0)
    with serving(create_app(settings)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            for _ in range(2):
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while not answer.endswith(b'{"status":"ok"}'):
                    chunk = sock.recv(65536)
                    assert chunk, answer
                    answer += chunk
                assert answer.startswith(b"HTTP/1.1 200"), answer
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            closed = False
            for n in range(100):  # one header line every 0.2 s: 20 s in all, if allowed
                try:
                    sock.sendall(f"X-Drip-{n}: x\r\n".encode())
                    if select.select([sock], [], [], 0)[0]:  # something to read: the end
                        closed = sock.recv(1) == b""
                except ConnectionError:  # reset by the server
                    closed = True
                if closed:
                    break
                time.sleep(0.2)
            assert closed, "the server waited for ever for the rest of the headers"


def test_uvicorn_runs_with_slow_client_and_size_bounds(settings):
    from server.web.connections import HeaderDeadline

    options = uvicorn_options(settings)
    assert options["http"] is HeaderDeadline and HeaderDeadline.header_seconds <= 10
    assert options["timeout_keep_alive"] <= 5 and options["limit_concurrency"]
    assert options["h11_max_incomplete_event_size"] <= 16 * 1024
    assert options["forwarded_allow_ips"] == [] and not options["access_log"]


def test_shipped_nginx_config_has_timeouts_caps_and_is_valid(tmp_path):
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for directive in (
        "client_header_timeout",
        "client_body_timeout",
        "send_timeout",
        "keepalive_timeout",
        "client_max_body_size 16k",
    ):
        assert directive in conf, directive
    # At http level, where no server or location can forget it; and never turned back on.
    before_servers = conf[conf.index("\nhttp {") :].split("\n    server {")[0]
    assert "\n    access_log off;\n" in before_servers
    directives = [line.split() for line in conf.splitlines() if not line.lstrip().startswith("#")]
    assert all(words[1:] == ["off;"] for words in directives if words[:1] == ["access_log"])
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed")
    # A whole nginx.conf (compose mounts it as /etc/nginx/nginx.conf): test it as it is,
    # with only the upstream's host (unknown here) replaced.
    (tmp_path / "nginx.conf").write_text(conf.replace("server app:8000", "server 127.0.0.1:9"))
    done = subprocess.run(
        [
            nginx,
            "-t",
            "-q",
            "-e",
            "stderr",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-g",
            f"pid {tmp_path}/nginx.pid;",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


# -- point 8: throttle keys ---------------------------------------------------------------


def test_throttle_keys_are_capped_and_hashed():
    throttle = LoginThrottle(per_username=5, storage="memory://")
    huge = "a" * 900_000
    throttle.attempt(username=huge, address="198.51.100.7")
    throttle.attempt(username=" Alice ", address="198.51.100.7")
    keys = list(throttle._limiter.storage.storage)
    assert keys and all(len(key) < 200 for key in keys), [len(k) for k in keys]
    assert not any("alice" in key or "198.51.100.7" in key for key in keys)
    # Cut to 64 characters before hashing: names alike that far share one counter.
    capped = LoginThrottle(per_username=2, per_address=0, storage="memory://")
    admitted = [capped.attempt(username="b" * 64 + str(n), address="x") for n in range(3)]
    assert admitted == [True, True, False]
