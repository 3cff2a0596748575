"""The small-count floor and merging into regions: k at least, and a bar that bounds the
expected number of false rows (truly empty areas or regions shown) per view."""

import math
import random

import pytest

from server.publishing.noise import noise_sd, tail_threshold
from server.publishing.views import AREA_SHARE, FALSE_ROWS, REGION_SHARE, build_view

NO_NOISE: list[float] = []


def regions(mapping):
    return {area: region for region, areas in mapping.items() for area in areas}


def test_boundary_is_inclusive():
    view = build_view(
        area_sums={"at": 10, "below": 9}, area_region={"at": "R", "below": "S"}, k=10, epsilons=[]
    )
    assert view.threshold == 10
    assert view.shown_areas == {"at": 10}
    assert view.hidden_count == 1


def test_noise_tail_dominates_when_wide():
    # Twelve weeks at ε = 0.5 over two areas: the exact tail bar is far above k.
    bar = tail_threshold([0.5] * 12, alpha=AREA_SHARE * FALSE_ROWS / 2)
    assert bar > 10
    sums = {"a": int(bar) - 1, "b": int(bar)}
    view = build_view(area_sums=sums, area_region={"a": "R", "b": "S"}, k=10, epsilons=[0.5] * 12)
    assert view.threshold == bar
    assert view.shown_areas == {"b": int(bar)}


def test_more_areas_raise_the_bar():
    # Each candidate area is another chance for noise to cross: the bar grows with their number.
    few = build_view(area_sums={"a": 0}, area_region={"a": "R"}, k=0, epsilons=[1.0] * 4)
    many_sums = {f"a{i}": 0 for i in range(1000)}
    many = build_view(
        area_sums=many_sums, area_region=dict.fromkeys(many_sums, "R"), k=0, epsilons=[1.0] * 4
    )
    assert many.threshold > few.threshold


def test_exact_tail_is_heavier_than_the_normal_for_few_weeks():
    # The normal approximation would put the bar too low: exact tail at the same α is higher.
    alpha = 1e-4
    normal_bar = 3.719 * noise_sd(1.0, 4)  # z for 1e-4
    assert tail_threshold([1.0] * 4, alpha=alpha) > normal_bar


def test_false_rows_per_view_stay_under_target_on_empty_data():
    # Every true count is 0: whatever is shown is a false row. Over many simulated noisy
    # views, the mean number of rows shown must stay under the target.
    rng = random.Random(11)
    epsilons = [1.0] * 4
    ratio = math.exp(-1.0)
    areas = [f"a{i}" for i in range(300)]
    area_region = {area: f"r{i // 6}" for i, area in enumerate(areas)}

    def geometric() -> int:  # failures before a success with p = 1 − e^(−ε)
        return int(math.log(1 - rng.random()) / math.log(ratio))

    shown, draws = 0, 400
    for _ in range(draws):
        sums = {a: sum(geometric() - geometric() for _ in epsilons) for a in areas}
        view = build_view(area_sums=sums, area_region=area_region, k=0, epsilons=epsilons)
        shown += len(view.shown_areas) + len(view.shown_regions)
    assert shown / draws <= FALSE_ROWS
    assert shown > 0  # the bar is not set absurdly high either


def test_small_areas_merge_into_their_region():
    area_region = regions({"R1": ["a", "b", "c"], "R2": ["d", "e"]})
    sums = {"a": 12, "b": 6, "c": 5, "d": 4, "e": 3}
    view = build_view(area_sums=sums, area_region=area_region, k=10, epsilons=NO_NOISE)
    assert view.shown_areas == {"a": 12}
    assert view.shown_regions == {"R1": 11}
    assert view.region_areas == {"R1": ("b", "c")}
    assert view.hidden_count == 2
    assert view.national_total == 30  # hidden areas still count nationally


def test_region_boundary_is_inclusive():
    view = build_view(
        area_sums={"a": 5, "b": 5}, area_region={"a": "R", "b": "R"}, k=10, epsilons=[0]
    )
    assert view.shown_regions == {"R": 10}
    view = build_view(
        area_sums={"a": 5, "b": 4}, area_region={"a": "R", "b": "R"}, k=10, epsilons=[0]
    )
    assert view.shown_regions == {}
    assert view.hidden_count == 2


def test_negative_sums_show_as_zero_and_total_is_clamped():
    # With k = 0 and no noise (no floor) a negative sum never reaches the bar...
    view = build_view(
        area_sums={"a": -3, "b": 0}, area_region={"a": "R", "b": "S"}, k=0, epsilons=NO_NOISE
    )
    assert view.shown_areas == {"b": 0}
    assert view.national_total == 0
    # ...and negatives pooled in a region lower its sum rather than being dropped.
    view = build_view(
        area_sums={"a": -4, "b": 9, "c": 9}, area_region=regions({"R": "abc"}), k=10, epsilons=[]
    )
    assert view.shown_regions == {"R": 14}
    assert view.national_total == 14


