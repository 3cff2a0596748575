"""What organisers and operators change about a network: its member link, the key that seals
its notes, its counting rule, its home area and what its member form says to do in an
emergency.

Invariant: each change has exactly one implementation here, called by the organiser pages
and by the command line alike, and each writes one audit entry (who, what, which day) in
the same transaction as the change. `actor` is the organiser's username, or
`audit.CLI` for the operator's command line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

from nacl.exceptions import CryptoError
from sqlmodel import Session, col, select

from server.intake.sealing import key_fingerprint, open_note, parse_public_key
from server.models import EMERGENCY_TEXT_MAX, Network, Organiser, Report
from server.networks.links import rotate_link
from server.organising import audit
from server.organising.accounts import may_see
from server.places.gazetteer import Gazetteer
from server.vocabulary import CountingRule


def visible_network(
    *, session: Session, organiser: Organiser, network_id: uuid.UUID
) -> Network | None:
    """The network, if this organiser looks after it (admins see every network)."""
    network = session.get(Network, network_id)
    if network is None or not may_see(session=session, organiser=organiser, network_id=network.id):
        return None
    return network


def rotate_member_link(
    *, session: Session, network: Network, key: bytes, actor: str, day: date
) -> str:
    """Replace the member link; returns the new raw token (to be shown once, P8)."""
    audit.record(
        session=session,
        username=actor,
        action="link rotated",
        day=day,
        detail=network.slug,
        commit=False,
    )
    return rotate_link(session=session, network=network, key=key)  # commits both


def may_set_note_key(organiser: Organiser) -> bool:
    """Whoever sets a network's note key can read every later note (P6), so an ordinary
    organiser account, the likeliest to be taken over, may not: admins (web) and the
    operator (command line) only."""
    return organiser.is_admin


def set_note_key(
    *, session: Session, network: Network, public_key: str | None, actor: str, day: date
) -> None:
    """Seal notes to `public_key` (base64 or hex), or turn notes off with None; audited with
    the key's fingerprint. Callers check `may_set_note_key` first (the CLI is the operator).

    Raises `sealing.BadKey` (nothing changed) for text that is not an X25519 public key.
    """
    network.public_key = parse_public_key(public_key) if public_key is not None else None
    session.add(network)
    audit.record(
        session=session,
        username=actor,
        action="note key set" if network.public_key else "note key removed",
        day=day,
        detail=(
            f"{network.slug}: key {key_fingerprint(network.public_key)}"
            if network.public_key
            else network.slug
        ),
    )


def set_counting_rule(
    *, session: Session, network: Network, rule: str, actor: str, day: date
) -> None:
    """Choose which incidents count for the network; ValueError for an unknown rule."""
    network.counting_rule = str(CountingRule(rule))
    session.add(network)
    audit.record(
        session=session,
        username=actor,
        action="counting rule",
        day=day,
        detail=f"{network.slug}: {network.counting_rule}",
    )


def set_home_area(
    *, session: Session, network: Network, text: str, gazetteer: Gazetteer, actor: str, day: date
) -> str:
    """The postcode areas, districts or councils ("E, IG, Hackney") that rank places of the
    same name for this network's members; "" clears it. Returns the tidied text.

    Raises ValueError (nothing changed) naming each part the gazetteer does not know.
    """
    area = gazetteer.home_area(text)
    network.home_area = area.text
    session.add(network)
    audit.record(
        session=session,
        username=actor,
        action="home area",
        day=day,
        detail=f"{network.slug}: {area.text or '(none)'}",
    )
    return area.text


def set_emergency_text(
    *, session: Session, network: Network, text: str, actor: str, day: date
) -> str:
    """What the member form says to do in an emergency (e.g. the network's hotline), shown
    as written in every language; "" restores the translated default. Returns the tidied
    text. Raises ValueError (nothing changed) when it is too long."""
    tidy = " ".join(text.split())
    if len(tidy) > EMERGENCY_TEXT_MAX:
        raise ValueError(
            f"Keep the emergency text under {EMERGENCY_TEXT_MAX} characters "
            f"(it has {len(tidy)}); it was not changed."
        )
    network.emergency_text = tidy or None
    session.add(network)
    audit.record(
        session=session,
        username=actor,
        action="emergency text set" if tidy else "emergency text cleared",
        day=day,
        detail=network.slug,
    )
    return tidy


def open_notes(*, session: Session, private_key: str) -> Iterator[tuple[Report, str]]:
    """Every note sealed to this private key's public half, with its report, by day and
    district (`raidwatch notes decrypt`, on a trusted machine with a copy of the database).
    Notes sealed to another network's key are passed over; a malformed key raises BadKey."""
    query = select(Report).where(col(Report.sealed_note).is_not(None))
    for report in session.exec(query.order_by(col(Report.occurred_on), col(Report.district))):
        try:
            yield report, open_note(report.sealed_note or b"", private_key=private_key)
        except CryptoError:
            continue  # sealed to another network's key
