"""The weekly release job: which weeks are due, and releasing each one exactly once (P4).

Invariants:
- A week is released only once it has ended and `delay_days` have passed: week W is due on
  any run dated on or after W's Sunday + max(delay_days, 1) (a delay of 0 still waits for
  the week to end).
- A run releases, oldest first, every due week not yet released that either has reports or
  lies within the last 12 due weeks (the longest view), so a new deployment's views have a
  full window and a server that was down catches up; older empty weeks are not noised.
- Each release is one transaction under the publisher lock: the release row, a noisy count
  for every area (zeros included), the budget-ledger entry and the settling of late reports
  commit together or not at all. The week is checked again under the lock, so two
  publishers produce one release; the unique week (release and ledger) is the last guard.
- Late reports (for weeks already released) never reopen their week. The incidents only
  they establish are counted once, ever, noised with their own budget (`late_epsilon`)
  into the late total of the next release (`counting.late_incidents`).
- The map budget ε (`epsilon`) is split between two noisy vectors: one count per area
  (ε − region ε) and one count per resolution-4 region (region ε = `REGION_SHARE`·ε), zeros
  included in both. An incident lies in exactly one area and one region, so each vector
  has sensitivity 1 and together they spend ε (sequential composition). Views combine the
  two (post-processing, `views.build_view`).
- The ledger entry of a week is everything its release spent: area ε + region ε + trend ε
  + late ε. Every noisy draw goes through `_spend`, which adds the ε it is given to that sum.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from server.config import Settings
from server.db import get_engine
from server.locking import publisher_transaction
from server.models.tables import COUNTS, LEDGER, REGION_COUNTS, RELEASES, REPORTS, TRENDS
from server.places.gazetteer import Gazetteer
from server.publishing.counting import ELSEWHERE, WeekTally, late_incidents, week_tally
from server.publishing.noise import noisy_counts
from server.publishing.schedule import is_due, latest_due_week
from server.publishing.series import SeriesPlan, ensure_series, load_gazetteer, plan_series
from server.weeks import iso_week, previous_weeks, week_end

log = logging.getLogger("raidwatch.publishing")
FULL_WINDOW_WEEKS = 12
# Share of the map budget spent on the region counts. Measured with bench/utility: 0.4 lifts
# 4- and 12-week coverage (areas and regions together) the most at ≤ 0.3 false rows a view.
REGION_SHARE = 0.4


@dataclass(frozen=True)
class Policy:
    epsilon: float
    k: int
    delay_days: int
    trend_epsilon: float = 0.0
    late_epsilon: float = 0.0
    region_share: float = REGION_SHARE

    @property
    def region_epsilon(self) -> float:
        """The part of `epsilon` spent on region counts (none when noise is off)."""
        return self.epsilon * self.region_share

    @property
    def area_epsilon(self) -> float:
        return self.epsilon - self.region_epsilon

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            epsilon=settings.epsilon,
            k=settings.k,
            delay_days=settings.delay_days,
            trend_epsilon=settings.trend_epsilon,
            late_epsilon=settings.late_epsilon,
        )


def release_summaries(*, conn: Connection) -> list[dict[str, Any]]:
    """Every release, oldest week first, with its parameters and how many areas it shows
    (what `raidwatch releases` prints: released numbers and settings only)."""
    query = (
        select(RELEASES, func.count(COUNTS.c.area).label("areas"))
        .join(COUNTS, COUNTS.c.release_id == RELEASES.c.id, isouter=True)
        .group_by(RELEASES.c.id)
        .order_by(RELEASES.c.week)
    )
    return [
        {
            "week": r.week,
            "epsilon": r.epsilon,
            "areas": r.areas,
            "k": r.k,
            "min_postcodes": r.min_postcodes,
            "delay_days": r.delay_days,
            "published_on": r.published_on.isoformat(),
            "national_total": r.national_total,
            "late_total": r.late_total,
        }
        for r in conn.execute(query)
    ]


def released_weeks(*, conn: Connection) -> set[str]:
    """Every week already released, hence frozen."""
    return {row.week for row in conn.execute(select(RELEASES.c.week))}


def due_weeks(*, conn: Connection, as_of: date, delay_days: int) -> list[str]:
    """Due, unreleased weeks, oldest first (see the module docstring for which)."""
    latest = latest_due_week(as_of=as_of, delay_days=delay_days)
    days = conn.execute(
        select(REPORTS.c.occurred_on)
        .distinct()
        .where(REPORTS.c.late.is_(False), REPORTS.c.occurred_on <= week_end(latest))
    )
    candidates = {iso_week(row.occurred_on) for row in days}
    candidates.update(previous_weeks(latest, FULL_WINDOW_WEEKS))
    return sorted(candidates - released_weeks(conn=conn), key=lambda week: week_end(week))


def publish(*, settings: Settings, as_of: date, gazetteer: Gazetteer | None = None) -> list[str]:
    """Release every due week (as if run on `as_of`); returns the weeks released now.

    A day later than today is refused outside tests (`RAIDWATCH_ENV=test`): it would
    freeze weeks that have not ended, with their reports still to come."""
    today = settings.today()
    if as_of > today and settings.env != "test":
        raise ValueError(
            f"cannot publish as of {as_of}, a day after today ({today}): that would release "
            "weeks that have not ended yet, and freeze them without their reports"
        )
    engine = get_engine(settings)
    gazetteer = gazetteer or load_gazetteer(settings)
    plan = plan_series(gazetteer=gazetteer, min_postcodes=settings.min_postcodes)
    series_id = ensure_series(engine=engine, plan=plan, gazetteer=gazetteer)
    policy = Policy.of(settings)
    with engine.connect() as conn:
        weeks = due_weeks(conn=conn, as_of=as_of, delay_days=policy.delay_days)
    released = []
    for week in weeks:
        try:
            done = release_week(
                engine=engine, plan=plan, series_id=series_id, week=week, as_of=as_of, policy=policy
            )
        except IntegrityError:  # another publisher got there first despite the lock
            log.warning("week %s was released concurrently", week)
            done = False
        if done:
            released.append(week)
    return released


def release_week(
    *,
    engine: Engine,
    plan: SeriesPlan,
    series_id: uuid.UUID,
    week: str,
    as_of: date,
    policy: Policy,
) -> bool:
    """Noise and freeze one week; False (and nothing written) if it is already released."""
    if not is_due(week, as_of=as_of, delay_days=policy.delay_days):
        raise ValueError(f"week {week} is not due on {as_of}")
    with publisher_transaction(engine) as conn:
        if conn.execute(select(RELEASES.c.id).where(RELEASES.c.week == week)).first():
            return False
        tally = week_tally(conn=conn, week=week, partition=plan.partition)
        spent: list[float] = []
        noisy = _spend(spent, tally.areas, epsilon=policy.area_epsilon)
        region_noisy = (
            _spend(spent, region_counts(tally, plan=plan), epsilon=policy.region_epsilon)
            if policy.region_epsilon > 0
            else {}
        )
        late_noisy = 0
        if policy.late_epsilon > 0:
            late = {"late": late_incidents(conn=conn)}
            late_noisy = max(0, _spend(spent, late, epsilon=policy.late_epsilon)["late"])
        trends = noisy_trends(tally, trend_epsilon=policy.trend_epsilon, spent=spent)
        release_id = uuid.uuid4()
        conn.execute(
            insert(RELEASES).values(
                id=release_id,
                series_id=series_id,
                week=week,
                epsilon=policy.epsilon,
                k=policy.k,
                min_postcodes=plan.partition.min_postcodes,
                delay_days=policy.delay_days,
                published_on=as_of,
                national_total=sum(noisy.values()),
                late_total=late_noisy,
                trend_epsilon=policy.trend_epsilon,
                late_epsilon=policy.late_epsilon,
                region_epsilon=policy.region_epsilon,
            )
        )
        _store_counts(conn, release_id=release_id, noisy=noisy)
        if region_noisy:
            conn.execute(
                insert(REGION_COUNTS),
                [
                    {"release_id": release_id, "region": region, "count": count}
                    for region, count in sorted(region_noisy.items())
                ],
            )
        if trends:
            conn.execute(
                insert(TRENDS),
                [
                    {"release_id": release_id, "series": series, "count": count}
                    for series, count in trends.items()
                ],
            )
        _store_ledger(conn, week=week, release_id=release_id, epsilon=math.fsum(spent))
        conn.execute(
            update(REPORTS).where(REPORTS.c.late_pending.is_(True)).values(late_pending=False)
        )
    log.info("released week %s", week)
    return True


def region_counts(tally: WeekTally, *, plan: SeriesPlan) -> dict[str, int]:
    """True incidents per resolution-4 region of the listed areas (zeros included): the
    sums of their areas' counts, so each incident counts in exactly one region."""
    partition = plan.partition
    regions = dict.fromkeys(sorted({partition.region_of(a) for a in partition.areas()}), 0)
    for area, count in tally.areas.items():
        if area != ELSEWHERE:
            regions[partition.region_of(area)] += count
    return regions


