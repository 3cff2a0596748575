"""bench/publish: time and peak memory to release one week with 1,000,000 raw reports stored.

Fills an empty database with synthetic reports (the demo's generator; by default all of
them in the week being released, the worst case for the release job, or spread over
`--spread-weeks` weeks), builds the publication areas, then times `release_week` for that
one week — read, deduplicate, count, noise, freeze, all in one locked transaction — and
samples the process's resident memory while it runs.

Run: ``.venv/bin/python bench/publish.py`` (SQLite in a temporary folder), or with
``--database-url postgresql://.../empty_db``; ``--quick`` stores 100,000 reports.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench.memory import PeakRSS
from server.config import Settings
from server.db import get_engine, migrate
from server.demo.history import create_demo_networks, store
from server.demo.synthetic import History
from server.models import Report
from server.publishing.release import Policy, release_week
from server.publishing.series import ensure_series, load_gazetteer, plan_series
from server.weeks import previous_weeks, week_end

WEEK = "2026-W44"
BATCH_VISITS = 20_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 reports")
    parser.add_argument(
        "--spread-weeks",
        type=int,
        default=1,
        help="spread the reports over this many weeks ending with the week",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="an empty database (default: SQLite in a temporary folder)",
    )
    args = parser.parse_args()
    total = 100_000 if args.quick else args.reports
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env="test",
            data_dir=Path(tmp),
            secret_key="bench-" + "x" * 40,
            database_url=args.database_url,
            scheduler=False,
        )
        migrate(settings)
        engine = get_engine(settings)
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(Report)).scalar_one():
                sys.exit("bench/publish: the database is not empty")
        kind = engine.dialect.name
        print(
            f"bench/publish on {kind}: {total:,} raw reports over {args.spread_weeks} "
            f"week(s) ending {WEEK}",
            flush=True,
        )
        network_ids, _ = create_demo_networks(settings=settings)
        gazetteer = load_gazetteer(settings)
        history = History(gazetteer=gazetteer, networks=len(network_ids))
        weeks = previous_weeks(WEEK, args.spread_weeks)
        started, stored, n = time.perf_counter(), 0, 0
        while stored < total:
            drawn = history.week(weeks[n % len(weeks)], visits=BATCH_VISITS)
            stored += store(
                engine=engine, rows=drawn.on_time[: total - stored], network_ids=network_ids
            )
            n += 1
        print(f"  stored {stored:,} reports in {time.perf_counter() - started:.0f} s")
        with engine.connect() as conn:
            in_week = conn.execute(
                select(func.count())
                .select_from(Report)
                .where(Report.occurred_on >= week_end(WEEK) - timedelta(days=6))
            ).scalar_one()
        plan = plan_series(gazetteer=gazetteer, min_postcodes=settings.min_postcodes)
        t0 = time.perf_counter()
        series_id = ensure_series(engine=engine, plan=plan, gazetteer=gazetteer)
        print(
            f"  publication areas: {len(plan.partition.areas())} "
            f"(built and stored once, {time.perf_counter() - t0:.1f} s)"
        )
        as_of = week_end(WEEK) + timedelta(days=max(settings.delay_days, 1))
        with PeakRSS() as peak:
            t0 = time.perf_counter()
            assert release_week(
                engine=engine,
                plan=plan,
                series_id=series_id,
                week=WEEK,
                as_of=as_of,
                policy=Policy.of(settings),
            )
            elapsed = time.perf_counter() - t0
        print(
            f"  release of {WEEK} ({in_week:,} reports in that week): {elapsed:.1f} s, "
            f"peak memory +{peak.mb:.0f} MB (process peak {peak.total_mb:.0f} MB)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
