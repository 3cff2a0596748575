"""bench/publish: time and peak memory to release one week with 1,000,000 raw reports stored.

Fills an empty database with synthetic reports (by default all of them in the week being
released, the worst case for the release job, or spread over `--spread-weeks` weeks),
builds the publication areas, then times `release_week` for that one week — read,
deduplicate, count, noise, freeze, all in one locked transaction — and samples the
process's resident memory while it runs.

Seeding is fast: the demo's generator draws a pool of `POOL_VISITS` visits a week (it is
slow, ~3,000 reports a second), and the rest is recombined from the pool — each new report
takes its place (cell and district) from one pooled report and its other facts (day, time,
setting, network, status, …) from another, with a fresh random id — so the number of
distinct (place, day, setting, time) groups grows with the count much as fresh draws would.
Rows go in by `COPY` on PostgreSQL and by one `executemany` transaction on SQLite, then the
table is analysed (and on PostgreSQL vacuumed, as autovacuum would have done while a week of
reports trickled in: the first read of a million freshly copied rows otherwise rewrites
every page to set hint bits, which no real release pays). Wall time depends on what else the
machine runs; the release's CPU time in this process is printed beside it.

Run: ``.venv/bin/python bench/publish.py`` (SQLite in a temporary folder), or with
``--database-url postgresql://.../empty_db``; ``--quick`` stores 100,000 reports.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bench.memory import PeakRSS
from server.config import Settings
from server.db import get_engine, migrate
from server.demo.history import create_demo_networks
from server.demo.synthetic import History
from server.models import Report
from server.publishing.release import Policy, release_week
from server.publishing.series import ensure_series, load_gazetteer, plan_series
from server.weeks import previous_weeks, week_end

WEEK = "2026-W44"
POOL_VISITS = 20_000
PLACE_FIELDS = ("cell", "district")


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
        started = time.perf_counter()
        pool = [row for week in weeks for row in history.week(week, visits=POOL_VISITS).on_time]
        stored = seed(engine, rows=recombined(pool, total, network_ids=network_ids))
        analyse(engine)
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
            t0, cpu = time.perf_counter(), time.process_time()
            assert release_week(
                engine=engine,
                plan=plan,
                series_id=series_id,
                week=WEEK,
                as_of=as_of,
                policy=Policy.of(settings),
            )
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu
        print(
            f"  release of {WEEK} ({in_week:,} reports in that week): {elapsed:.1f} s "
            f"(CPU in this process {cpu:.1f} s), "
            f"peak memory +{peak.mb:.0f} MB (process peak {peak.total_mb:.0f} MB)"
        )
        engine.dispose()


def recombined(
    pool: list[dict[str, Any]], total: int, *, network_ids: list[uuid.UUID]
) -> Iterator[tuple[Any, ...]]:
    """`total` report rows (in `COLUMNS` order): the pool first, then recombinations."""
    rng = random.Random(7)
    for n in range(total):
        if n < len(pool):
            place = facts = pool[n]
        else:
            place, facts = rng.choice(pool), rng.choice(pool)
        row = {**facts, **{field: place[field] for field in PLACE_FIELDS}}
        row["id"] = uuid.UUID(int=rng.getrandbits(128), version=4)
        row["network_id"] = network_ids[row["network"]]
        row.update(sealed_note=None, late=False, late_pending=False)
        yield tuple(row[column] for column in COLUMNS)


COLUMNS = (
    "id",
    "network_id",
    "cell",
    "district",
    "occurred_on",
    "time_of_day",
    "setting",
    "officers",
    "vehicles",
    "detained",
    "source",
    "sealed_note",
    "status",
    "late",
    "late_pending",
)


def seed(engine: Engine, *, rows: Iterator[tuple[Any, ...]]) -> int:
    """Insert report rows the fastest way each database offers; returns how many."""
    stored = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY reports ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    stored += 1
        else:
            marks = ", ".join("?" for _ in COLUMNS)
            insert = f"INSERT INTO reports ({', '.join(COLUMNS)}) VALUES ({marks})"
            while batch := [_sqlite(row) for row in itertools.islice(rows, 50_000)]:
                cursor.executemany(insert, batch)
                stored += len(batch)
        raw.commit()
    finally:
        raw.close()
    return stored


def analyse(engine: Engine) -> None:
    """Statistics for the planner (and, on PostgreSQL, a vacuum) after the bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM (ANALYZE) reports")
        else:
            conn.exec_driver_sql("ANALYZE reports")


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLAlchemy stores UUIDs on SQLite as 32 hex digits and dates as ISO text.
    return tuple(
        value.hex
        if isinstance(value, uuid.UUID)
        else value.isoformat()
        if isinstance(value, date)
        else value
        for value in row
    )


if __name__ == "__main__":
    main()
