"""The organiser's session cookie (read by ``CurrentOrganiser`` in ``server/deps.py``).

The cookie is ``__Host-`` prefixed, Secure, HttpOnly and SameSite=Strict. Only when the app
is reached over plain http on a loopback address (development) is Secure dropped, which
the ``__Host-`` prefix forbids, so the cookie is then named without it.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from server.config import Settings

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def cookie_is_secure(request: Request, settings: Settings) -> bool:
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return not (request.url.scheme == "http" and request.url.hostname in LOOPBACK)


def cookie_name(request: Request, settings: Settings) -> str:
    return "__Host-rw_session" if cookie_is_secure(request, settings) else "rw_session"


def set_session_cookie(response: Response, request: Request, settings: Settings, raw: str) -> None:
    response.set_cookie(
        cookie_name(request, settings),
        raw,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(request, settings),
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="strict",
    )
