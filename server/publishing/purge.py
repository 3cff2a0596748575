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
from sqlalchemy.engine import Connection

from server.logs import about
from server.models.tables import RELEASES, REPORTS
from server.weeks import iso_week, week_end, week_start

log = logging.getLogger("raidwatch.publishing")


def expired_weeks(*, conn: Connection, as_of: date, retention_days: int) -> list[str]:
    """Weeks released more than `retention_days` before `as_of` that still hold reports."""
    cutoff = as_of - timedelta(days=retention_days)
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


def purge(*, conn: Connection, as_of: date, retention_days: int) -> int:
    """Delete the raw reports of expired weeks; returns how many were deleted. The caller
    commits (`engine.begin()`)."""
    weeks = expired_weeks(conn=conn, as_of=as_of, retention_days=retention_days)
    deleted = 0
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
