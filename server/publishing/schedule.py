"""When weeks fall due and when the next release happens: pure date arithmetic, no I/O.

Week W is due on the first scheduled run on or after W's Sunday + delay (at least one day,
so a week is never released before it has ended), at the configured publish hour.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from server.weeks import iso_week, week_end


def is_due(week: str, *, as_of: date, delay_days: int) -> bool:
    """Whether a run on `as_of` may release `week`."""
    return as_of >= week_end(week) + timedelta(days=max(delay_days, 1))


def latest_due_week(*, as_of: date, delay_days: int) -> str:
    """The most recent week a run on `as_of` may release."""
    last_sunday = as_of - timedelta(days=max(delay_days, 1))
    last_sunday -= timedelta(days=last_sunday.isoweekday() % 7)
    return iso_week(last_sunday)


@dataclass(frozen=True)
class NextRelease:
    day: date
    hour: int
    week: str


def next_release(
    *, today: date, hour_now: int, publish_hour: int, delay_days: int, released: Collection[str]
) -> NextRelease:
    """The next run that will release a week not yet released, and which week that is.

    Releases of weeks that have not fallen due yet (an operator published "as of" a later
    day) only push it further out: a new week falls due every 7 days and `released` is
    finite, so the search ends."""
    day = today if hour_now < publish_hour else today + timedelta(days=1)
    while True:
        week = latest_due_week(as_of=day, delay_days=delay_days)
        if week not in released:
            return NextRelease(day=day, hour=publish_hour, week=week)
        day += timedelta(days=1)
