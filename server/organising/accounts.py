"""Organiser accounts: argon2id password hashes and who may see which network.

Creating, disabling and re-enabling an account each have one implementation here, used by
the admin pages and the command line, and each writes an audit entry naming the actor (an
admin's username, or "cli").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from server.models import Network, Organiser, OrganiserNetwork
from server.organising import audit
from server.organising.logins import end_all

# argon2-cffi's defaults are RFC 9106's "low memory" profile: argon2id, t=3, m=64 MiB, p=4.
HASHER = PasswordHasher()
MIN_PASSWORD = 12
MAX_PASSWORD = 512  # the login form's body cap must hold it
# Verifying against this keeps the timing of "no such user" like a wrong password.
_DUMMY_HASH = HASHER.hash("not-a-real-password-at-all")


class AccountError(ValueError):
    pass


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"Use a password of at most {MAX_PASSWORD} characters.")


def create_organiser(
    *,
    session: Session,
    username: str,
    password: str,
    actor: str,
    day: date,
    is_admin: bool = False,
    networks: list[Network] | None = None,
) -> Organiser:
    """A new account: an admin, or an organiser of at least one network. Audited."""
    if not is_admin and not networks:
        raise AccountError("Choose at least one network, or make the account an admin.")
    username = username.strip().lower()
    if (
        not username
        or len(username) > 64
        or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        raise AccountError("A username is 1-64 letters, digits, dots, dashes or underscores.")
    check_password_strength(password)
    if session.exec(select(Organiser).where(Organiser.username == username)).first():
        raise AccountError(f"An organiser called {username!r} already exists.")
    organiser = Organiser(username=username, password_hash=HASHER.hash(password), is_admin=is_admin)
    session.add(organiser)
    session.flush()
    for network in networks or []:
        session.add(OrganiserNetwork(organiser_id=organiser.id, network_id=network.id))
    audit.record(
        session=session, username=actor, action="organiser created", day=day, detail=username
    )
    session.refresh(organiser)
    return organiser


def set_active(
    *, session: Session, organiser: Organiser, active: bool, actor: str, day: date
) -> None:
    """Disable (and log out everywhere) or re-enable an account. Audited."""
    if organiser.username == actor:
        raise AccountError("You cannot disable yourself.")
    organiser.active = active
    session.add(organiser)
    session.commit()
    if not active:
        end_all(session=session, organiser=organiser)
    audit.record(
        session=session,
        username=actor,
        action="organiser enabled" if active else "organiser disabled",
        day=day,
        detail=organiser.username,
    )


@dataclass(frozen=True)
class Account:
    organiser: Organiser
    networks: list[str]  # names of the networks looked after (admins see every network)


def roster(*, session: Session) -> list[Account]:
    """Every account, by username, with the names of its networks."""
    names = {n.id: n.name for n in session.exec(select(Network))}
    links = session.exec(select(OrganiserNetwork)).all()
    return [
        Account(
            organiser=person,
            networks=sorted(names[n.network_id] for n in links if n.organiser_id == person.id),
        )
        for person in session.exec(select(Organiser).order_by(Organiser.username))
    ]


def organiser_by_id(*, session: Session, organiser_id: uuid.UUID) -> Organiser | None:
    return session.get(Organiser, organiser_id)


def all_networks(*, session: Session) -> list[Network]:
    """Every network, by name (what an admin may hand to a new organiser)."""
    return list(session.exec(select(Network).order_by(Network.name)))


def find_organiser(*, session: Session, username: str) -> Organiser | None:
    """The active organiser of that name; None for anything that cannot be one."""
    name = username.strip().lower()
    if not name or len(name) > 64 or not name.isprintable():
        return None  # never sent to the database (PostgreSQL refuses NUL in text, for one)
    organiser = session.exec(select(Organiser).where(Organiser.username == name)).first()
    return organiser if organiser is not None and organiser.active else None


def password_matches(*, session: Session, organiser: Organiser | None, password: str) -> bool:
    """One argon2id check (against a dummy hash when there is no such organiser, so that
    "no such user" takes as long as a wrong password)."""
    if organiser is None:
        try:
            HASHER.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return False
    try:
        HASHER.verify(organiser.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if HASHER.check_needs_rehash(organiser.password_hash):
        organiser.password_hash = HASHER.hash(password)
        session.add(organiser)
        session.commit()
    return True


def authenticate(*, session: Session, username: str, password: str) -> Organiser | None:
    organiser = find_organiser(session=session, username=username)
    if not password_matches(session=session, organiser=organiser, password=password):
        return None
    return organiser


def set_password(*, session: Session, organiser: Organiser, password: str) -> None:
    check_password_strength(password)
    organiser.password_hash = HASHER.hash(password)
    session.add(organiser)
    session.commit()


def visible_networks(*, session: Session, organiser: Organiser) -> list[Network]:
    query = select(Network).order_by(Network.name)
    if not organiser.is_admin:
        link = col(OrganiserNetwork.network_id) == col(Network.id)
        query = query.join(OrganiserNetwork, link).where(
            OrganiserNetwork.organiser_id == organiser.id
        )
    return list(session.exec(query))


def may_see(*, session: Session, organiser: Organiser, network_id: uuid.UUID) -> bool:
    if organiser.is_admin:
        return True
    return session.get(OrganiserNetwork, (organiser.id, network_id)) is not None
