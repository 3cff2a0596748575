"""Organiser authentication for routes: the session cookie, ``CurrentOrganiser`` and CSRF.

The cookie is ``__Host-`` prefixed, Secure, HttpOnly and SameSite=Strict. Only when the app
is reached over plain http on a loopback address (development) is Secure dropped, which
the ``__Host-`` prefix forbids, so the cookie is then named without it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from server.config import Settings
from server.deps import SessionDep, SettingsDep
from server.organising import logins
from server.organising.enrolment import enrolled
from server.organising.logins import Active

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class LoginRequired(Exception):
    """Raised by ``current_organiser``; the app turns it into a redirect to /login."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token."""


class EnrolmentRequired(Exception):
    """A logged-in organiser without a second factor asked for anything but enrolling."""


ENROLMENT_PATHS = {"/organise/account/second-factor", "/logout", "/logout-everywhere"}


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


def current_organiser(request: Request, session: SessionDep, settings: SettingsDep) -> Active:
    raw = request.cookies.get(cookie_name(request, settings), "")
    active = logins.resume(
        session=session,
        raw=raw,
        idle_seconds=settings.session_idle_minutes * 60,
        window_seconds=settings.mix_window_minutes * 60,
    )
    if active is None:
        raise LoginRequired()
    if not enrolled(active.organiser) and request.url.path not in ENROLMENT_PATHS:
        raise EnrolmentRequired()
    request.state.organiser = active
    return active


CurrentOrganiser = Annotated[Active, Depends(current_organiser)]


async def checked_organiser(request: Request, active: CurrentOrganiser) -> Active:
    """The organiser, after checking the CSRF token of a state-changing request."""
    submitted = request.headers.get("x-csrf-token", "")
    if not submitted:
        form = await request.form()
        value = form.get("csrf_token", "")
        submitted = value if isinstance(value, str) else ""
    if not logins.csrf_matches(active.record, submitted):
        raise CsrfFailed()
    return active


CheckedOrganiser = Annotated[Active, Depends(checked_organiser)]
