"""Discrete Laplace noise on every area. OpenDP cannot be seeded, so checks are statistical."""

import math
import statistics

import pytest

from server.publishing.noise import noise_sd, noisy_counts, scale_for

AREAS = 4000


def test_zeros_get_noise_with_the_promised_spread():
    true = {f"area-{i}": 0 for i in range(AREAS)}
    noisy = noisy_counts(true, epsilon=1.0)
    values = list(noisy.values())
    assert any(v != 0 for v in values)
    assert any(v < 0 for v in values)  # negatives are kept; the view clamps them
    # Mean: SE ≈ 1.36/√4000 ≈ 0.02, so 0.12 is ~6 SE. SD: relative SE ≈ 2%, allow 12%.
    assert abs(statistics.fmean(values)) < 0.12
    assert statistics.pstdev(values) == pytest.approx(noise_sd(1.0, 1), rel=0.12)


def test_noise_is_centred_on_the_true_count():
    noisy = noisy_counts({f"a{i}": 50 for i in range(AREAS)}, epsilon=0.5)
    assert abs(statistics.fmean(noisy.values()) - 50) < 0.3


def test_keys_kept_and_values_integers():
    true = {"b": 3, "a": 0, "c": 17}
    noisy = noisy_counts(true, epsilon=1.0)
    assert list(noisy) == list(true)
    assert all(type(v) is int for v in noisy.values())


def test_epsilon_zero_is_identity():
    true = {"a": 0, "b": 5, "c": 12}
    assert noisy_counts(true, epsilon=0) == true
    assert scale_for(0) == 0.0
    assert noise_sd(0, 12) == 0.0


def test_refuses_seed_negative_counts_and_bad_epsilon():
    with pytest.raises(ValueError):
        noisy_counts({"a": 1}, epsilon=1.0, seed=42)
    with pytest.raises(ValueError):
        noisy_counts({"a": -1}, epsilon=1.0)
    with pytest.raises(ValueError):
        noisy_counts({"a": 1}, epsilon=-0.5)
    with pytest.raises(ValueError):
        scale_for(math.inf)


def test_empty_input():
    assert noisy_counts({}, epsilon=1.0) == {}


def test_scale_and_sd_formulas():
    assert scale_for(0.5) == 2.0
    one_week = math.sqrt(2 * math.exp(-1) / (1 - math.exp(-1)) ** 2)
    assert noise_sd(1.0, 1) == pytest.approx(one_week)
    assert noise_sd(1.0, 4) == pytest.approx(2 * one_week)  # variances add over weeks
    assert noise_sd(1.0, 0) == 0.0
    assert noise_sd(0.1, 1) > noise_sd(1.0, 1)


def test_weighted_tail_bound_is_never_below_the_exact_tail():
    from server.publishing.noise import tail_threshold, weighted_tail_threshold

    for epsilon, weeks, alpha in ((1.0, 1, 0.01), (1.0, 12, 1e-3), (0.4, 4, 1e-4)):
        exact = tail_threshold([epsilon] * weeks, alpha=alpha)
        bound = weighted_tail_threshold([(epsilon, 1.0, weeks)], alpha=alpha)
        assert exact <= bound <= exact + 3 * noise_sd(epsilon, weeks)
    # Halving every weight halves the spread: the bar roughly halves too.
    full = weighted_tail_threshold([(0.5, 1.0, 12)], alpha=1e-3)
    half = weighted_tail_threshold([(0.5, 0.5, 12)], alpha=1e-3)
    assert abs(half - full / 2) <= 1
    assert weighted_tail_threshold([(0.0, 1.0, 5), (0.3, 0.0, 2)], alpha=0.1) == 0.0
