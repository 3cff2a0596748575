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

`tail_threshold` is arithmetic on the public noise distribution only (no data): the exact
tail of a sum of independent discrete Laplace draws, for the views' floor.
`weighted_tail_threshold` bounds the tail of a weighted sum of such draws (the views'
combined region estimates) with the Chernoff bound, exact arithmetic on the moment
generating function rather than an approximation, so it never understates the tail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
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


def tail_threshold(epsilons: Sequence[float], *, alpha: float, copies: int = 1) -> float:
    """The smallest integer t with P(S ≥ t) ≤ `alpha`, where S is the sum of one discrete
    Laplace(1/ε) draw per ε in `epsilons` for each of `copies` areas (a window of weekly
    noises, pooled over `copies` areas). Exact up to float rounding: the distribution is
    convolved, not approximated by a normal, whose tail is too thin for few weeks.
    0.0 when nothing is noised (every ε is 0, or no weeks): there is no noise to clear.
    """
    for epsilon in epsilons:
        _check_epsilon(epsilon)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if copies < 1:
        raise ValueError("copies must be >= 1")
    noised = tuple(sorted(epsilon for epsilon in epsilons if epsilon > 0))
    if not noised:
        return 0.0
    return float(_tail_threshold(noised, alpha, copies))


@lru_cache(maxsize=4096)
def _tail_threshold(epsilons: tuple[float, ...], alpha: float, copies: int) -> int:
    pmf, low = _window_pmf(epsilons)
    power, result, result_low = pmf, None, 0
    n, power_low = copies, low
    while n:  # the sum over `copies` areas: the window's distribution to that power
        if n & 1:
            if result is None:
                result, result_low = power, power_low
            else:
                result = np.clip(fftconvolve(result, power), 0, None)
                result_low += power_low
        n >>= 1
        if n:
            power = np.clip(fftconvolve(power, power), 0, None)
            power_low *= 2
    assert result is not None
    tail = np.cumsum(result[::-1])[::-1]  # tail[i] = P(S ≥ result_low + i)
    above = np.nonzero(tail <= alpha)[0]
    return int(result_low + above[0]) if len(above) else int(result_low + len(tail))


def weighted_tail_threshold(terms: Sequence[tuple[float, float, int]], *, alpha: float) -> float:
    """The smallest integer t whose Chernoff bound gives P(S ≥ t) ≤ `alpha`, for S the sum,
    over `terms` (ε, weight, copies), of `weight` times each of `copies` independent
    discrete Laplace(1/ε) draws. A weight's sign does not matter (the noise is symmetric).
    0.0 when nothing is noised.

    For a discrete Laplace draw X at ε, with p = e^(−ε): E[e^(λX)] = (1−p)² / ((1−p·e^λ)
    (1−p·e^(−λ))) for |λ| < ε. So for any admissible λ > 0, P(S ≥ t) ≤ e^(K(λ) − λt) with
    K the sum of the terms' log moment generating functions, and the bound is ≤ α exactly
    when t ≥ (K(λ) − ln α)/λ. That ratio has a single minimum in λ (K is convex, K(0) = 0),
    found by golden-section search; t is its ceiling.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    noised = []
    for epsilon, weight, copies in terms:
        _check_epsilon(epsilon)
        if copies < 0 or not math.isfinite(weight):
            raise ValueError(f"bad term {(epsilon, weight, copies)!r}")
        if epsilon > 0 and weight != 0 and copies > 0:
            noised.append((epsilon, abs(weight), copies))
    if not noised:
        return 0.0
    return float(_weighted_tail_threshold(tuple(sorted(noised)), alpha))


@lru_cache(maxsize=4096)
def _weighted_tail_threshold(terms: tuple[tuple[float, float, int], ...], alpha: float) -> int:
    top = min(epsilon / weight for epsilon, weight, _ in terms) * (1 - 1e-9)

    def ratio(lam: float) -> float:
        k = 0.0
        for epsilon, weight, copies in terms:
            p, x = math.exp(-epsilon), weight * lam
            k += copies * (
                2 * math.log1p(-p) - math.log1p(-p * math.exp(x)) - math.log1p(-p * math.exp(-x))
            )
        return (k - math.log(alpha)) / lam

    low, high = 0.0, top
    golden = (math.sqrt(5) - 1) / 2
    a, b = high - golden * (high - low), low + golden * (high - low)
    fa, fb = ratio(a), ratio(b)
    for _ in range(100):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - golden * (high - low)
            fa = ratio(a)
        else:
            low, a, fa = a, b, fb
            b = low + golden * (high - low)
            fb = ratio(b)
    # Any λ gives a valid bound, so the best one found is safe even if not the exact minimum.
    return math.ceil(min(fa, fb))


def nonpositive_probability(epsilons: Sequence[float]) -> float:
    """P(S ≤ 0) for S the sum of one discrete Laplace(1/ε) draw per ε (1.0 without noise):
    how often a truly empty area's window sum comes out at or below zero."""
    for epsilon in epsilons:
        _check_epsilon(epsilon)
    noised = tuple(sorted(epsilon for epsilon in epsilons if epsilon > 0))
    if not noised:
        return 1.0
    pmf, low = _window_pmf(noised)
    return float(min(1.0, pmf[: 1 - low].sum()))


def fftconvolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Full linear convolution of two distributions through numpy's FFT."""
    size = len(a) + len(b) - 1
    return np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(b, size), size)


@lru_cache(maxsize=256)
def _window_pmf(epsilons: tuple[float, ...]) -> tuple[np.ndarray, int]:
    """Distribution of a sum of discrete Laplace draws, as (pmf, value of pmf[0])."""
    pmf, low = np.ones(1), 0
    for epsilon in epsilons:
        ratio = math.exp(-epsilon)
        # Mass beyond ±m is below 1e-17 of the total: far under any α a view uses.
        m = math.ceil(17 * math.log(10) / epsilon) + 1
        values = np.arange(-m, m + 1)
        one = (1 - ratio) / (1 + ratio) * ratio ** np.abs(values)
        pmf, low = np.convolve(pmf, one), low - m
    return pmf, low


def _check_epsilon(epsilon: float) -> None:
    if not math.isfinite(epsilon) or epsilon < 0:
        raise ValueError(f"epsilon must be a finite number >= 0, got {epsilon!r}")
