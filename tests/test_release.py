"""Published counts: suppressed cells are never published; the noise is the mechanism's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metrics.release import noise, publish, release_cells, release_metrics


def test_cells_count_each_system_place_and_interval() -> None:
    true, cell = release_cells(
        np.array([10.0, 20.0, 3700.0, 10.0]),
        np.array([1, 1, 1, 0]),
        np.array([0, 0, 0, 1]),
        3600.0,
        7200.0,
        n_places=2,
        n_systems=2,
    )
    assert len(true) == 2 * 2 * 2  # systems x places x intervals
    # system 0, place 1: two in the first hour, one in the second; system 1, place 0: one
    assert true.tolist() == [0, 0, 2, 1, 1, 0, 0, 0]
    assert cell.tolist() == [2, 2, 3, 4]


@pytest.mark.parametrize("epsilon", [None, 0.5])
def test_suppressed_cells_are_never_published(epsilon) -> None:
    rng = np.random.default_rng(2)
    true = rng.integers(0, 20, 5000)
    release = publish(true, 10, epsilon, "geometric", rng)
    assert (release.published[release.suppressed] == 0).all()
    assert (release.published[~release.suppressed] >= 10).all()
    if epsilon is None:
        assert release.suppressed.tolist() == (true < 10).tolist()
        assert (release.published[~release.suppressed] == true[~release.suppressed]).all()


def test_laplace_noise_has_scale_one_over_epsilon() -> None:
    epsilon = 0.5
    draws = noise(20_000, epsilon, "laplace", np.random.default_rng(3))
    assert stats.kstest(draws, "laplace", args=(0.0, 1.0 / epsilon)).pvalue > 0.01
    # published counts far from 0 carry exactly that noise, rounded
    true = np.full(20_000, 1000)
    release = publish(true, 0, epsilon, "laplace", np.random.default_rng(3))
    assert (release.published - true == np.round(draws)).all()


def test_geometric_noise_is_the_two_sided_geometric() -> None:
    epsilon = 0.7
    draws = noise(50_000, epsilon, "geometric", np.random.default_rng(4)).astype(int)
    alpha = np.exp(-epsilon)
    ks = np.arange(-8, 9)
    pmf = (1 - alpha) / (1 + alpha) * alpha ** np.abs(ks)
    observed = np.array([(draws == k).sum() for k in ks])
    expected = pmf * len(draws)
    tail_obs, tail_exp = len(draws) - observed.sum(), len(draws) * (1 - pmf.sum())
    chi2 = stats.chisquare(np.r_[observed, tail_obs], np.r_[expected, tail_exp])
    assert chi2.pvalue > 0.01
    # its mean absolute error is 2 alpha / (1 - alpha^2)
    assert np.abs(draws).mean() == pytest.approx(2 * alpha / (1 - alpha**2), rel=0.03)


def test_release_metrics_on_one_minute_counts() -> None:
    # residents 0 and 1 each alone in a minute at place 0; two visitors together in another
    observed = {
        "time_s": np.array([5.0, 70.0, 130.0, 140.0, -50.0]),
        "place": np.array([0, 0, 0, 0, 0]),
        "system": np.array([0, 0, 0, 0, 0]),
        "person": np.array([0, 1, 5, 6, 0]),  # the last one is before the run: not released
    }
    rng = np.random.default_rng(0)
    exact = release_metrics(observed, 60.0, 0, None, "laplace", rng, 180.0, 1, 1, 2)
    assert exact["release_cells"] == 3
    assert exact["release_cells_of_one"] == 2 and exact["release_persons_singled_out"] == 2
    assert exact["release_cells_of_one_share"] == pytest.approx(2 / 3)
    assert exact["release_mean_abs_error"] == 0.0
    safe = release_metrics(observed, 60.0, 2, None, "laplace", rng, 180.0, 1, 1, 2)
    assert safe["release_cells_suppressed"] == 2 and safe["release_persons_singled_out"] == 0
    assert safe["release_mean_abs_error"] == pytest.approx(2 / 3)  # two lost counts of 1
