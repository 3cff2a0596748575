"""Organiser pages for network management (links, keys, counting rule), organiser accounts
(admins) and the audit log (admins)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from server.deps import GazetteerDep, SessionDep, SettingsDep
from server.intake.sealing import BadKey, key_fingerprint
from server.models import EMERGENCY_TEXT_MAX
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
from server.web.organiser.auth import CheckedOrganiser, CurrentOrganiser
from server.web.organiser.pages import page

router = APIRouter(prefix="/organise", include_in_schema=False)


def _require_admin(active: Active) -> None:
    if not active.organiser.is_admin:
        raise HTTPException(403, "Admins only.")


@router.get("/networks")
def networks(
    request: Request, active: CurrentOrganiser, session: SessionDep, message: str = ""
) -> Response:
    """Your networks: member links, note keys, counting rule."""
    return page(
        request,
        "organiser/networks.html",
        active,
        nav="networks",
        networks=visible_networks(session=session, organiser=active.organiser),
        message=message,
        rules=CountingRule.labels(),
        fingerprint=key_fingerprint,
        may_set_key=may_set_note_key(active.organiser),
        emergency_max=EMERGENCY_TEXT_MAX,
        default_emergency=str(DEFAULT_EMERGENCY),
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
    """Replace the member link; the new one is shown once."""
    network = visible_network(session=session, organiser=active.organiser, network_id=network_id)
    if network is None:
        raise HTTPException(404)
    if confirm != "yes":
        return _back(f"{network.name}: tick the box to confirm; the link was not changed.")
    token = rotate_member_link(
        session=session,
        network=network,
        key=settings.key(),
        actor=active.organiser.username,
        day=settings.today(),
    )
    url = str(request.base_url).rstrip("/") + link_path(token)
    qr = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return page(
        request, "organiser/link_once.html", active, nav="networks", network=network, url=url, qr=qr
    )


@router.post("/networks/{network_id}/key")
def set_key(
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
        return _back(f"{network.name}: {exc}")
    return _back(f"{network.name}: notes are now " + ("on." if network.public_key else "off."))


@router.post("/networks/{network_id}/rule")
def set_rule(
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
        return _back("Choose one of the counting rules.")
    return _back(f"{network.name}: counting rule is now {counting_rule}.")


@router.post("/networks/{network_id}/emergency")
def set_emergency(
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    emergency_text: str = Form(""),
) -> RedirectResponse:
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
        return _back(f"{network.name}: {exc}")
    return _back(
        f"{network.name}: the member form now shows "
        + ("your emergency text." if text else "the default emergency text.")
    )


@router.post("/networks/{network_id}/area")
def set_area(
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
        text = set_home_area(
            session=session,
            network=network,
            text=home_area,
            gazetteer=gazetteer,
            actor=active.organiser.username,
            day=settings.today(),
        )
    except ValueError as exc:
        return _back(f"{network.name}: home area not changed. {exc}")
    return _back(f"{network.name}: home area is now {text or 'not set'}.")


def _back(message: str, to: str = "/organise/networks") -> RedirectResponse:
    return RedirectResponse(f"{to}?{urlencode({'message': message})}", status_code=303)


@router.get("/organisers")
def organisers(
    request: Request, active: CurrentOrganiser, session: SessionDep, message: str = ""
) -> Response:
    """Admins: organiser accounts."""
    _require_admin(active)
    return page(
        request,
        "organiser/organisers.html",
        active,
        nav="organisers",
        accounts=roster(session=session),
        networks=all_networks(session=session),
        message=message,
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
        return _back(str(exc), "/organise/organisers")
    return _back(f"Created {person.username}.", "/organise/organisers")


@router.post("/organisers/{organiser_id}/active")
def toggle_organiser(
    organiser_id: uuid.UUID, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
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
        return _back(str(exc), "/organise/organisers")
    return _back(
        f"{person.username} is now {'enabled' if person.active else 'disabled'}.",
        "/organise/organisers",
    )


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
    return _back(
        f"{person.username} sets up a new authenticator app at the next login.",
        "/organise/organisers",
    )


@router.get("/audit")
def audit_log(request: Request, active: CurrentOrganiser, session: SessionDep) -> Response:
    """Admins: the audit log."""
    _require_admin(active)
    return page(
        request, "organiser/audit.html", active, nav="audit", entries=audit.recent(session=session)
    )
