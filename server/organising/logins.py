"""Server-side organiser sessions with idle and absolute timeouts, and their CSRF tokens.

The cookie carries a 128-bit random id; the table stores only its SHA-256, so a copy of
the database cannot be replayed as a login. Logging out deletes the row; "log out
everywhere" deletes every row of that organiser.

P2: expiries are rounded up to the mixing window, so a session row keeps no instant finer
than it (a login or a renewal cannot be pinned to a time between two report commits).
The idle timeout is therefore between `idle` and `idle` + one window.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from server.models import Organiser, OrganiserSession


@dataclass(frozen=True)
class Active:
    organiser: Organiser
    record: OrganiserSession


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def round_up(instant: float, window_seconds: int) -> int:
    """The first window boundary at or after `instant` (unix seconds)."""
    return math.ceil(instant / window_seconds) * window_seconds


def start(
    *,
    session: Session,
    organiser: Organiser,
    idle_seconds: int,
    absolute_seconds: int,
    window_seconds: int,
    now: float | None = None,
) -> str:
    now = time.time() if now is None else now
    raw = secrets.token_urlsafe(16)
    session.add(
        OrganiserSession(
            id_hash=_hash(raw),
            organiser_id=organiser.id,
            csrf_token=secrets.token_urlsafe(32),
            idle_expiry=round_up(now + idle_seconds, window_seconds),
            absolute_expiry=round_up(now + absolute_seconds, window_seconds),
        )
    )
    session.commit()
    return raw


def resume(
    *,
    session: Session,
    raw: str,
    idle_seconds: int,
    window_seconds: int,
    now: float | None = None,
) -> Active | None:
    """The live session for a cookie value, its idle timer renewed; None if expired."""
    if not raw or len(raw) > 64:
        return None
    now = time.time() if now is None else now
    record = session.get(OrganiserSession, _hash(raw))
    if record is None:
        return None
    organiser = session.get(Organiser, record.organiser_id)
    if (
        now >= record.idle_expiry
        or now >= record.absolute_expiry
        or organiser is None
        or not organiser.active
    ):
        session.delete(record)
        session.commit()
        return None
    renewed = min(round_up(now + idle_seconds, window_seconds), record.absolute_expiry)
    if renewed > record.idle_expiry:  # at most one write per window
        record.idle_expiry = renewed
        session.add(record)
        session.commit()
    return Active(organiser=organiser, record=record)


def end(*, session: Session, raw: str) -> None:
    session.exec(delete(OrganiserSession).where(col(OrganiserSession.id_hash) == _hash(raw)))
    session.commit()


def end_all(*, session: Session, organiser: Organiser) -> int:
    result = session.exec(
        delete(OrganiserSession).where(col(OrganiserSession.organiser_id) == organiser.id)
    )
    session.commit()
    return int(result.rowcount or 0)


def drop_expired(*, session: Session, now: float | None = None) -> None:
    now = time.time() if now is None else now
    stale = select(OrganiserSession).where(
        (OrganiserSession.idle_expiry <= now) | (OrganiserSession.absolute_expiry <= now)
    )
    for record in session.exec(stale):
        session.delete(record)
    session.commit()


def csrf_matches(record: OrganiserSession, submitted: str) -> bool:
    return bool(submitted) and secrets.compare_digest(record.csrf_token, submitted)
