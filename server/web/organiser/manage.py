"""Organiser pages for network management (links, keys, counting rule), organiser accounts
(admins) and the audit log (admins)."""

from __future__ import annotations

import uuid

import segno
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from server.deps import CheckedOrganiser, CurrentOrganiser, GazetteerDep, SessionDep, SettingsDep
from server.intake.sealing import BadKey, key_fingerprint
from server.networks.links import link_path
from server.organising import audit, enrolment
from server.organising.accounts import (
    AccountError,
    all_networks,
    create_organiser,
    organiser_by_id,
    roster,
    set_active,
    visible_networks,
)
from server.organising.logins import Active
from server.organising.networks import (
    EMERGENCY_TEXT_MAX,
    may_set_note_key,
    rotate_member_link,
    set_counting_rule,
    set_emergency_text,
    set_home_area,
    set_note_key,
    visible_network,
)
from server.vocabulary import CountingRule
from server.web.member import DEFAULT_EMERGENCY
from server.web.organiser import new_link
from server.web.organiser.notices import notice, redirect_with
from server.web.organiser.pages import page

router = APIRouter(prefix="/organise", include_in_schema=False)


def _require_admin(active: Active) -> None:
    if not active.organiser.is_admin:
        raise HTTPException(403, "Admins only.")


@router.get("/networks")
def networks(
    request: Request,
    active: CurrentOrganiser,
    session: SessionDep,
    message: str = "",
    about: str = "",
) -> Response:
    """Your networks: member links, note keys, counting rule."""
    return _networks_page(request, active, session, code=message, about=about)


def _networks_page(
    request: Request,
    active: Active,
    session: Session,
    *,
    code: str = "",
    about: str = "",
    refusal: str = "",
    status_code: int = 200,
) -> Response:
    """The networks page with a notice: `code` (and `about`, a network id) from a redirect,
    or a `refusal` said directly in answer to a POST."""
    visible = visible_networks(session=session, organiser=active.organiser)
    names = {str(n.id): n.name for n in visible}
    return page(
        request,
        "organiser/networks.html",
        active,
        nav="networks",
        networks=visible,
        message=refusal or notice(code, names.get(about)),
        rules=CountingRule.labels(),
        fingerprint=key_fingerprint,
        may_set_key=may_set_note_key(active.organiser),
        emergency_max=EMERGENCY_TEXT_MAX,
        default_emergency=str(DEFAULT_EMERGENCY),
        status_code=status_code,
    )


@router.post("/networks/{network_id}/rotate")
def rotate(
    request: Request,
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    confirm: str = Form(""),
) -> Response:
    """Replace the member link, then redirect to the page that shows the new one once."""
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    if confirm != "yes":
        return _back("link-unconfirmed", network.id)
    token = rotate_member_link(
        session=session,
        network=network,
        key=settings.key(),
        actor=active.organiser.username,
        day=settings.today(),
    )
    response = RedirectResponse(f"/organise/networks/{network.id}/new-link", status_code=303)
    new_link.hold(response, request, settings, active=active, network_id=network.id, token=token)
    return response


