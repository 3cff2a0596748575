"""Shared helpers for organiser tests: logging in through
the real login form, CSRF tokens read from pages, database snapshots and the route list.

Accounts themselves are made by `tests.factories.add_organiser`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pyotp
from sqlalchemy import select
from sqlmodel import SQLModel

from server.config import Settings
from server.db import get_engine
from tests.factories import PASSWORD, TOTP_SECRET, add_organiser

WRONG_MESSAGE = "That username, password and code do not match."
THROTTLED_MESSAGE = "Too many failed attempts"

__all__ = ["PASSWORD", "TOTP_SECRET", "add_organiser"]  # re-exported for the login tests


def totp_code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


# Codes each test has sent per (server, username): a TOTP code logs in once (RFC 6238, 5.2),
# so a test that logs the same organiser in again needs another code (emptied per test).
SENT_CODES: dict[tuple[str, str], set[str]] = {}


def fresh_code(server: str, username: str, secret: str = TOTP_SECRET) -> str:
    """A code the server accepts and has not been sent for this organiser: this step's or
    the next one's (both stay valid while the request travels), the last step's while it
    has over five seconds left; with all three sent, the first code of the next step."""
    sent = SENT_CODES.setdefault((server.rstrip("/"), username), set())
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        left = totp.interval - now % totp.interval
        steps = [now, now + totp.interval] + ([now - totp.interval] if left > 5 else [])
        for code in (totp.at(t) for t in steps):
            if code not in sent:
                sent.add(code)
                return code
        time.sleep(left + 0.1)


def login_token(client: httpx.Client) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    match = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert match, "the login form carries a signed token"
    return match.group(1)


def log_in(
    client: httpx.Client, username: str, password: str = PASSWORD, code: str | None = None
) -> httpx.Response:
    """Submit the real login form (after fetching it for its token and pre-session cookie),
    with the current code of TOTP_SECRET unless another ``code`` is given."""
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "code": fresh_code(str(client.base_url), username) if code is None else code,
            "login_token": login_token(client),
        },
    )


def logged_in(client: httpx.Client, username: str) -> httpx.Client:
    response = log_in(client, username)
    assert response.status_code == 303 and response.headers["location"] == "/organise", (
        response.text
    )
    return client


def csrf_token(client: httpx.Client) -> str:
    page = client.get("/organise/networks")
    assert page.status_code == 200, page.status_code
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "organiser pages carry the session's CSRF token"
    return match.group(1)


def snapshot(settings: Settings) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: equal snapshots mean nothing changed."""
    with get_engine(settings).connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in SQLModel.metadata.sorted_tables
        }


def database_text(settings: Settings) -> str:
    """Everything stored, as one string (to search for values that must not be there)."""
    return "\n".join(line for rows in snapshot(settings).values() for line in rows)


@dataclass(frozen=True)
class Route:
    path: str  # the path format, e.g. /organise/networks/{network_id}/rotate
    method: str
    params: tuple[str, ...]

    def url(self, values: dict[str, str]) -> str:
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], self.path)


def registered_routes(app) -> Iterator[Route]:
    """Every route the app serves, from the app itself (never a hand-kept list)."""
    try:  # FastAPI >= 0.130 nests included routers; this flattens them.
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    for route in routes:
        path = getattr(route, "path_format", None) or route.path
        assert isinstance(path, str)
        params = tuple(re.findall(r"\{(\w+)(?::\w+)?\}", path))
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                yield Route(path=path, method=method, params=params)


def random_id() -> str:
    return str(uuid.uuid4())
