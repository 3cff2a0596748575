"""Every published count carries discrete Laplace noise (P4).

Invariant: a weekly release is `true count + two-sided geometric noise` for every area,
zeros included, drawn by OpenDP in one measurement over the whole vector. The privacy unit
is one incident: an incident falls in exactly one area, so adding or removing it moves the
count vector by 1 in L1 distance, and noise of scale 1/ε makes the week ε-differentially
private. A vector where one incident can move the counts by more (one incident counting
for each network that reported it) says so with `sensitivity`, and the scale grows with it,
so every call spends exactly the ε it is given. Noising zeros too matters: skipping them
would reveal which areas had incidents. ε = 0 is the operator's explicit "noise off" and
returns the counts unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import opendp.prelude as dp

# Slack for float rounding when checking OpenDP's own privacy map against ε.
_EPSILON_SLACK = 1e-9


def scale_for(epsilon: float) -> float:
    """Discrete Laplace scale for sensitivity 1 at budget ε; 0.0 means no noise."""
    _check_epsilon(epsilon)
    return 0.0 if epsilon == 0 else 1.0 / epsilon


def noisy_counts(
    true_counts: Mapping[str, int], *, epsilon: float, sensitivity: int = 1, seed: None = None
) -> dict[str, int]:
    """Add independent discrete Laplace(sensitivity/ε) noise to every area's count: the
    whole vector is ε-differentially private when one incident moves it by at most
    `sensitivity` in L1 distance.

    `seed` exists only to say no: OpenDP draws from its own CSPRNG and accepts no seed,
    and a reproducible seed would let anyone who learns it subtract the noise.
    """
    if seed is not None:
        raise ValueError("noise cannot be seeded: OpenDP uses its own CSPRNG")
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, int) or sensitivity < 1:
        raise ValueError(f"sensitivity must be an int >= 1, got {sensitivity!r}")
    scale = scale_for(epsilon) * sensitivity
    areas = list(true_counts)
    values = [true_counts[area] for area in areas]
    for area, value in zip(areas, values, strict=True):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"count for {area!r} must be a non-negative int, got {value!r}")
    if scale == 0.0:
        return dict(zip(areas, values, strict=True))

    dp.enable_features("contrib")
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )
    # Ask OpenDP what one incident costs under this measurement, rather than trusting our
    # arithmetic: a wrong domain or metric here would silently overspend the budget.
    spent = measurement.map(sensitivity)
    if spent > epsilon * (1 + _EPSILON_SLACK):
        raise RuntimeError(f"measurement spends ε={spent}, more than the budget {epsilon}")
    noisy = measurement(values)
    return {area: int(value) for area, value in zip(areas, noisy, strict=True)}


def noise_sd(epsilon: float, weeks: int) -> float:
    """Standard deviation of the sum of `weeks` independent weekly noises at budget ε.

    Discrete Laplace with scale t has variance 2·e^(−1/t) / (1 − e^(−1/t))²; with t = 1/ε
    that is 2·e^(−ε) / (1 − e^(−ε))², and independent weeks add variances.
    """
    _check_epsilon(epsilon)
    if weeks < 0:
        raise ValueError("weeks must be >= 0")
    if epsilon == 0 or weeks == 0:
        return 0.0
    # expm1 keeps 1 − e^(−ε) accurate for small ε, where the variance is largest.
    variance = 2.0 * math.exp(-epsilon) / math.expm1(-epsilon) ** 2
    return math.sqrt(weeks * variance)


def _check_epsilon(epsilon: float) -> None:
    if not math.isfinite(epsilon) or epsilon < 0:
        raise ValueError(f"epsilon must be a finite number >= 0, got {epsilon!r}")
