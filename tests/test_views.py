"""The small-count floor and merging into regions."""

import pytest

from server.publishing.views import build_view


def regions(mapping):
    return {area: region for region, areas in mapping.items() for area in areas}


def test_boundary_is_inclusive():
    view = build_view(
        area_sums={"at": 10, "below": 9}, area_region={"at": "R", "below": "S"}, k=10, sigma=0.0
    )
    assert view.threshold == 10
    assert view.shown_areas == {"at": 10}
    assert view.hidden_count == 1


def test_sigma_dominates_when_large():
    sums = {"a": 14, "b": 15}
    view = build_view(area_sums=sums, area_region={"a": "R", "b": "S"}, k=10, sigma=5.0)
    assert view.threshold == 15
    assert view.shown_areas == {"b": 15}


def test_small_areas_merge_into_their_region():
    area_region = regions({"R1": ["a", "b", "c"], "R2": ["d", "e"]})
    sums = {"a": 12, "b": 6, "c": 5, "d": 4, "e": 3}
    view = build_view(area_sums=sums, area_region=area_region, k=10, sigma=1.0)
    assert view.shown_areas == {"a": 12}
    assert view.shown_regions == {"R1": 11}
    assert view.region_areas == {"R1": ("b", "c")}
    assert view.hidden_count == 2
    assert view.national_total == 30  # hidden areas still count nationally


def test_region_boundary_is_inclusive():
    view = build_view(area_sums={"a": 5, "b": 5}, area_region={"a": "R", "b": "R"}, k=10, sigma=0)
    assert view.shown_regions == {"R": 10}
    view = build_view(area_sums={"a": 5, "b": 4}, area_region={"a": "R", "b": "R"}, k=10, sigma=0)
    assert view.shown_regions == {}
    assert view.hidden_count == 2


def test_negative_sums_show_as_zero_and_total_is_clamped():
    # With k = 0 and σ = 0 (noise off, no floor) a negative sum never reaches the bar...
    view = build_view(area_sums={"a": -3, "b": 0}, area_region={"a": "R", "b": "S"}, k=0, sigma=0)
    assert view.shown_areas == {"b": 0}
    assert view.national_total == 0
    # ...and negatives pooled in a region lower its sum rather than being dropped.
    view = build_view(
        area_sums={"a": -4, "b": 9, "c": 9}, area_region=regions({"R": "abc"}), k=10, sigma=0
    )
    assert view.shown_regions == {"R": 14}
    assert view.national_total == 14


def test_area_without_region_refused():
    with pytest.raises(ValueError):
        build_view(area_sums={"a": 1}, area_region={}, k=10, sigma=1)


def test_a_pooled_region_must_clear_the_noise_of_all_its_areas():
    # Four areas of noise sd 5 pool into a sum of sd 10: floor max(10, 30) = 30, not 15.
    area_region = regions({"R": ["a", "b", "c", "d"]})
    sums = {"a": 7, "b": 7, "c": 7, "d": 7}
    view = build_view(area_sums=sums, area_region=area_region, k=10, sigma=5.0)
    assert view.shown_regions == {} and view.hidden_count == 4
    view = build_view(area_sums={**sums, "d": 9}, area_region=area_region, k=10, sigma=5.0)
    assert view.shown_regions == {"R": 30}