def test_area_without_region_refused():
    with pytest.raises(ValueError):
        build_view(area_sums={"a": 1}, area_region={}, k=10, epsilons=[1.0])


def test_a_pooled_region_must_clear_the_noise_of_all_its_areas():
    # Four pooled areas carry four areas' noise: the region's bar is that wider tail.
    epsilons = [0.5] * 12
    area_region = regions({"R": ["a", "b", "c", "d"]})
    bar = tail_threshold(epsilons, alpha=REGION_SHARE * FALSE_ROWS, copies=4)
    area_bar = tail_threshold(epsilons, alpha=AREA_SHARE * FALSE_ROWS / 4)
    assert bar > area_bar
    low = int(area_bar) - 1
    sums = {"a": low, "b": low, "c": low, "d": int(bar) - 3 * low - 1}
    view = build_view(area_sums=sums, area_region=area_region, k=10, epsilons=epsilons)
    assert view.shown_areas == {} and view.shown_regions == {} and view.hidden_count == 4
    sums["d"] += 1
    view = build_view(area_sums=sums, area_region=area_region, k=10, epsilons=epsilons)
    assert view.shown_regions == {"R": int(bar)}


def _discrete_laplace(rng: random.Random, epsilon: float) -> int:
    ratio = math.exp(-epsilon)

    def geometric() -> int:  # failures before a success with p = 1 − e^(−ε)
        return int(math.log(1 - rng.random()) / math.log(ratio))

    return geometric() - geometric()


def test_region_counts_lift_a_rest_whose_areas_alone_cannot_pass():
    # Twenty areas of 3 incidents each over 12 weeks (and fifty empty one-area regions):
    # no area passes, and the pooled sum of 60 carries twenty areas' noise, too much to
    # clear its bar. The region's own count (one draw a week) is far more precise, and the
    # combined estimate passes.
    areas = [f"a{i}" for i in range(20)]
    empty = {f"z{i}": f"Z{i}" for i in range(50)}
    area_region = {**dict.fromkeys(areas, "R"), **empty}
    sums = {**dict.fromkeys(areas, 3), **dict.fromkeys(empty, 0)}
    without = build_view(area_sums=sums, area_region=area_region, k=10, epsilons=[0.6] * 12)
    assert without.shown_areas == {} and without.shown_regions == {}
    with_regions = build_view(
        area_sums=sums,
        area_region=area_region,
        k=10,
        epsilons=[0.6] * 12,
        region_sums={"R": 60, **dict.fromkeys(empty.values(), 0)},
        region_epsilons=[0.4] * 12,
    )
    assert with_regions.shown_regions == {"R": 60}
    assert with_regions.region_areas == {"R": tuple(sorted(areas))}


def test_combined_rest_weighs_the_region_count_by_its_precision():
    # One area shown (30), three pooled (noisy sums 2, 3, 1): the region count says the
    # rest holds 60 − 30 = 30, the pooled areas say 6. Without noise both are exact and
    # cannot disagree; with noise the estimate lies between them, nearer the more precise.
    area_region = regions({"R": ["big", "b", "c", "d"]})
    sums = {"big": 30, "b": 2, "c": 3, "d": 1}
    view = build_view(
        area_sums=sums,
        area_region=area_region,
        k=10,
        epsilons=[0.6] * 4,
        region_sums={"R": 60},
        region_epsilons=[0.4] * 4,
    )
    area_var, region_var = 3 * noise_sd(0.6, 4) ** 2, noise_sd(0.4, 4) ** 2 + noise_sd(0.6, 4) ** 2
    expected = round((area_var * 30 + region_var * 6) / (area_var + region_var))
    assert view.shown_areas == {"big": 30}
    assert 6 < expected < 30 and view.shown_regions == {"R": expected}


def test_false_rows_stay_under_target_on_empty_data_with_region_counts():
    rng = random.Random(12)
    weeks, area_eps, region_eps = 4, 0.6, 0.4
    areas = [f"a{i}" for i in range(300)]
    area_region = {area: f"r{i // 10}" for i, area in enumerate(areas)}
    shown, draws = 0, 300
    for _ in range(draws):
        sums = {a: sum(_discrete_laplace(rng, area_eps) for _ in range(weeks)) for a in areas}
        region_sums = {
            r: sum(_discrete_laplace(rng, region_eps) for _ in range(weeks))
            for r in set(area_region.values())
        }
        view = build_view(
            area_sums=sums,
            area_region=area_region,
            k=0,
            epsilons=[area_eps] * weeks,
            region_sums=region_sums,
            region_epsilons=[region_eps] * weeks,
        )
        shown += len(view.shown_areas) + len(view.shown_regions)
    assert shown / draws <= FALSE_ROWS
    assert shown > 0