@router.get("/networks/{network_id}/new-link")
def show_new_link(
    request: Request,
    network_id: uuid.UUID,
    active: CurrentOrganiser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The member link just made, shown once: a reload says it was shown, and rotates nothing."""
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    token = new_link.take(request, settings, active=active, network_id=network.id)
    if token is None:
        response = page(
            request, "organiser/link_shown.html", active, nav="networks", network=network
        )
    else:
        url = str(request.base_url).rstrip("/") + link_path(token)
        qr = segno.make(url, error="m")
        response = page(
            request,
            "organiser/link_once.html",
            active,
            nav="networks",
            network=network,
            url=url,
            qr_png=qr.png_data_uri(scale=4, border=4, dark="#000", light="#fff"),
        )
    new_link.forget(response, request, settings)
    return response


@router.post("/networks/{network_id}/key")
def set_key(
    request: Request,
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    public_key: str = Form(""),
) -> Response:
    """Admins: set (or clear, when empty) the public key that seals notes."""
    if not may_set_note_key(active.organiser):
        raise HTTPException(403, "Only an admin can change a note key.")
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    try:
        set_note_key(
            session=session,
            network=network,
            public_key=public_key if public_key.strip() else None,
            actor=active.organiser.username,
            day=settings.today(),
        )
    except BadKey as exc:
        return _refuse(request, active, session, f"{network.name}: {exc}")
    return _back("key-on" if network.public_key else "key-off", network.id)


@router.post("/networks/{network_id}/rule")
def set_rule(
    request: Request,
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    counting_rule: str = Form(""),
) -> Response:
    """Choose which incidents count for this network."""
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    try:
        set_counting_rule(
            session=session,
            network=network,
            rule=counting_rule,
            actor=active.organiser.username,
            day=settings.today(),
        )
    except ValueError:
        return _refuse(request, active, session, "Choose one of the counting rules.")
    return _back("rule-saved", network.id)


@router.post("/networks/{network_id}/emergency")
def set_emergency(
    request: Request,
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    emergency_text: str = Form(""),
) -> Response:
    """Set what the member form says to do in an emergency (empty: the default text)."""
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    try:
        text = set_emergency_text(
            session=session,
            network=network,
            text=emergency_text,
            actor=active.organiser.username,
            day=settings.today(),
        )
    except ValueError as exc:
        return _refuse(request, active, session, f"{network.name}: {exc}")
    return _back("emergency-own" if text else "emergency-default", network.id)


@router.post("/networks/{network_id}/area")
def set_area(
    request: Request,
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    home_area: str = Form(""),
) -> Response:
    """Set the home area that ranks places of the same name for this network's members."""
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    try:
        set_home_area(
            session=session,
            network=network,
            text=home_area,
            gazetteer=gazetteer,
            actor=active.organiser.username,
            day=settings.today(),
        )
    except ValueError as exc:
        return _refuse(request, active, session, f"{network.name}: home area not changed. {exc}")
    return _back("area-saved", network.id)


def _back(code: str, about: object = None, to: str = "/organise/networks") -> RedirectResponse:
    return redirect_with(to, code, about=about)


def _refuse(request: Request, active: Active, session: Session, reason: str) -> Response:
    """A refusal with its reason, on the networks page (422); nothing was changed."""
    return _networks_page(request, active, session, refusal=reason, status_code=422)


@router.get("/organisers")
def organisers(
    request: Request,
    active: CurrentOrganiser,
    session: SessionDep,
    message: str = "",
    about: str = "",
) -> Response:
    """Admins: organiser accounts."""
    _require_admin(active)
    return _organisers_page(request, active, session, code=message, about=about)


def _organisers_page(
    request: Request,
    active: Active,
    session: Session,
    *,
    code: str = "",
    about: str = "",
    refusal: str = "",
    status_code: int = 200,
) -> Response:
    accounts = roster(session=session)
    names = {str(a.organiser.id): a.organiser.username for a in accounts}
    return page(
        request,
        "organiser/organisers.html",
        active,
        nav="organisers",
        accounts=accounts,
        networks=all_networks(session=session),
        message=refusal or notice(code, names.get(about)),
        status_code=status_code,
    )


@router.post("/organisers")
async def add_organiser(
    request: Request, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Admins: create an organiser."""
    _require_admin(active)
    form = await request.form()
    wanted = {str(v) for v in form.getlist("network")}
    try:
        person = create_organiser(
            session=session,
            username=str(form.get("username", "")),
            password=str(form.get("password", "")),
            actor=active.organiser.username,
            day=settings.today(),
            is_admin=form.get("role") == "admin",
            networks=[n for n in all_networks(session=session) if str(n.id) in wanted],
        )
    except AccountError as exc:
        return _organisers_page(request, active, session, refusal=str(exc), status_code=422)
    return _back("organiser-created", person.id, "/organise/organisers")


@router.post("/organisers/{organiser_id}/active")
def toggle_organiser(
    request: Request,
    organiser_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Admins: disable (and log out everywhere) or re-enable an organiser."""
    _require_admin(active)
    person = organiser_by_id(session=session, organiser_id=organiser_id)
    if person is None:
        raise HTTPException(404)
    try:
        set_active(
            session=session,
            organiser=person,
            active=not person.active,
            actor=active.organiser.username,
            day=settings.today(),
        )
    except AccountError as exc:
        return _organisers_page(request, active, session, refusal=str(exc), status_code=422)
    code = "organiser-enabled" if person.active else "organiser-disabled"
    return _back(code, person.id, "/organise/organisers")


@router.post("/organisers/{organiser_id}/second-factor")
def reset_second_factor(
    organiser_id: uuid.UUID, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Admins: reset a lost second factor (the organiser sets it up again; sessions end)."""
    _require_admin(active)
    person = organiser_by_id(session=session, organiser_id=organiser_id)
    if person is None:
        raise HTTPException(404)
    enrolment.reset(
        session=session, organiser=person, actor=active.organiser.username, day=settings.today()
    )
    return _back("factor-reset", person.id, "/organise/organisers")


@router.get("/audit")
def audit_log(request: Request, active: CurrentOrganiser, session: SessionDep) -> Response:
    """Admins: the audit log."""
    _require_admin(active)
    return page(
        request, "organiser/audit.html", active, nav="audit", entries=audit.recent(session=session)
    )
