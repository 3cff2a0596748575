"""ISO weeks (Monday to Sunday), the unit of release."""

from __future__ import annotations

from datetime import date, timedelta


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def week_end(week: str) -> date:
    return week_start(week) + timedelta(days=6)


def previous_weeks(week: str, count: int) -> list[str]:
    """``count`` weeks ending with ``week``, oldest first."""
    start = week_start(week)
    return [iso_week(start - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]
