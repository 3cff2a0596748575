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

When the window's releases also hold noisy region counts (`region_sums`, noised at
`region_epsilons`), a region's pooled rest has two independent estimates: the region count
minus its shown areas' sums, and the sum of its pooled areas. They are combined with
inverse-variance weights (the US Census TopDown idea: the least-squares estimate given both
levels), so a rest of many areas no longer carries all their noise; its bar is the Chernoff
bound of that weighted noise (`noise.weighted_tail_threshold`) at the same α. Whether an
area is shown still depends only on its own sum, which makes the shown areas, hence the
split of each region, data-dependent: shown areas lean to positive noise and pooled ones to
negative, which lowers both estimates of the rest, so the bound stays conservative.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.publishing.noise import (
    noise_sd,
    nonpositive_probability,
    tail_threshold,
    weighted_tail_threshold,
)

FALSE_ROWS = 0.3  # expected false rows per view, at most (all areas and regions together)
AREA_SHARE, REGION_SHARE = 0.5, 0.5  # how that allowance is split between the two kinds


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
    region_sums: Mapping[str, int] | None = None,
    region_epsilons: Sequence[float] = (),
) -> View:
    """Apply the floor to window sums of frozen noisy counts, one per area; `epsilons` has
    one entry per week summed (the ε each week's area counts were noised with).
    `region_sums`, when every week of the window released region counts, holds their window
    sum per region (every region present), and `region_epsilons` their ε, one per week."""
    if region_sums is not None and len(region_epsilons) != len(epsilons):
        raise ValueError("region_epsilons must have one entry per week")
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
    shown_in: dict[str, int] = defaultdict(int)
    for area in shown_areas:
        shown_in[area_region[area]] += 1
    for region in sorted(pooled):
        if region_sums is not None and region in region_sums:
            estimate, bar = _combined_rest(
                region_sum=region_sums[region],
                shown_sum=sum(area_sums[a] for a in shown_areas if area_region[a] == region),
                shown=shown_in[region],
                pooled_sum=sum(area_sums[area] for area in pooled[region]),
                pooled=len(pooled[region]),
                epsilons=epsilons,
                region_epsilons=region_epsilons,
                alpha=region_alpha,
            )
        else:
            # Raw sums, negatives included: clamping before pooling would bias regions upward.
            estimate = sum(area_sums[area] for area in pooled[region])
            # A pooled sum carries the noise of each of its areas, so its bar is the tail of
            # that wider sum: otherwise noise alone would lift regions over the floor.
            bar = tail_threshold(epsilons, alpha=region_alpha, copies=len(pooled[region]))
        # Never below the areas' bar: a rest of one area must not slip in under it.
        if estimate >= max(threshold, bar):
            shown_regions[region] = max(0, estimate)
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


def _combined_rest(
    *,
    region_sum: int,
    shown_sum: int,
    shown: int,
    pooled_sum: int,
    pooled: int,
    epsilons: Sequence[float],
    region_epsilons: Sequence[float],
    alpha: float,
) -> tuple[int, float]:
    """The inverse-variance combination of a region's two estimates of its pooled rest,
    rounded, and the bar it must reach (see the module docstring)."""
    area_var = sum(noise_sd(epsilon, 1) ** 2 for epsilon in epsilons)
    region_var = sum(noise_sd(epsilon, 1) ** 2 for epsilon in region_epsilons)
    from_region, var_region = region_sum - shown_sum, region_var + shown * area_var
    from_areas, var_areas = pooled_sum, pooled * area_var
    if var_region + var_areas == 0:  # no noise at all: both are the true count
        return from_areas, 0.0
    w_region = var_areas / (var_region + var_areas)
    w_areas = 1.0 - w_region
    estimate = round(w_region * from_region + w_areas * from_areas)
    terms = [(e, w_region, 1) for e in region_epsilons]
    terms += [(e, w_region, shown) for e in epsilons]
    terms += [(e, w_areas, pooled) for e in epsilons]
    return estimate, weighted_tail_threshold(_merged(terms), alpha=alpha)


def _merged(terms: list[tuple[float, float, int]]) -> list[tuple[float, float, int]]:
    """Terms with the same ε and weight as one (their copies added), for the cache."""
    copies: dict[tuple[float, float], int] = defaultdict(int)
    for epsilon, weight, n in terms:
        copies[(epsilon, round(weight, 12))] += n
    return [(epsilon, weight, n) for (epsilon, weight), n in sorted(copies.items())]


def _empty_areas_bound(area_sums: Mapping[str, int], epsilons: Sequence[float]) -> int:
    """An upper estimate of the number of truly empty areas (see the module docstring)."""
    q = nonpositive_probability(epsilons)
    at_most_zero = sum(1 for value in area_sums.values() if value <= 0)
    estimate = (at_most_zero + 2 * math.sqrt(at_most_zero) + 1) / q
    return min(len(area_sums), math.ceil(estimate))
