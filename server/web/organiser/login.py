"""Organiser login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.deps import SenderDep, SessionDep, SettingsDep
from server.organising import audit, logins
from server.organising.accounts import authenticate
from server.web.organiser.auth import (
    CheckedOrganiser,
    clear_session_cookie,
    set_session_cookie,
)
from server.web.templating import templates

router = APIRouter(include_in_schema=False)
LOGIN_SALT = "raidwatch-login-form"


def _login_token(settings) -> str:
    return URLSafeTimedSerializer(settings.key(), salt=LOGIN_SALT).dumps("login")


def _login_page(
    request: Request, settings, error: str = "", username: str = "", status_code: int = 200
):
    return templates.TemplateResponse(
        request,
        "organiser/login.html",
        {
            "error": error,
            "username": username,
            "login_token": _login_token(settings),
            "idle_minutes": settings.session_idle_minutes,
        },
        status_code=status_code,
    )


@router.get("/login")
def login_form(request: Request, settings: SettingsDep):
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
    login_token: str = Form(""),
):
    """Check a username and password; start a session."""
    try:
        URLSafeTimedSerializer(settings.key(), salt=LOGIN_SALT).loads(login_token, max_age=3600)
    except (BadSignature, SignatureExpired):
        return _login_page(
            request, settings, "The login form expired. Please try again.", username, 400
        )
    throttle = request.app.state.login_throttle
    if throttle.blocked(username=username, address=sender):
        return _login_page(
            request,
            settings,
            "Too many failed attempts. Wait 15 minutes and try again.",
            username,
            429,
        )
    organiser = authenticate(session=session, username=username, password=password)
    if organiser is None:
        throttle.failed(username=username, address=sender)
        return _login_page(
            request, settings, "That username and password do not match.", username, 401
        )
    raw = logins.start(
        session=session,
        organiser=organiser,
        idle_seconds=settings.session_idle_minutes * 60,
        absolute_seconds=settings.session_absolute_hours * 3600,
        window_seconds=settings.mix_window_minutes * 60,
    )
    audit.record(session=session, username=organiser.username, action="login", day=settings.today())
    response = RedirectResponse("/organise", status_code=303)
    set_session_cookie(response, request, settings, raw)
    return response


@router.post("/logout")
def logout(request: Request, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep):
    """End this session."""
    from server.web.organiser.auth import cookie_name

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
):
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
