"""The housekeeping jobs: everything, daily and from `raidwatch purge`; the re-mix, every
mixing window. Logs carry coarse counts only (P5: exact raw counts are not published)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.config import Settings
from server.db import get_engine, session_scope
from server.housekeeping.remix import Remixed, remix
from server.housekeeping.retention import expire
from server.intake.store import drop_used_form_tokens
from server.logs import about
from server.organising.logins import drop_expired
from server.publishing.purge import purge

log = logging.getLogger("raidwatch.housekeeping")


@dataclass(frozen=True)
class Housekept:
    reports: int
    audit_entries: int
    remixed: Remixed


def housekeep(*, settings: Settings, as_of: date, form_tokens: bool = True) -> Housekept:
    """Purge expired reports, sessions, form tokens and audit entries, then re-mix.

    `as_of` moves retention in time (`purge --as-of`); sessions expire by the later of now
    and the start of that day.
    """
    engine = get_engine(settings)
    with engine.begin() as conn:
        reports = purge(conn=conn, as_of=as_of, retention_days=settings.retention_days)
    start_of_day = datetime.combine(as_of, datetime.min.time(), ZoneInfo(settings.timezone))
    with session_scope(settings) as session:
        expired = expire(
            session=session,
            now=max(time.time(), start_of_day.timestamp()),
            audit_before=as_of - timedelta(days=settings.audit_retention_days),
            form_tokens=form_tokens,
        )
    remixed = remix(engine=engine)
    log.info(
        "housekeeping: %s raw report(s) and %s audit entr(ies) deleted; reports re-mixed",
        about(reports),
        about(expired.audit_entries),
    )
    return Housekept(reports=reports, audit_entries=expired.audit_entries, remixed=remixed)


def every_window(*, settings: Settings) -> None:
    """The mixing-window job: drop expired sessions, then re-mix."""
    with session_scope(settings) as session:
        drop_expired(session=session)
    remix(engine=get_engine(settings))


def new_day(*, settings: Settings) -> None:
    """The job of each new local day: empty the spent form tokens (yesterday's forms are
    refused by their own date anyway, so the table never holds more than a day)."""
    with session_scope(settings) as session:
        drop_used_form_tokens(session=session)
