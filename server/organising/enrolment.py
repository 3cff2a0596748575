"""Enrolling, checking and resetting an organiser's second factor (see ``second_factor``).

Every organiser has one: an account without a confirmed factor can only reach the
enrolment page after its password (the page offers a new secret each time it is shown and
stores it only once a code confirms it); ``raidwatch organiser create`` enrols at once and
prints the URI and the recovery codes. A check has no side effect; a recovery code is
spent (its row deleted) only after the password was also right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, delete

from server.models import Organiser, RecoveryCode
from server.organising import audit
from server.organising import second_factor as factor
from server.organising.logins import end_all


@dataclass(frozen=True)
class Enrolled:
    uri: str
    recovery_codes: list[str]


@dataclass(frozen=True)
class FactorMatch:
    recovery_hash: str | None = None  # set when a recovery code matched (to spend it)


def enrolled(organiser: Organiser) -> bool:
    return bool(organiser.totp_secret and organiser.totp_confirmed)


def _new_recovery_codes(*, session: Session, organiser: Organiser, key: bytes) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.organiser_id) == organiser.id))
    codes = factor.new_recovery_codes()
    for code in codes:
        session.add(
            RecoveryCode(code_hash=factor.recovery_hash(code, key=key), organiser_id=organiser.id)
        )
    return codes


def enrol_now(*, session: Session, organiser: Organiser, key: bytes) -> Enrolled:
    """A new confirmed factor and ten recovery codes (the CLI prints both, once)."""
    secret = factor.new_secret()
    organiser.totp_secret = factor.seal_secret(secret, key=key)
    organiser.totp_confirmed = True
    session.add(organiser)
    codes = _new_recovery_codes(session=session, organiser=organiser, key=key)
    session.commit()
    return Enrolled(
        uri=factor.provisioning_uri(secret, username=organiser.username), recovery_codes=codes
    )


def replace(
    *, session: Session, organiser: Organiser, key: bytes, actor: str, day: date
) -> Enrolled:
    """A new factor at once (the command line's reset): the old app and codes stop working,
    the organiser's sessions end. Audited."""
    enrolled_now = enrol_now(session=session, organiser=organiser, key=key)
    _end_sessions_audited(session=session, organiser=organiser, actor=actor, day=day)
    return enrolled_now


def offer(*, organiser: Organiser, key: bytes, again: str = "") -> tuple[str, str]:
    """A secret for the enrolment page, and the same secret sealed for its form (``again``:
    the one offered before, kept after a mistyped code).

    Nothing is written until a code confirms it, so showing the page changes nothing; the
    sealed copy names the organiser, so it confirms no other account.
    """
    owner, _, secret = (factor.open_secret(again, key=key) or "").partition(":")
    if owner != str(organiser.id) or not secret:
        secret = factor.new_secret()
    return secret, factor.seal_secret(f"{organiser.id}:{secret}", key=key)


def confirm(
    *, session: Session, organiser: Organiser, offered: str, code: str, key: bytes
) -> list[str] | None:
    """Enrol the offered secret if the code matches it; the recovery codes, or None."""
    owner, _, secret = (factor.open_secret(offered, key=key) or "").partition(":")
    if enrolled(organiser) or owner != str(organiser.id) or not secret:
        return None
    if not factor.totp_matches(secret, code):
        return None
    organiser.totp_secret = factor.seal_secret(secret, key=key)
    organiser.totp_confirmed = True
    session.add(organiser)
    codes = _new_recovery_codes(session=session, organiser=organiser, key=key)
    session.commit()
    return codes


def check(*, session: Session, organiser: Organiser, code: str, key: bytes) -> FactorMatch | None:
    """Does this code (TOTP or recovery) belong to this organiser? No side effect."""
    if not enrolled(organiser) or not code:
        return None
    secret = factor.open_secret(organiser.totp_secret or "", key=key)
    if secret is not None and factor.totp_matches(secret, code):
        return FactorMatch()
    if factor.looks_like_recovery_code(code):
        digest = factor.recovery_hash(code, key=key)
        row = session.get(RecoveryCode, digest)
        if row is not None and row.organiser_id == organiser.id:
            return FactorMatch(recovery_hash=digest)
    return None


def spend(*, session: Session, match: FactorMatch) -> bool:
    """Spend a matched recovery code; False if another login spent it first."""
    if match.recovery_hash is None:
        return True
    result = session.exec(
        delete(RecoveryCode).where(col(RecoveryCode.code_hash) == match.recovery_hash)
    )
    session.commit()
    return bool(result.rowcount)


def renew_recovery_codes(*, session: Session, organiser: Organiser, key: bytes) -> list[str]:
    codes = _new_recovery_codes(session=session, organiser=organiser, key=key)
    session.commit()
    return codes


def reset(*, session: Session, organiser: Organiser, actor: str, day: date) -> None:
    """Forget the factor and its codes and end the organiser's sessions: they enrol again
    after their password. Audited."""
    organiser.totp_secret = None
    organiser.totp_confirmed = False
    session.add(organiser)
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.organiser_id) == organiser.id))
    session.commit()
    _end_sessions_audited(session=session, organiser=organiser, actor=actor, day=day)


def recovery_codes_left(*, session: Session, organiser: Organiser) -> int:
    from sqlmodel import func, select

    query = select(func.count()).where(RecoveryCode.organiser_id == organiser.id)
    return int(session.exec(query).one())


def _end_sessions_audited(*, session: Session, organiser: Organiser, actor: str, day: date) -> None:
    """End the organiser's sessions after a factor reset, and audit the reset."""
    ended = end_all(session=session, organiser=organiser)
    audit.record(
        session=session,
        username=actor,
        action="second factor reset",
        day=day,
        detail=f"{organiser.username} ({ended} sessions ended)",
    )
