"""The small-count floor: what a view may show of frozen noisy releases (P4).

Invariant: an area's window sum is shown only when it reaches max(k, 3σ); areas below it
are pooled by resolution-4 region, and a region is shown only when its pooled sum reaches
the same threshold; everything else is hidden yet still counted in the national total.
Shown numbers are never negative. This is post-processing of already-noised releases,
so it spends no privacy budget; the floor keeps small, noise-dominated counts off maps.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    shown_areas: dict[str, int]
    shown_regions: dict[str, int]
    region_areas: dict[str, tuple[str, ...]]  # for each shown region, the areas pooled in it
    hidden_count: int  # number of areas neither shown nor inside a shown region
    national_total: int
    threshold: float


def build_view(
    *, area_sums: Mapping[str, int], area_region: Mapping[str, str], k: int, sigma: float
) -> View:
    """Apply the floor to window sums of frozen noisy counts, one per area."""
    if k < 0 or sigma < 0:
        raise ValueError("k and sigma must be >= 0")
    missing = sorted(set(area_sums) - set(area_region))
    if missing:
        raise ValueError(f"areas without a region: {missing[:5]}")
    # σ is the noise over the whole window, so a longer window or smaller ε raises the bar.
    threshold = max(float(k), 3.0 * sigma)

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
    for region in sorted(pooled):
        # Raw sums, negatives included: clamping before pooling would bias regions upward.
        region_sum = sum(area_sums[area] for area in pooled[region])
        # A pooled sum carries the noise of each of its areas: its σ grows with √n, so the
        # region must clear its own 3σ, or noise alone would lift regions over the floor.
        region_floor = max(float(k), 3.0 * sigma * math.sqrt(len(pooled[region])))
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
