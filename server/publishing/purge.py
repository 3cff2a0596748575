"""Retention (P5): raw reports expire once their week has been published long enough.

Invariant: a report (and with it its sealed note, which lives in the same row) is deleted
when its week was released more than `retention_days` before the run date; releases are
never deleted. A late report still waiting to be counted in a late total is kept until the
next release has counted it. SQLite runs with ``secure_delete``, so deleted rows are
overwritten rather than left in free pages.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import delete, select

from server.config import Settings
from server.db import get_engine
from server.logs import about
from server.models import Release, Report
from server.weeks import iso_week, week_end, week_start

log = logging.getLogger("raidwatch.publishing")
RELEASES = Release.__table__  # type: ignore[attr-defined]
REPORTS = Report.__table__  # type: ignore[attr-defined]


def expired_weeks(*, settings: Settings, as_of: date) -> list[str]:
    """Weeks released more than `retention_days` before `as_of` that still hold reports."""
    cutoff = as_of - timedelta(days=settings.retention_days)
    with get_engine(settings).connect() as conn:
        released = {
            row.week
            for row in conn.execute(select(RELEASES.c.week).where(RELEASES.c.published_on < cutoff))
        }
        if not released:
            return []
        last_day = max(week_end(week) for week in released)
        days = conn.execute(
            select(REPORTS.c.occurred_on).distinct().where(REPORTS.c.occurred_on <= last_day)
        )
        return sorted(released & {iso_week(row.occurred_on) for row in days})


def purge(*, settings: Settings, as_of: date) -> int:
    """Delete the raw reports of expired weeks; returns how many were deleted."""
    weeks = expired_weeks(settings=settings, as_of=as_of)
    deleted = 0
    with get_engine(settings).begin() as conn:
        for week in weeks:
            result = conn.execute(
                delete(REPORTS).where(
                    REPORTS.c.occurred_on >= week_start(week),
                    REPORTS.c.occurred_on <= week_end(week),
                    REPORTS.c.late_pending.is_(False),
                )
            )
            deleted += int(result.rowcount or 0)
    if deleted:  # an order of magnitude only: exact raw counts are not published
        log.info("purged %s report(s) of %d expired week(s)", about(deleted), len(weeks))
    return deleted
