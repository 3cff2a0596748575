"""Organiser login and logout.

The login form's token is bound to this browser: ``GET /login`` sets a random pre-session
cookie (HttpOnly, SameSite=Strict) and the form carries a signed hash of it, so a token
fetched by someone else, or a form posted from another site, is refused. A login ends the
session this browser held before. The order of checks is the throttle's (see
``server.organising.throttle``): count, then (past a limit) the second factor, then the
password under a bounded number of concurrent checks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.config import Settings
from server.deps import CheckedOrganiser, SenderDep, SessionDep, SettingsDep
from server.organising import audit, enrolment, logins
from server.organising.accounts import find_organiser, password_matches
from server.organising.second_factor import normalise
from server.organising.throttle import PasswordChecksBusy
from server.web.organiser.auth import (
    clear_session_cookie,
    cookie_is_secure,
    cookie_name,
    set_session_cookie,
)
from server.web.templating import templates

router = APIRouter(include_in_schema=False)
LOGIN_SALT = "raidwatch-login-form"
FORM_LIFETIME = 3600
WRONG = "That username, password and code do not match."
THROTTLED = (
    "Too many failed attempts for this account. Wait 15 minutes, or log in now with your "
    "password and the code from your authenticator app (or a recovery code)."
)
EXPIRED = "The login form expired. Please try again."
BUSY = "The server is busy checking other logins. Please try again in a minute."
ENROL = "/organise/account/second-factor"


def pre_session_name(request: Request, settings: Settings) -> str:
    return "__Host-rw_login" if cookie_is_secure(request, settings) else "rw_login"


def _binding(settings: Settings, pre_session: str) -> str:
    return hmac.new(settings.key(), pre_session.encode(), hashlib.sha256).hexdigest()


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.key(), salt=LOGIN_SALT)


def _login_page(
    request: Request,
    settings: Settings,
    error: str = "",
    username: str = "",
    status_code: int = 200,
) -> Response:
    pre_session = request.cookies.get(pre_session_name(request, settings), "")
    if not (16 <= len(pre_session) <= 64):
        pre_session = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(
        request,
        "organiser/login.html",
        {
            "error": error,
            "username": username[:64],
            "login_token": _serializer(settings).dumps(_binding(settings, pre_session)),
            "idle_minutes": settings.session_idle_minutes,
        },
        status_code=status_code,
    )
    response.set_cookie(
        pre_session_name(request, settings),
        pre_session,
        max_age=FORM_LIFETIME,
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="strict",
    )
    return response


def _token_is_this_browsers(request: Request, settings: Settings, token: str) -> bool:
    pre_session = request.cookies.get(pre_session_name(request, settings), "")
    if not pre_session:
        return False
    try:
        bound = _serializer(settings).loads(token, max_age=FORM_LIFETIME)
    except (BadSignature, SignatureExpired):
        return False
    return isinstance(bound, str) and hmac.compare_digest(bound, _binding(settings, pre_session))


@router.get("/login")
def login_form(request: Request, settings: SettingsDep) -> Response:
    """The organiser login page."""
    return _login_page(request, settings)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    sender: SenderDep,
    username: str = Form(""),
    password: str = Form(""),
    code: str = Form(""),
    login_token: str = Form(""),
) -> Response:
    """Check a username, password and second factor; start a session."""
    if not _token_is_this_browsers(request, settings, login_token):
        return _login_page(request, settings, EXPIRED, username, 400)
    throttle = request.app.state.login_throttle
    within_limits = throttle.attempt(username=username, address=sender)
    organiser = find_organiser(session=session, username=username)
    factor = (
        enrolment.check(session=session, organiser=organiser, code=code, key=settings.key())
        if organiser is not None
        else None
    )
    if not within_limits and (
        factor is None or not throttle.code_once(username=username, code=normalise(code))
    ):
        # An attacker's failures cost them their guesses, never the owner their account;
        # past the limit each code buys one password check (a guessed code buys no more).
        return _login_page(request, settings, THROTTLED, username, 429)
    try:
        with throttle.password_check():
            right = password_matches(session=session, organiser=organiser, password=password)
    except PasswordChecksBusy:
        return _login_page(request, settings, BUSY, username, 503)
    if organiser is None or not right:
        return _login_page(request, settings, WRONG, username, 401)
    if enrolment.enrolled(organiser) and (
        factor is None
        or not enrolment.spend(session=session, match=factor)  # a recovery code: once ever
        # A TOTP code logs in once (RFC 6238, 5.2): one seen over a shoulder or phished and
        # sent again within its 90 seconds is refused. Past the limit it was taken above.
        or (
            within_limits
            and factor.recovery_hash is None
            and not throttle.code_once(username=username, code=normalise(code))
        )
    ):
        return _login_page(request, settings, WRONG, username, 401)
    throttle.succeeded(username=username)
    # One browser, one session: whatever this browser was logged in as ends here.
    logins.end(session=session, raw=request.cookies.get(cookie_name(request, settings), ""))
    raw = logins.start(
        session=session,
        organiser=organiser,
        idle_seconds=settings.session_idle_minutes * 60,
        absolute_seconds=settings.session_absolute_hours * 3600,
        window_seconds=settings.mix_window_minutes * 60,
    )
    detail = "recovery code" if factor is not None and factor.recovery_hash else ""
    audit.record(
        session=session,
        username=organiser.username,
        action="login",
        day=settings.today(),
        detail=detail,
    )
    response = RedirectResponse(
        "/organise" if enrolment.enrolled(organiser) else ENROL, status_code=303
    )
    set_session_cookie(response, request, settings, raw)
    response.delete_cookie(
        pre_session_name(request, settings),
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
def logout(
    request: Request, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
) -> Response:
    """End this session."""
    logins.end(session=session, raw=request.cookies.get(cookie_name(request, settings), ""))
    audit.record(
        session=session, username=active.organiser.username, action="logout", day=settings.today()
    )
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request, settings)
    return response


@router.post("/logout-everywhere")
def logout_everywhere(
    request: Request, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
) -> Response:
    """End every session of this organiser, on every device."""
    count = logins.end_all(session=session, organiser=active.organiser)
    audit.record(
        session=session,
        username=active.organiser.username,
        action="logout everywhere",
        day=settings.today(),
        detail=f"{count} sessions",
    )
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request, settings)
    return response
