"""The small-count floor: what a view may show of frozen noisy releases (P4).

Invariant: the floor bounds the expected number of false rows per view (rows whose true
count is 0 but whose noise alone lifted them over the bar) by `false_rows`, and k is
always a minimum. An area's window sum is shown only when it reaches max(k, t_area), where
t_area is the smallest integer the window's summed noise reaches with probability at most
`AREA_SHARE`·false_rows / N0, from the exact discrete Laplace tail
(`noise.tail_threshold`), N0 being an upper estimate of how many areas are truly empty.
N0 is read from the noisy sums themselves (post-processing): a truly empty area's sum is
≤ 0 with the known probability q = P(noise ≤ 0), so (number of sums ≤ 0) / q overestimates
the empty areas on average (busy areas only add to it); a margin of two standard errors
and the total number of areas cap it. Areas below it are pooled by resolution-4 region; a
pooled rest of n areas carries n areas' noise and must clear its own exact tail bar at
`REGION_SHARE`·false_rows / (number of regions), and never less than the areas' bar.
Every shown row therefore reaches `threshold`. Everything else is hidden yet still
counted in the national total. Shown numbers are never negative. This is post-processing
of already-noised releases and of public noise parameters, so it spends no budget.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.publishing.noise import nonpositive_probability, tail_threshold

FALSE_ROWS = 0.25  # expected false rows per view, at most (all areas and regions together)
AREA_SHARE, REGION_SHARE = 0.6, 0.4  # how that allowance is split between the two kinds


@dataclass(frozen=True)
class View:
    shown_areas: dict[str, int]
    shown_regions: dict[str, int]
    region_areas: dict[str, tuple[str, ...]]  # for each shown region, the areas pooled in it
    hidden_count: int  # number of areas neither shown nor inside a shown region
    national_total: int
    threshold: float  # the areas' floor, max(k, t_area)


def build_view(
    *,
    area_sums: Mapping[str, int],
    area_region: Mapping[str, str],
    k: int,
    epsilons: Sequence[float],
    false_rows: float = FALSE_ROWS,
) -> View:
    """Apply the floor to window sums of frozen noisy counts, one per area; `epsilons` has
    one entry per week summed (the ε each week's area counts were noised with)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    if not 0 < false_rows < 1:
        raise ValueError("false_rows must be in (0, 1)")
    missing = sorted(set(area_sums) - set(area_region))
    if missing:
        raise ValueError(f"areas without a region: {missing[:5]}")
    n_areas = max(1, _empty_areas_bound(area_sums, epsilons))
    n_regions = max(1, len({area_region[area] for area in area_sums}))
    # A longer window or a smaller ε widens the noise, so it raises the bar.
    threshold = max(float(k), tail_threshold(epsilons, alpha=AREA_SHARE * false_rows / n_areas))

    shown_areas: dict[str, int] = {}
    pooled: dict[str, list[str]] = defaultdict(list)
    for area in sorted(area_sums):
        if area_sums[area] >= threshold:
            shown_areas[area] = max(0, area_sums[area])
        else:
            pooled[area_region[area]].append(area)

    shown_regions: dict[str, int] = {}
    region_areas: dict[str, tuple[str, ...]] = {}
    hidden_count = 0
    region_alpha = REGION_SHARE * false_rows / n_regions
    for region in sorted(pooled):
        # Raw sums, negatives included: clamping before pooling would bias regions upward.
        region_sum = sum(area_sums[area] for area in pooled[region])
        # A pooled sum carries the noise of each of its areas, so its bar is the tail of
        # that wider sum: otherwise noise alone would lift regions over the floor.
        # Never below the areas' bar: a rest of one area must not slip in under it.
        region_floor = max(
            threshold, tail_threshold(epsilons, alpha=region_alpha, copies=len(pooled[region]))
        )
        if region_sum >= region_floor:
            shown_regions[region] = max(0, region_sum)
            region_areas[region] = tuple(pooled[region])
        else:
            hidden_count += len(pooled[region])

    return View(
        shown_areas=shown_areas,
        shown_regions=shown_regions,
        region_areas=region_areas,
        hidden_count=hidden_count,
        national_total=max(0, sum(area_sums.values())),
        threshold=threshold,
    )


def _empty_areas_bound(area_sums: Mapping[str, int], epsilons: Sequence[float]) -> int:
    """An upper estimate of the number of truly empty areas (see the module docstring)."""
    q = nonpositive_probability(epsilons)
    at_most_zero = sum(1 for value in area_sums.values() if value <= 0)
    estimate = (at_most_zero + 2 * math.sqrt(at_most_zero) + 1) / q
    return min(len(area_sums), math.ceil(estimate))
