"""Storing an accepted report: coarse facts only, in one transaction with its form token.

The report row and the spent form token commit together, so a crash can neither lose an
acknowledged report nor burn a token without storing its report. A report for a week that
was already released is flagged late: the next release counts it in its late total.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server.intake.coarsen import CoarsePlace
from server.intake.fields import Answers
from server.intake.sealing import seal_note
from server.locking import hold_off_publisher
from server.models import Network, Release, Report, UsedFormToken
from server.weeks import iso_week


@dataclass(frozen=True)
class Stored:
    duplicate: bool  # the form token was already spent: the first submission stands


def create_report(
    *,
    session: Session,
    network: Network,
    answers: Answers,
    place: CoarsePlace,
    spent_token_hash: str | None = None,
) -> Stored:
    if spent_token_hash is not None:
        if session.get(UsedFormToken, spent_token_hash) is not None:
            return Stored(duplicate=True)
    sealed = None
    if answers.note and network.public_key:
        sealed = seal_note(answers.note, public_key=network.public_key)
    report = Report(
        id=uuid.uuid4(),
        network_id=network.id,
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
    )
    session.add(report)
    if spent_token_hash is not None:
        session.add(UsedFormToken(token_hash=spent_token_hash))
    try:
        # Decide "late" under the publisher lock, or a report stored while its week is being
        # released would be neither counted nor late.
        hold_off_publisher(session)
        week = iso_week(answers.occurred_on)
        late = session.exec(select(Release.id).where(Release.week == week)).first() is not None
        report.late = report.late_pending = late
        session.commit()
    except IntegrityError:
        # Two copies of the same form raced; the other one stored the report.
        session.rollback()
        return Stored(duplicate=True)
    return Stored(duplicate=False)


def drop_used_form_tokens(*, session: Session) -> int:
    """Empty the anti-replay table (daily): yesterday's tokens are invalid anyway."""
    from sqlmodel import delete

    result = session.exec(delete(UsedFormToken))
    session.commit()
    return int(result.rowcount or 0)
