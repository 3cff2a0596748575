"""Views over frozen releases in the database: the floor at its boundaries, σ over the
window, pooling into regions, the national total, and the exports."""

from __future__ import annotations

import io
import json
import math

import geopandas as gpd
import pandas as pd
import pytest

from server.publishing.exports import CSV_COLUMNS, to_csv, to_geojson, to_metadata_json
from server.publishing.noise import noise_sd, tail_threshold
from server.publishing.views import AREA_SHARE, FALSE_ROWS
from server.weeks import previous_weeks
from tests.factories import freeze, make_series
from tests.synthetic import DENSE, area_of, publishing_settings, view_of

LAST = "2026-W10"


def shown(view):
    return {row.area: row.count for row in view.rows if row.kind == "area"}


def test_floor_is_k_without_noise_and_inclusive(pub):
    series_id, plan = make_series(pub)
    at, below = area_of(pub, DENSE[0]), area_of(pub, DENSE[1])
    freeze(pub, series_id, LAST, {at: 10, below: 9}, areas=plan.partition.areas())
    view = view_of(pub, window=1)
    assert view.threshold == 10 and view.sigma == 0
    assert shown(view) == {at: 10}
    assert view.national_total == 19  # the hidden 9 still count nationally


def test_exact_tail_floor_over_the_window_with_mixed_epsilon(pub):
    series_id, plan = make_series(pub)
    a, b = area_of(pub, DENSE[0]), area_of(pub, DENSE[1])
    weeks = previous_weeks(LAST, 12)
    for n, week in enumerate(weeks):
        counts = {a: 23, b: 22} if week == LAST else {}
        freeze(
            pub,
            series_id,
            week,
            counts,
            epsilon=0.5 if n % 2 else 1.0,
            areas=plan.partition.areas(),
        )
    sigma = math.sqrt(6 * noise_sd(0.5, 1) ** 2 + 6 * noise_sd(1.0, 1) ** 2)
    view = view_of(pub, window=12)
    assert view.sigma == pytest.approx(sigma)
    # Every other area is empty (sum 0), so the estimate of empty areas is all of them.
    epsilons = [0.5 if n % 2 else 1.0 for n in range(12)]
    n_areas = len(plan.partition.areas())
    bar = tail_threshold(epsilons, alpha=AREA_SHARE * FALSE_ROWS / n_areas)
    assert view.threshold == max(10, bar) and 10 < bar <= 23
    assert shown(view) == {a: 23} | ({b: 22} if bar <= 22 else {})
    assert view.weeks == tuple(weeks) and view.metadata()["epsilon"] == [0.5, 1.0]
    four = view_of(pub, window=4)
    assert four.sigma == pytest.approx(
        math.sqrt(2 * noise_sd(0.5, 1) ** 2 + 2 * noise_sd(1.0, 1) ** 2)
    )
    assert shown(four) == {a: 23, b: 22}
    one = view_of(pub, window=1)
    assert one.epsilons == (0.5,) and one.threshold == 10  # the one-week tail is below k


def test_small_areas_pool_into_their_region_or_hide(pub):
    series_id, plan = make_series(pub)
    partition = plan.partition
    by_region = {}
    for area in partition.areas():
        by_region.setdefault(partition.region_of(area), []).append(area)
    region, members = max(by_region.items(), key=lambda item: len(item[1]))
    assert len(members) >= 3
    big, small = members[0], members[1:]
    counts = {big: 25} | {area: 5 for area in small[:2]}
    other = next(r for r in by_region if r != region)
    counts[by_region[other][0]] = 9  # alone and below: hidden
    freeze(pub, series_id, LAST, counts, areas=partition.areas())
    view = view_of(pub, window=1)
    assert shown(view) == {big: 25}
    regions = {row.area: row for row in view.rows if row.kind == "region"}
    assert list(regions) == [region] and regions[region].count == 10
    assert regions[region].name.startswith("rest of ")
    assert regions[region].pooled_areas == len(small)
    assert view.national_total == 44
    assert view.hidden_areas == len(partition.areas()) - 1 - len(small)


def test_window_ends_at_the_latest_release_of_its_series(pub, settings, tmp_path):
    series_id, plan = make_series(pub)
    a = area_of(pub, DENSE[0])
    freeze(pub, series_id, "2026-W04", {a: 50}, areas=plan.partition.areas())
    freeze(pub, series_id, "2026-W08", {a: 11}, areas=plan.partition.areas())
    view = view_of(pub, window=4)
    assert view.weeks == ("2026-W08",) and shown(view) == {a: 11}
    assert (view.first_week, view.last_week) == ("2026-W05", "2026-W08")
    # A new P starts a new series; its releases do not mix with the old series' ones.
    coarser = publishing_settings(settings, tmp_path, min_postcodes=5000)
    new_id, new_plan = make_series(coarser)
    assert new_id != series_id
    freeze(coarser, new_id, "2026-W09", {}, areas=new_plan.partition.areas())
    assert view_of(coarser, window=4).weeks == ("2026-W09",)


def test_no_view_before_any_release(pub):
    assert view_of(pub, window=4) is None
    with pytest.raises(ValueError):
        view_of(pub, window=3)


def test_exports_state_the_policy_and_list_only_shown_rows(pub, tmp_path):
    series_id, plan = make_series(pub)
    a, b = area_of(pub, DENSE[0]), area_of(pub, DENSE[1])
    freeze(pub, series_id, LAST, {a: 14, b: 3}, areas=plan.partition.areas())
    view = view_of(pub, window=1)
    text = to_csv(view)
    assert not any(line.startswith("#") for line in text.splitlines())
    # Opens cleanly with default options: one header row, then one row per shown area.
    table = pd.read_csv(io.StringIO(text))
    assert tuple(table.columns) == CSV_COLUMNS
    assert table[["kind", "area_id", "count"]].values.tolist() == [["area", a, 14]]
    meta = json.loads(to_metadata_json(view))
    assert (meta["epsilon"], meta["k"], meta["min_postcodes"]) == (0.0, 10, pub.min_postcodes)
    assert (meta["delay_days"], meta["window_weeks"], meta["national_total"]) == (3, 1, 17)
    assert meta["hidden_areas"] >= 0 and set(meta["columns"]) == set(CSV_COLUMNS)
    assert meta["files"]["csv"] == f"raidwatch-{LAST}-1w.csv"
    geo = json.loads(to_geojson(view))
    assert geo["metadata"] == meta
    [feature] = geo["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"] | {} == {
        "kind": "area",
        "area_id": a,
        "name": table["name"][0],
        "count": 14,
        "km2": float(table["km2"][0]),
        "areas_merged": 1,
    }
    path = tmp_path / "view.geojson"
    path.write_text(to_geojson(view))
    frame = gpd.read_file(path)
    assert frame[["name", "count", "area_id"]].values.tolist() == [[table["name"][0], 14, a]]
