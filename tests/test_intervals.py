"""Honest intervals (metrics.statistics.mean_interval): exact where they can be, never
outside the metric's range, and covering the true mean at least 93 % of the time at a
nominal 95 % on synthetic skewed, bounded, discrete and binary outcomes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.statistics import exact_binomial, mean_interval
from twin.scenario.security import Security

DEFAULT_REPLICATIONS = Security().attack_replications


def binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def test_exact_binomial_by_hand() -> None:
    # no event in 10: the share is below 1 - 0.025^(1/10) with 97.5 % confidence
    assert exact_binomial(0, 10) == pytest.approx((0.0, 1 - 0.025**0.1))
    assert exact_binomial(10, 10) == pytest.approx((0.025**0.1, 1.0))
    # 3 of 10: the bounds are where 3 or more (fewer) become 2.5 % likely
    low, high = exact_binomial(3, 10)
    assert binomial_cdf(3, 10, high) == pytest.approx(0.025, abs=1e-9)
    assert 1 - binomial_cdf(2, 10, low) == pytest.approx(0.025, abs=1e-9)
    with pytest.raises(ValueError):
        exact_binomial(11, 10)


def test_binary_outcomes_get_the_exact_interval() -> None:
    interval = mean_interval([1, 0, 0, 1, 0, 0, 0, 1, 0, 0], binary=True)
    assert (interval.low, interval.high) == pytest.approx(exact_binomial(3, 10))
    assert interval.method == "exact_binomial"
    with pytest.raises(ValueError, match="0 or 1"):
        mean_interval([0.5, 1.0], binary=True)


def test_an_outcome_that_never_varied_is_not_certain() -> None:
    # 20 replications, every one compromising only the entry (1 of 27 components): a rare
    # escape cannot be ruled out, up to the share 1 - 0.025^(1/20) of replications.
    share = 1 - 0.025 ** (1 / 20)
    interval = mean_interval([1 / 27] * 20, (0.0, 1.0))
    assert interval.method == "no_variation"
    assert interval.low == pytest.approx(1 / 27 - share / 27)
    assert interval.high == pytest.approx(1 / 27 + share * (1 - 1 / 27))
    assert mean_interval([2.0] * 5).low == mean_interval([2.0] * 5).high == 2.0  # no range


def test_intervals_never_leave_the_range() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        counts = np.where(rng.random(30) < 0.1, rng.integers(1, 40, 30), 0).astype(float)
        interval = mean_interval(counts, (0.0, 40.0))
        assert 0.0 <= interval.low <= interval.mean <= interval.high <= 40.0
    assert mean_interval([0.0, 0.0, 3.0], (0.0, None)).low == 0.0  # Student t, clipped


def test_rare_values_do_not_blow_the_interval_up() -> None:
    # 98 replications at 1/27, 2 at 2/27 (the spread escaped twice)
    values = [1 / 27] * 98 + [2 / 27] * 2
    interval = mean_interval(values, (0.0, 1.0))
    assert interval.method == "bootstrap_t"
    assert interval.high - interval.low < 0.02


#: Synthetic outcomes with known means: (draw n values, true mean, range, binary).
OUTCOMES = {
    "exponential": (lambda r, n: r.exponential(1.0, n), 1.0, (0.0, None), False),
    "gamma_half": (lambda r, n: r.gamma(0.5, 2.0, n), 1.0, (0.0, None), False),
    "bimodal_share": (
        lambda r, n: np.where(r.random(n) < 0.2, r.uniform(0.3, 0.9, n), 1 / 27),
        0.2 * 0.6 + 0.8 / 27,
        (0.0, 1.0),
        False,
    ),
    "rare_escape": (
        lambda r, n: np.where(r.random(n) < 0.05, r.uniform(0.3, 0.9, n), 1 / 27),
        0.05 * 0.6 + 0.95 / 27,
        (0.0, 1.0),
        False,
    ),
    "zero_inflated_count": (
        lambda r, n: np.where(r.random(n) < 0.4, r.poisson(500, n), 0).astype(float),
        0.4 * 500,
        (0.0, None),
        False,
    ),
    "binary_rare": (lambda r, n: (r.random(n) < 0.05).astype(float), 0.05, (0.0, 1.0), True),
    "binary": (lambda r, n: (r.random(n) < 0.3).astype(float), 0.3, (0.0, 1.0), True),
}


CASES = [(name, DEFAULT_REPLICATIONS) for name in sorted(OUTCOMES)] + [
    # exact binomial intervals hold at any count (the bootstrap-t at 20 replications
    # covers only 92-93 % of heavily skewed means: one reason the default is 100)
    ("binary_rare", 20),
    ("binary", 20),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "n"), CASES)
def test_coverage_at_nominal_95(name: str, n: int) -> None:
    # 1,000 experiments: the estimated coverage has a standard error of 0.7 points, so a
    # method at 95 % passes 0.93 with a wide margin and one at 91 % fails.
    draw, mean, bounds, binary = OUTCOMES[name]
    rng = np.random.default_rng(2024)
    experiments = 1000
    covered = 0
    for k in range(experiments):
        interval = mean_interval(draw(rng, n), bounds, binary=binary, seed=k)
        covered += interval.low <= mean <= interval.high  # type: ignore[operator]
    assert covered / experiments >= 0.93, covered / experiments
