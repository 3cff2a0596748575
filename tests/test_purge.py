"""Retention with time travel, and the scheduler's daily publish-then-purge job."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.publishing.release import publish
from tests.factories import add_incidents, add_report, make_network
from tests.synthetic import publishing_settings, purge_on, table_rows

MONDAY = date(2026, 1, 5)  # 2026-W02
RELEASED_ON = date(2026, 1, 14)


pytestmark = pytest.mark.pub(retention_days=30)


def report_days(pub):
    rows = table_rows(pub, "SELECT occurred_on FROM reports")
    return sorted(str(row.occurred_on) for row in rows)


def test_reports_expire_exactly_after_retention(pub, session):
    net = make_network(session)
    add_report(session, net, day=MONDAY, note=b"sealed-box-bytes")
    add_report(session, net, day=MONDAY + timedelta(days=7))  # next week, released later
    assert publish(settings=pub, as_of=RELEASED_ON)
    assert purge_on(pub, RELEASED_ON + timedelta(days=30)) == 0  # not *more* than
    assert len(report_days(pub)) == 2
    assert purge_on(pub, RELEASED_ON + timedelta(days=31)) == 1
    assert report_days(pub) == ["2026-01-12"]
    assert len(table_rows(pub, "SELECT week FROM releases")) == 12  # releases stay


def test_unreleased_weeks_and_uncounted_late_reports_are_kept(pub, session):
    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=2)
    publish(settings=pub, as_of=RELEASED_ON)
    add_report(session, net, day=MONDAY, late=True)  # waiting for the next late total
    far = RELEASED_ON + timedelta(days=400)
    assert purge_on(pub, far) == 2
    assert report_days(pub) == ["2026-01-05"]
    publish(settings=pub, as_of=RELEASED_ON + timedelta(days=7))  # counts it, clears the flag
    assert purge_on(pub, far) == 1
    assert report_days(pub) == []


def test_zero_retention_purges_the_day_after_release(settings, tmp_path, session):
    pub = publishing_settings(settings, tmp_path, retention_days=0)
    add_report(session, make_network(session), day=MONDAY)
    publish(settings=pub, as_of=RELEASED_ON)
    assert purge_on(pub, RELEASED_ON) == 0
    assert purge_on(pub, RELEASED_ON + timedelta(days=1)) == 1


def test_scheduler_runs_publish_then_purge_daily(pub, session):
    from server.publishing.jobs import publish_and_purge
    from server.scheduler import Scheduler

    add_report(session, make_network(session), day=MONDAY)
    scheduler = Scheduler(pub, daily_jobs=[publish_and_purge])
    scheduler.tick(pub.publish_hour - 1, RELEASED_ON)  # before the hour: nothing yet
    assert table_rows(pub, "SELECT count(*) FROM releases") == [(0,)]
    scheduler.tick(pub.publish_hour, RELEASED_ON)
    assert len(table_rows(pub, "SELECT week FROM releases")) == 12
    scheduler.tick(pub.publish_hour, RELEASED_ON + timedelta(days=31))
    assert report_days(pub) == []
