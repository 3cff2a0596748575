"""Storing accepted reports: coarse facts only, each in one transaction with its form token.

Invariant: a report row and its spent form token commit together, so a crash can neither
lose an acknowledged report nor burn a token without storing its report. Several reports
may share one transaction (group commit, see server/intake/group_commit.py): all of them
commit or none does, and each gets its own answer. A report for a week that was already
released is flagged late: the next release counts it in its late total. The member link is
checked again just before storing: a report whose link was rotated (or whose network was
closed) while it waited for its group is not stored (P8).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.intake.coarsen import CoarsePlace
from server.intake.fields import Answers
from server.intake.sealing import seal_note
from server.locking import hold_off_publisher
from server.models import Network, UsedFormToken
from server.models.tables import NETWORKS, RELEASES, REPORTS, USED_TOKENS
from server.vocabulary import Status
from server.weeks import iso_week


@dataclass(frozen=True)
class Stored:
    duplicate: bool = False  # the form token was already spent: the first submission stands
    link_gone: bool = False  # the link was rotated or its network closed: nothing stored

    @property
    def stored(self) -> bool:
        return not self.duplicate and not self.link_gone


@dataclass(frozen=True)
class NewReport:
    """An accepted report as it will be stored: coarse (P3), its note sealed (P6)."""

    network_id: uuid.UUID
    link_hash: str  # the link it came through, checked again when it is stored
    cell: str
    district: str
    occurred_on: date
    time_of_day: str
    setting: str
    officers: str
    vehicles: str
    detained: str
    source: str
    sealed_note: bytes | None
    spent_token_hash: str | None = None


def prepare_report(
    *, network: Network, answers: Answers, place: CoarsePlace, spent_token_hash: str | None = None
) -> NewReport:
    sealed = None
    if answers.note and network.public_key:
        sealed = seal_note(answers.note, public_key=network.public_key)
    return NewReport(
        network_id=network.id,
        link_hash=network.link_hash,
        cell=place.cell,
        district=place.district,
        occurred_on=answers.occurred_on,
        time_of_day=answers.time_of_day,
        setting=answers.setting,
        officers=answers.officers,
        vehicles=answers.vehicles,
        detained=answers.detained,
        source=answers.source,
        sealed_note=sealed,
        spent_token_hash=spent_token_hash,
    )


def create_report(
    *,
    session: Session,
    network: Network,
    answers: Answers,
    place: CoarsePlace,
    spent_token_hash: str | None = None,
) -> Stored:
    """Store one report now, in its own transaction."""
    new = prepare_report(
        network=network, answers=answers, place=place, spent_token_hash=spent_token_hash
    )
    return store_reports(session=session, reports=[new])[0]


def store_reports(*, session: Session, reports: Sequence[NewReport]) -> list[Stored]:
    """Store `reports` in one transaction, committed before this returns; one answer each,
    in order. Raises (and stores none) if the transaction fails for any reason but a form
    token spent at the same moment by another process, which only that report loses."""
    try:
        return _store_together(session, reports)
    except IntegrityError:
        session.rollback()
        if len(reports) > 1:  # find the one that raced: each again on its own
            return [_store_together(session, [r])[0] for r in reports]
        token = reports[0].spent_token_hash
        if token is not None and _token_spent(session, token):
            return [Stored(duplicate=True)]  # two copies of one form raced; the other won
        raise


def _store_together(session: Session, reports: Sequence[NewReport]) -> list[Stored]:
    live = _live_links(session, reports)
    spent = _spent_tokens(session, reports)
    answers: list[Stored] = []
    rows: list[dict[str, object]] = []
    tokens: list[dict[str, str]] = []
    weeks: dict[uuid.UUID, str] = {}  # each stored report's ISO week, by id
    for new in reports:
        if (new.network_id, new.link_hash) not in live:
            answers.append(Stored(link_gone=True))
        elif new.spent_token_hash is not None and new.spent_token_hash in spent:
            answers.append(Stored(duplicate=True))
        else:
            if new.spent_token_hash is not None:
                spent.add(new.spent_token_hash)  # the same form twice in one batch: one report
                tokens.append({"token_hash": new.spent_token_hash})
            row_id = uuid.uuid4()
            rows.append(_row(new, row_id))
            weeks[row_id] = iso_week(new.occurred_on)
            answers.append(Stored())
    if not rows:
        session.rollback()
        return answers
    # Rows of one transaction reach the heap (PostgreSQL) or the WAL (SQLite) in the order
    # given: shuffled, the order of a batch says nothing about the order of arrival (P2).
    secrets.SystemRandom().shuffle(rows)
    session.execute(insert(REPORTS), rows)
    if tokens:
        session.execute(insert(USED_TOKENS), tokens)
    # Decide "late" under the publisher lock, or a report stored while its week is being
    # released would be neither counted nor late.
    hold_off_publisher(session)
    in_weeks = RELEASES.c.week.in_(set(weeks.values()))
    released = set(session.scalars(select(RELEASES.c.week).where(in_weeks)))
    late = [row_id for row_id, week in weeks.items() if week in released]
    if late:
        session.execute(
            update(REPORTS).where(REPORTS.c.id.in_(late)).values(late=True, late_pending=True)
        )
    session.commit()
    return answers


def _row(new: NewReport, row_id: uuid.UUID) -> dict[str, object]:
    return {
        "id": row_id,
        "network_id": new.network_id,
        "cell": new.cell,
        "district": new.district,
        "occurred_on": new.occurred_on,
        "time_of_day": new.time_of_day,
        "setting": new.setting,
        "officers": new.officers,
        "vehicles": new.vehicles,
        "detained": new.detained,
        "source": new.source,
        "sealed_note": new.sealed_note,
        "status": Status.PENDING.value,
        "late": False,
        "late_pending": False,
        "mixed": False,  # until the next re-mix: not yet shown to moderation
    }


def _live_links(session: Session, reports: Sequence[NewReport]) -> set[tuple[uuid.UUID, str]]:
    ids = {new.network_id for new in reports}
    query = select(NETWORKS.c.id, NETWORKS.c.link_hash).where(
        NETWORKS.c.id.in_(ids), NETWORKS.c.active
    )
    return {(row.id, row.link_hash) for row in session.execute(query)}


def _spent_tokens(session: Session, reports: Sequence[NewReport]) -> set[str]:
    hashes = {new.spent_token_hash for new in reports if new.spent_token_hash is not None}
    if not hashes:
        return set()
    query = select(USED_TOKENS.c.token_hash).where(USED_TOKENS.c.token_hash.in_(hashes))
    return set(session.scalars(query))


def _token_spent(session: Session, token_hash: str) -> bool:
    query = select(USED_TOKENS.c.token_hash).where(USED_TOKENS.c.token_hash == token_hash)
    return session.execute(query).first() is not None


def drop_used_form_tokens(*, session: Session) -> int:
    """Empty the anti-replay table (daily): yesterday's tokens are invalid anyway."""
    from sqlmodel import delete

    result = session.exec(delete(UsedFormToken))
    session.commit()
    return int(result.rowcount or 0)