def noisy_trends(
    tally: WeekTally, *, trend_epsilon: float, spent: list[float] | None = None
) -> dict[str, int]:
    """National weekly trend lines, with their own budget (`trend_epsilon`, split in two).

    Per setting, an incident falls in exactly one series (sensitivity 1). Per network, one
    incident may count for every network that reported it, so the sensitivity is the number
    of networks and the noise is scaled up by it. With a budget of 0 there are no trends.
    """
    if trend_epsilon <= 0:
        return {}
    spent = [] if spent is None else spent
    half = trend_epsilon / 2
    by_setting = _spend(spent, tally.settings, epsilon=half)
    by_network = (
        _spend(spent, tally.networks, epsilon=half, sensitivity=len(tally.networks))
        if tally.networks
        else {}
    )
    return {
        **{f"setting:{k}": v for k, v in by_setting.items()},
        **{f"network:{k}": v for k, v in by_network.items()},
    }


def _spend(
    spent: list[float], counts: dict[str, int], *, epsilon: float, sensitivity: int = 1
) -> dict[str, int]:
    """One noisy draw, its ε added to what this release spends (and so to its ledger)."""
    spent.append(epsilon)
    return noisy_counts(counts, epsilon=epsilon, sensitivity=sensitivity)


def _store_counts(conn: Connection, *, release_id: uuid.UUID, noisy: dict[str, int]) -> None:
    rows = [
        {"release_id": release_id, "area": area, "count": count}
        for area, count in sorted(noisy.items())
        if area != ELSEWHERE
    ]
    conn.execute(insert(COUNTS), rows)


def _store_ledger(conn: Connection, *, week: str, release_id: uuid.UUID, epsilon: float) -> None:
    conn.execute(insert(LEDGER).values(week=week, release_id=release_id, epsilon=epsilon))
