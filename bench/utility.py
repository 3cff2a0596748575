"""bench/utility: what the published views are worth, measured on a synthetic year.

Replays a year of synthetic enforcement visits (~10,000 UK-wide, the demo's generator:
clustered in cities, several reports per visit, spam, late reports), publishes it through
the real release job (SQLite in a temporary folder), then reads every 1-, 4- and 12-week
view the year produced and compares it with the true incident counts:

- coverage: share of true incidents (all of them, ELSEWHERE included) lying in a shown
  area, and in a shown area or a shown region (the pooled rest of a resolution-4 region);
- false rows per view: shown areas or regions whose true count over the window is 0;
- MAE: mean absolute error of a shown row's count against its true count.

Each window is printed twice over the same frozen releases: "areas" reads the area counts
alone (pooled rests carry every pooled area's noise), "now" is what the views show:
`views.build_view` combining the area counts with the region counts released beside them.
Both use the exact-tail floor bounding expected false rows per view. The noise comes from
OpenDP's CSPRNG and cannot be seeded: the same history (`--seed`) gives slightly different
figures from run to run; `--repeats N` publishes the year N times and averages.

Also: wall time and peak memory (RSS growth) to publish the year, for each setting: the
defaults (ε=1, k=10, P=2000) and two others. Run: ``.venv/bin/python bench/utility.py``
(``--quick`` for a 16-week smoke run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, select

from bench.memory import PeakRSS
from server.config import Settings
from server.db import get_engine, migrate
from server.demo.history import create_demo_networks, store
from server.demo.synthetic import History
from server.models.tables import COUNTS, LEDGER, REGION_COUNTS, RELEASES, TRENDS
from server.publishing.counting import ELSEWHERE, week_counts
from server.publishing.release import publish
from server.publishing.series import load_gazetteer, plan_series
from server.publishing.view_data import area_epsilon
from server.publishing.views import build_view
from server.weeks import previous_weeks, week_end

SETTINGS = ((1.0, 10, 2000), (0.5, 10, 2000), (1.0, 10, 5000))  # (ε, k, P)
LAST_WEEK = "2026-W44"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="16 weeks instead of 52")
    parser.add_argument("--incidents", type=int, default=10_000, help="visits per 52 weeks")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeats", type=int, default=1, help="publish the year N times")
    parser.add_argument("--setting", help=argparse.SUPPRESS)  # "ε,k,P": one run, in-process
    args = parser.parse_args()
    weeks = previous_weeks(LAST_WEEK, 16 if args.quick else 52)
    per_week = round(args.incidents / 52)
    if args.setting:
        epsilon, k, p = args.setting.split(",")
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                env="test",
                data_dir=Path(tmp),
                secret_key="bench-" + "x" * 40,
                epsilon=float(epsilon),
                k=int(k),
                min_postcodes=int(p),
                scheduler=False,
            )
            run(settings, weeks=weeks, per_week=per_week, seed=args.seed, repeats=args.repeats)
            get_engine(settings).dispose()
        return
    print(
        f"bench/utility: {len(weeks)} weeks {weeks[0]}..{weeks[-1]}, ~{per_week} synthetic "
        f"visits a week (seed {args.seed}), the same history for every setting; SQLite",
        flush=True,
    )
    for epsilon, k, p in SETTINGS:
        # A fresh process per setting, so each memory figure starts from the same baseline.
        subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--setting", f"{epsilon},{k},{p}"], check=True
        )


def run(settings: Settings, *, weeks: list[str], per_week: int, seed: int, repeats: int) -> None:
    migrate(settings)
    engine = get_engine(settings)
    network_ids, _ = create_demo_networks(settings=settings)
    gazetteer = load_gazetteer(settings)
    history = History(gazetteer=gazetteer, networks=len(network_ids), seed=seed)
    for week in weeks:
        drawn = history.week(week, visits=per_week)
        store(engine=engine, rows=drawn.on_time, network_ids=network_ids)
    as_of = week_end(weeks[-1]) + timedelta(days=max(settings.delay_days, 1))
    plan = plan_series(gazetteer=gazetteer, min_postcodes=settings.min_postcodes)
    regions = {area: plan.partition.region_of(area) for area in plan.partition.areas()}
    lines: dict[tuple[str, int], list[tuple[float, ...]]] = defaultdict(list)
    for repeat in range(repeats):
        if repeat:  # publish the same reports again, with fresh noise
            with engine.begin() as conn:
                for table in (LEDGER, REGION_COUNTS, COUNTS, TRENDS, RELEASES):
                    conn.execute(delete(table))
        with PeakRSS() as peak:
            started = time.perf_counter()
            released = publish(settings=settings, as_of=as_of, gazetteer=gazetteer)
            elapsed = time.perf_counter() - started
        assert released == weeks, (released[:3], weeks[:3])
        counts = _counts(settings, plan.partition, weeks)
        for floor in ("areas", "now"):
            for window in (1, 4, 12):
                if window <= len(weeks):
                    lines[(floor, window)].append(
                        _window_stats(window, weeks, *counts, regions, settings.k, floor)
                    )
    true = counts[0]
    incidents = sum(sum(week.values()) for week in true.values())
    print(
        f"\nε={settings.epsilon} k={settings.k} P={settings.min_postcodes}: "
        f"{len(regions)} areas, {len(set(regions.values()))} regions, {incidents} true incidents "
        f"({sum(true[w][ELSEWHERE] for w in weeks)} outside any area); publishing "
        f"{len(weeks)} weeks took {elapsed:.1f} s, peak memory +{peak.mb:.0f} MB "
        f"(process peak {peak.total_mb:.0f} MB); mean of {repeats} noisings"
    )
    print("floor window  views  rows/view  in shown area  in area|region  false rows/view  MAE/row")
    for (floor, window), stats in lines.items():
        views, rows, area, anywhere, false, mae = (
            sum(x) / len(stats) for x in zip(*stats, strict=True)
        )
        print(
            f"{floor:>5} {window:>6}  {views:>5.0f}  {rows:>9.1f}  {area:>13.0%}  "
            f"{anywhere:>14.0%}  {false:>15.2f}  {mae:>7.2f}"
        )


def _window_stats(window, weeks, true, noisy, regional, epsilons, regions, k, floor):  # type: ignore[no-untyped-def]
    """(views, rows/view, coverage in areas, in areas or regions, false rows/view, MAE)."""
    views = rows = false = 0
    covered_area = covered_any = total = 0
    errors: list[int] = []
    for end in range(window - 1, len(weeks)):
        span = weeks[end - window + 1 : end + 1]
        t_sum: dict[str, int] = defaultdict(int)
        n_sum: dict[str, int] = defaultdict(int)
        r_sum: dict[str, int] = defaultdict(int)
        for week in span:
            for area, count in true[week].items():
                t_sum[area] += count
            for area, count in noisy[week].items():
                n_sum[area] += count
            for region, count in regional[week].items():
                r_sum[region] += count
        with_regions = floor == "now" and all(epsilons[w][1] > 0 for w in span)
        view = build_view(
            area_sums={a: n_sum[a] for a in regions},
            area_region=regions,
            k=k,
            epsilons=[epsilons[w][0] for w in span],
            region_sums=dict(r_sum) if with_regions else None,
            region_epsilons=[epsilons[w][1] for w in span] if with_regions else (),
        )
        views += 1
        total += sum(t_sum.values())
        for area, shown in view.shown_areas.items():
            covered_area += t_sum[area]
            errors.append(abs(shown - t_sum[area]))
            false += t_sum[area] == 0
        for region, shown in view.shown_regions.items():
            real = sum(t_sum[a] for a in view.region_areas[region])
            covered_any += real
            errors.append(abs(shown - real))
            false += real == 0
        rows += len(view.shown_areas) + len(view.shown_regions)
    covered_any += covered_area
    mae = sum(errors) / len(errors) if errors else float("nan")
    return (views, rows / views, covered_area / total, covered_any / total, false / views, mae)


def _counts(settings, partition, weeks):  # type: ignore[no-untyped-def]
    """True counts (recomputed from the stored reports), frozen noisy counts per area and per
    region, and (area ε, region ε), per week."""
    releases, counts, region_counts = RELEASES, COUNTS, REGION_COUNTS
    true, noisy, regional, epsilons = {}, {}, {}, {}
    with get_engine(settings).connect() as conn:
        for week in weeks:
            true[week] = week_counts(conn=conn, week=week, partition=partition)
            row = conn.execute(select(releases).where(releases.c.week == week)).one()
            epsilons[week] = (area_epsilon(row), row.region_epsilon)
            regional[week] = dict(
                conn.execute(
                    select(region_counts.c.region, region_counts.c.count).where(
                        region_counts.c.release_id == row.id
                    )
                ).all()
            )
            noisy[week] = dict(
                conn.execute(
                    select(counts.c.area, counts.c.count).where(counts.c.release_id == row.id)
                ).all()
            )
    return true, noisy, regional, epsilons


if __name__ == "__main__":
    main()
