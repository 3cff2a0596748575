"""P1, P2, P3, P6, P7 (member side) and P8: submit canaries, then search everything we keep.

Each test is named after the invariant it guards (DESIGN.md) and fails if it breaks.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from server.config import PROJECT_ROOT
from server.db import get_engine
from server.intake.sealing import new_keypair, open_note
from server.models import Report
from tests.conftest import PG_URL
from tests.factories import answers, submit_form

SOCKET_CANARY = "127.77.66.55"
FORWARDED_CANARY = "203.0.113.77"
AGENT_CANARY = "CanaryBrowser/9.9 zq7k"
REFERER_CANARY = "https://canary-referer.example/zq8k"
COOKIE_CANARY = "zq9kcookie"
LANGUAGE_CANARY = "x-zq11lang"  # read to choose the page's language, never kept
POSTCODE_CANARY = ("E8 3RL", "E83RL")
COORD_CANARY = ("51.546123", "546123", "-0.055987", "055987")
NOTE_CANARY = "zq10k secret note about a car wash"


def everything_stored(settings) -> bytes:
    """Every byte the server keeps: the data folder (SQLite file, WAL, keys) and a PG dump."""
    blobs = []
    for path in Path(settings.data_dir).rglob("*"):
        if path.is_file():
            blobs.append(path.read_bytes())
    if PG_URL:
        url = settings.resolved_database_url
        dump = subprocess.run(
            ["pg_dump", "--data-only", "--inserts", url], capture_output=True, check=True
        )
        blobs.append(dump.stdout)
    return b"\n".join(blobs)


@pytest.fixture
def canary_submission(live_server, network, session, settings, capfd, caplog):
    """Submit via form and API with canaries everywhere; return (stored bytes, logs, token, key)."""
    caplog.set_level(logging.DEBUG)
    net, token = network
    public, private = new_keypair()
    net.public_key = public
    session.add(net)
    session.commit()
    headers = {
        "X-Forwarded-For": FORWARDED_CANARY,
        "User-Agent": AGENT_CANARY,
        "Referer": REFERER_CANARY,
        "X-Real-IP": FORWARDED_CANARY,
        "Cookie": f"tracking={COOKIE_CANARY}",
        "Accept-Language": f"{LANGUAGE_CANARY},ar;q=0.9",
    }
    transport = httpx.HTTPTransport(local_address=SOCKET_CANARY)
    with httpx.Client(base_url=live_server.url, transport=transport, headers=headers) as client:
        # Fill, send and confirm (the member's two taps).
        sent = submit_form(client, token, place=POSTCODE_CANARY[0], note=NOTE_CANARY)
        assert sent.status_code == 303
        api = client.post(
            "/api/v1/reports",
            headers={"Authorization": f"Bearer {token}"},
            json=answers(place=None, lat=51.546123, lng=-0.055987),
        )
        assert api.status_code == 201
        # A failed organiser login feeds the login throttle the same address.
        login = client.get("/login")
        login_token = re.search(r'name="login_token" value="([^"]+)"', login.text).group(1)
        # The client's fixed Cookie header would hide the login's pre-session cookie.
        cookies = "; ".join(f"{k}={v}" for k, v in login.cookies.items())
        assert (
            client.post(
                "/login",
                data={"username": "nobody", "password": "wrong", "login_token": login_token},
                headers={"Cookie": f"tracking={COOKIE_CANARY}; {cookies}"},
            ).status_code
            == 401
        )
        # Error paths must not leak either.
        assert client.post(f"/r/{token}", data={"place": POSTCODE_CANARY[0]}).status_code == 422
        assert client.get("/no/such/page").status_code == 404
    get_engine(settings).dispose()  # flush SQLite's WAL into the file we search
    out, err = capfd.readouterr()
    logs = out + err + "\n".join(r.getMessage() for r in caplog.records)
    return everything_stored(settings), logs, token, private


def test_P1_no_network_identifiers_stored_or_logged(canary_submission):
    stored, logs, _, _ = canary_submission
    for canary in (
        SOCKET_CANARY,
        FORWARDED_CANARY,
        AGENT_CANARY,
        "CanaryBrowser",
        REFERER_CANARY,
        "canary-referer",
        COOKIE_CANARY,
        LANGUAGE_CANARY,
    ):
        assert canary.encode() not in stored, f"{canary} found in stored data"
        assert canary not in logs, f"{canary} found in logs"


def test_P1_access_log_is_off_and_logs_carry_no_request_data(canary_submission):
    _, logs, token, _ = canary_submission
    assert "POST /r/" not in logs and "GET /r/" not in logs and "HTTP/1.1" not in logs
    assert "/api/v1/reports" not in logs


def test_P2_no_precise_time_in_the_schema(settings, session):
    engine = get_engine(settings)
    inspector = inspect(engine)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            kind = str(column["type"]).upper()
            assert "TIME" not in kind, f"{table}.{column['name']} stores a time"
            assert not re.search(r"(created|updated|submitted|received)", column["name"])
    report_pk = inspector.get_pk_constraint("reports")["constrained_columns"]
    assert report_pk == ["id"]
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            for name in ("reports", "used_form_tokens", "networks"):
                sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name=:n"), {"n": name}
                ).scalar_one()
                assert "WITHOUT ROWID" in sql.upper(), f"{name} has a rowid"
            assert conn.execute(text("PRAGMA secure_delete")).scalar_one() == 1


def test_P2_report_ids_are_random_not_sequential(canary_submission, session):
    session.expire_all()
    ids = [r.id for r in session.exec(select(Report))]
    assert len(ids) == 2
    assert all(i.version == 4 for i in ids)


def test_P3_no_precise_place_stored_or_logged(canary_submission, session):
    stored, logs, _, _ = canary_submission
    for canary in POSTCODE_CANARY + COORD_CANARY:
        assert canary.encode() not in stored, f"{canary} found in stored data"
        assert canary not in logs, f"{canary} found in logs"
    session.expire_all()
    for report in session.exec(select(Report)):
        import h3

        assert h3.get_resolution(report.cell) == 7
        assert re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", report.district)


def test_P6_notes_are_sealed(canary_submission, session):
    stored, logs, _, private = canary_submission
    assert NOTE_CANARY.encode() not in stored and b"car wash" not in stored
    assert "car wash" not in logs
    session.expire_all()
    sealed = [r.sealed_note for r in session.exec(select(Report)) if r.sealed_note]
    assert len(sealed) == 1
    assert open_note(sealed[0], private_key=private) == NOTE_CANARY


def test_P7_member_pages_ship_no_javascript_and_nothing_from_other_hosts(live_server, network):
    _, token = network
    with live_server.client() as client:
        pages = [client.get(f"/r/{token}"), client.get("/r/unknown-token-xxxxxxxx")]
        pages.append(client.post(f"/r/{token}", data={"place": "E8"}))
        css = client.get("/static/member.css").text
    for page in pages:
        assert "<script" not in page.text.lower()
        assert not re.search(r"(src|href|action)=\"(https?:)?//", page.text)
        assert "script-src" not in page.headers["content-security-policy"]
    assert "url(" not in css and "@import" not in css
    for template in (PROJECT_ROOT / "templates" / "member").glob("*.html"):
        body = template.read_text()
        assert "<script" not in body.lower()
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", body), template.name


def test_P8_raw_member_token_is_never_stored_or_logged(canary_submission):
    stored, logs, token, _ = canary_submission
    assert token.encode() not in stored
    assert token not in logs


def test_P8_rotating_a_link_kills_the_old_one(session, settings, network):
    from server.networks.links import network_for_token, rotate_link

    net, token = network
    new = rotate_link(session=session, network=net, key=settings.key())
    assert network_for_token(session=session, token=token, key=settings.key()) is None
    assert network_for_token(session=session, token=new, key=settings.key()).id == net.id
    assert len(new) >= 22  # 128 bits in URL-safe base64


def test_secret_key_is_generated_privately_in_development(tmp_path):
    from server.config import Settings

    settings = Settings(env="development", data_dir=tmp_path, secret_key="")
    key = settings.key()
    assert len(key) >= 48
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"
    assert settings.key() == key


def test_production_refuses_a_default_secret():
    from pydantic import ValidationError

    from server.config import Settings

    with pytest.raises(ValidationError):
        Settings(env="production", secret_key="")
    with pytest.raises(ValidationError):
        Settings(env="production", secret_key="changeme")
    Settings(env="production", secret_key="x" * 40)


def test_security_headers_on_every_kind_of_page(live_server, network):
    _, token = network
    with live_server.client() as client:
        for path in (f"/r/{token}", "/login", "/static/member.css", "/api/v1/openapi.json"):
            headers = client.get(path).headers
            assert headers["referrer-policy"] == "no-referrer", path
            assert headers["x-content-type-options"] == "nosniff", path
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert "server" not in headers, path
