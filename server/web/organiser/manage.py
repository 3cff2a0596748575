"""Organiser pages for network management (links, keys, counting rule), organiser accounts
(admins) and the audit log (admins)."""

from __future__ import annotations

import uuid

import segno
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from server.deps import SessionDep, SettingsDep
from server.intake.sealing import BadKey, parse_public_key
from server.models import EMERGENCY_TEXT_MAX, Network, Organiser, OrganiserNetwork
from server.networks.links import link_path, rotate_link
from server.organising import audit
from server.organising.accounts import AccountError, create_organiser, may_see, visible_networks
from server.organising.logins import Active, end_all
from server.publishing.incidents import RULES
from server.web.member import DEFAULT_EMERGENCY
from server.web.organiser.auth import CheckedOrganiser, CurrentOrganiser
from server.web.organiser.pages import page

router = APIRouter(prefix="/organise", include_in_schema=False)


def _network(session, active: Active, network_id: uuid.UUID) -> Network:
    network = session.get(Network, network_id)
    if network is None or not may_see(
        session=session, organiser=active.organiser, network_id=network.id
    ):
        raise HTTPException(404)
    return network


def _require_admin(active: Active) -> None:
    if not active.organiser.is_admin:
        raise HTTPException(403, "Admins only.")


@router.get("/networks")
def networks(request: Request, active: CurrentOrganiser, session: SessionDep, message: str = ""):
    """Your networks: member links, note keys, counting rule."""
    return page(
        request,
        "organiser/networks.html",
        active,
        nav="networks",
        networks=visible_networks(session=session, organiser=active.organiser),
        message=message,
        rules=sorted(RULES),
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
):
    """Replace the member link; the new one is shown once."""
    network = _network(session, active, network_id)
    if confirm != "yes":
        return _back(f"{network.name}: tick the box to confirm; the link was not changed.")
    token = rotate_link(session=session, network=network, key=settings.key())
    audit.record(
        session=session,
        username=active.organiser.username,
        action="link rotated",
        day=settings.today(),
        detail=network.slug,
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
):
    """Set (or clear, when empty) the public key that seals notes."""
    network = _network(session, active, network_id)
    try:
        network.public_key = parse_public_key(public_key) if public_key.strip() else None
    except BadKey as exc:
        return _back(f"{network.name}: {exc}")
    session.add(network)
    audit.record(
        session=session,
        username=active.organiser.username,
        action="note key set" if network.public_key else "note key removed",
        day=settings.today(),
        detail=network.slug,
    )
    return _back(f"{network.name}: notes are now " + ("on." if network.public_key else "off."))


@router.post("/networks/{network_id}/rule")
def set_rule(
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    counting_rule: str = Form(""),
):
    """Choose which incidents count for this network."""
    network = _network(session, active, network_id)
    if counting_rule not in RULES:
        return _back("Choose one of the counting rules.")
    network.counting_rule = counting_rule
    session.add(network)
    audit.record(
        session=session,
        username=active.organiser.username,
        action="counting rule",
        day=settings.today(),
        detail=f"{network.slug}: {counting_rule}",
    )
    return _back(f"{network.name}: counting rule is now {counting_rule}.")


@router.post("/networks/{network_id}/emergency")
def set_emergency(
    network_id: uuid.UUID,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    emergency_text: str = Form(""),
):
    """Set what the member form says to do in an emergency (empty: the default text)."""
    network = _network(session, active, network_id)
    text = " ".join(emergency_text.split())
    if len(text) > EMERGENCY_TEXT_MAX:
        return _back(
            f"{network.name}: keep the emergency text under {EMERGENCY_TEXT_MAX} characters "
            f"(it has {len(text)}); it was not changed."
        )
    network.emergency_text = text or None
    session.add(network)
    audit.record(
        session=session,
        username=active.organiser.username,
        action="emergency text set" if text else "emergency text cleared",
        day=settings.today(),
        detail=network.slug,
    )
    return _back(
        f"{network.name}: the member form now shows "
        + ("your emergency text." if text else "the default emergency text.")
    )


def _back(message: str, to: str = "/organise/networks") -> RedirectResponse:
    from urllib.parse import urlencode

    return RedirectResponse(f"{to}?{urlencode({'message': message})}", status_code=303)


@router.get("/organisers")
def organisers(request: Request, active: CurrentOrganiser, session: SessionDep, message: str = ""):
    """Admins: organiser accounts."""
    _require_admin(active)
    people = list(session.exec(select(Organiser).order_by(Organiser.username)))
    links = session.exec(select(OrganiserNetwork)).all()
    names = {n.id: n.name for n in session.exec(select(Network))}
    of = {
        p.id: sorted(names[link.network_id] for link in links if link.organiser_id == p.id)
        for p in people
    }
    return page(
        request,
        "organiser/organisers.html",
        active,
        nav="organisers",
        people=people,
        of=of,
        networks=sorted(names.items(), key=lambda kv: kv[1]),
        message=message,
    )


@router.post("/organisers")
async def add_organiser(
    request: Request, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
):
    """Admins: create an organiser."""
    _require_admin(active)
    form = await request.form()
    wanted = {str(v) for v in form.getlist("network")}
    chosen = [n for n in session.exec(select(Network)) if str(n.id) in wanted]
    is_admin = form.get("role") == "admin"
    if not is_admin and not chosen:
        return _back(
            "Choose at least one network, or make the account an admin.", "/organise/organisers"
        )
    try:
        person = create_organiser(
            session=session,
            username=str(form.get("username", "")),
            password=str(form.get("password", "")),
            is_admin=is_admin,
            networks=chosen,
        )
    except AccountError as exc:
        return _back(str(exc), "/organise/organisers")
    audit.record(
        session=session,
        username=active.organiser.username,
        action="organiser created",
        day=settings.today(),
        detail=person.username,
    )
    return _back(f"Created {person.username}.", "/organise/organisers")


@router.post("/organisers/{organiser_id}/active")
def toggle_organiser(
    organiser_id: uuid.UUID, active: CheckedOrganiser, session: SessionDep, settings: SettingsDep
):
    """Admins: disable (and log out everywhere) or re-enable an organiser."""
    _require_admin(active)
    person = session.get(Organiser, organiser_id)
    if person is None:
        raise HTTPException(404)
    if person.id == active.organiser.id:
        return _back("You cannot disable yourself.", "/organise/organisers")
    person.active = not person.active
    session.add(person)
    session.commit()
    if not person.active:
        end_all(session=session, organiser=person)
    audit.record(
        session=session,
        username=active.organiser.username,
        action="organiser enabled" if person.active else "organiser disabled",
        day=settings.today(),
        detail=person.username,
    )
    return _back(
        f"{person.username} is now {'enabled' if person.active else 'disabled'}.",
        "/organise/organisers",
    )


@router.get("/audit")
def audit_log(request: Request, active: CurrentOrganiser, session: SessionDep):
    """Admins: the audit log."""
    _require_admin(active)
    return page(
        request, "organiser/audit.html", active, nav="audit", entries=audit.recent(session=session)
    )
