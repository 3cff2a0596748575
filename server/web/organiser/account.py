"""The organiser's own account: change the password, enrol the second factor (a QR code as
a PNG, and the secret as text, for Tor Browser which hides SVG), renew recovery codes."""

from __future__ import annotations

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from server.config import Settings
from server.deps import CheckedOrganiser, CurrentOrganiser, SenderDep, SessionDep, SettingsDep
from server.organising import audit, enrolment, logins
from server.organising import second_factor as factor
from server.organising.accounts import AccountError, password_matches, set_password
from server.organising.logins import Active
from server.organising.throttle import PasswordChecksBusy
from server.web.organiser.auth import set_session_cookie
from server.web.organiser.notices import notice, redirect_with
from server.web.organiser.pages import page

router = APIRouter(prefix="/organise/account", include_in_schema=False)


def _account_page(
    request: Request, active: Active, session: Session, message: str = "", status: int = 200
) -> Response:
    return page(
        request,
        "organiser/account.html",
        active,
        nav="account",
        message=message,
        codes_left=enrolment.recovery_codes_left(session=session, organiser=active.organiser),
        status_code=status,
    )


@router.get("")
def account(
    request: Request, active: CurrentOrganiser, session: SessionDep, message: str = ""
) -> Response:
    """Your account: password and second factor."""
    return _account_page(request, active, session, notice(message))


@router.post("/password")
def change_password(
    request: Request,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    sender: SenderDep,
    current: str = Form(""),
    new: str = Form(""),
    again: str = Form(""),
) -> Response:
    """Change your password; your other sessions end."""
    throttle = request.app.state.login_throttle
    me = active.organiser
    if not throttle.attempt(username=me.username, address=sender):
        return _account_page(request, active, session, "Too many attempts; wait 15 minutes.", 429)
    try:
        with throttle.password_check():
            right = password_matches(session=session, organiser=me, password=current)
    except PasswordChecksBusy:
        return _account_page(request, active, session, "The server is busy; try again.", 503)
    if not right:
        return _account_page(request, active, session, "Your current password is not that.", 401)
    throttle.succeeded(username=me.username)
    if new != again:
        return _account_page(request, active, session, "The two new passwords differ.", 422)
    try:
        set_password(session=session, organiser=me, password=new)
    except AccountError as exc:
        return _account_page(request, active, session, str(exc), 422)
    ended = logins.end_all(session=session, organiser=me)
    raw = logins.start(
        session=session,
        organiser=me,
        idle_seconds=settings.session_idle_minutes * 60,
        absolute_seconds=settings.session_absolute_hours * 3600,
        window_seconds=settings.mix_window_minutes * 60,
    )
    audit.record(
        session=session,
        username=me.username,
        action="password changed",
        day=settings.today(),
        detail=f"{max(ended - 1, 0)} other sessions ended",
    )
    response = redirect_with("/organise/account", "password-changed")
    set_session_cookie(response, request, settings, raw)
    return response


@router.get("/second-factor")
def second_factor(
    request: Request, active: CurrentOrganiser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Enrol an authenticator app: scan the code (or type the key), then confirm."""
    if enrolment.enrolled(active.organiser):
        return RedirectResponse("/organise/account", status_code=303)
    return _enrol_page(request, active, settings)


def _enrol_page(
    request: Request,
    active: Active,
    settings: Settings,
    error: str = "",
    status: int = 200,
    again: str = "",
) -> Response:
    secret, offered = enrolment.offer(organiser=active.organiser, key=settings.key(), again=again)
    uri = factor.provisioning_uri(secret, username=active.organiser.username)
    qr = segno.make(uri, error="m")
    return page(
        request,
        "organiser/enrol.html",
        active,
        nav="account",
        qr_png=qr.png_data_uri(scale=5, border=4, dark="#000", light="#fff"),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        offered=offered,
        error=error,
        status_code=status,
    )


@router.post("/second-factor")
def confirm_second_factor(
    request: Request,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    code: str = Form(""),
    offered: str = Form(""),
) -> Response:
    """Confirm the authenticator app with one code; show the recovery codes once."""
    if enrolment.enrolled(active.organiser):
        return RedirectResponse("/organise/account", status_code=303)
    codes = enrolment.confirm(
        session=session, organiser=active.organiser, offered=offered, code=code, key=settings.key()
    )
    if codes is None:
        error = "That code does not match. Type the 6 digits your app shows now."
        return _enrol_page(request, active, settings, error, 422, again=offered)
    audit.record(
        session=session,
        username=active.organiser.username,
        action="second factor enrolled",
        day=settings.today(),
    )
    return page(request, "organiser/recovery_codes.html", active, nav="account", codes=codes)


@router.post("/recovery-codes")
def renew_recovery_codes(
    request: Request,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    code: str = Form(""),
) -> Response:
    """Replace your recovery codes (the old ones stop working); needs a code from your app."""
    me = active.organiser
    secret = factor.open_secret(me.totp_secret or "", key=settings.key())
    if secret is None or not factor.totp_matches(secret, code):
        return _account_page(request, active, session, "That code does not match.", 422)
    codes = enrolment.renew_recovery_codes(session=session, organiser=me, key=settings.key())
    audit.record(
        session=session, username=me.username, action="recovery codes renewed", day=settings.today()
    )
    return page(request, "organiser/recovery_codes.html", active, nav="account", codes=codes)
