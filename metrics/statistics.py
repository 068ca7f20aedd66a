"""Comparing policies over replications: intervals, paired differences, Pareto fronts.

Pure functions on numpy arrays; no plotting, no files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BOOTSTRAP_FROM",
    "INTERVAL_METHODS",
    "Interval",
    "between_share",
    "exact_binomial",
    "higher_is_better",
    "mean_interval",
    "paired_difference",
    "pareto_front",
    "t_quantile_975",
]

#: Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom (standard tables).
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)

#: Metric name fragments whose larger values are better; every other metric is a cost.
_BETTER_HIGH = ("completed", "avoided", "responses", "served", "trips", "crossings", "benefit")


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion around the normal quantile: within 1e-4 beyond df = 30.
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Interval:
    """A mean with its 95 % confidence interval ``[low, high]`` (None below 2 values).

    The interval need not be symmetric (a bootstrap or exact binomial interval is not);
    ``half_width`` is half its length, for display as ``mean ± half_width``.
    """

    mean: float | None
    low: float | None
    high: float | None
    n: int
    #: how the interval was computed (``INTERVAL_METHODS``), or None without one
    method: str | None = None

    @property
    def half_width(self) -> float | None:
        """Half the interval's length."""
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2


#: Replications from which a bootstrap replaces Student's t.
BOOTSTRAP_FROM = 10
#: Bootstrap resamples (enough that the 2.5 % and 97.5 % quantiles move by < 1 % of a se).
BOOTSTRAP_RESAMPLES = 4000
#: A resample's spread is taken as at least this share of the sample's (bootstrap-t).
SPREAD_FLOOR = 0.5
INTERVAL_METHODS = ("student_t", "bootstrap_t", "exact_binomial", "no_variation")


def mean_interval(
    values: Sequence[float] | np.ndarray,
    bounds: tuple[float | None, float | None] = (None, None),
    binary: bool = False,
    seed: int = 0,
) -> Interval:
    """Mean and 95 % interval of independent replications; NaN values are left out.

    The interval suits skewed, discrete and bounded outcomes and never leaves
    ``bounds`` (the metric's range, either end None if open):

    - ``binary`` values (an event happened, 1, or not, 0): the exact binomial
      (Clopper-Pearson) interval of the share;
    - values that never vary: the mean could still differ by a value not seen; with
      ``bounds``, the exact binomial bound on the share of replications that would
      differ (``1 - 0.025^(1/n)``) stretches the interval towards each bound; without
      bounds it is the single value;
    - fewer than ``BOOTSTRAP_FROM`` values: Student's t, clipped to ``bounds``;
    - otherwise the bootstrap-t: the 2.5 and 97.5 percentiles of the studentised
      resampled mean (``seed`` makes it reproducible), clipped to ``bounds``. A
      resample's spread is taken as at least half the sample's, so rare values (most
      replications equal, a few not) do not blow it up. Plain bootstrap percentiles
      covered a lognormal mean only 84-90 % of the time with 20 replications;
      bootstrap-t covers 92-95 % (docs/security.md, "Intervals").
    """
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = len(data)
    if n == 0:
        return Interval(None, None, None, 0)
    mean = float(data.mean())
    if n < 2:
        return Interval(mean, None, None, 1)
    lower, upper = bounds
    if binary:
        if not np.isin(data, (0.0, 1.0)).all():
            raise ValueError("binary outcomes must be 0 or 1")
        low, high = exact_binomial(int(data.sum()), n)
        return Interval(mean, low, high, n, "exact_binomial")
    if (data == data[0]).all():
        share = 1.0 - 0.025 ** (1.0 / n)  # at most this share of replications differ
        low = mean if lower is None else mean - share * (mean - lower)
        high = mean if upper is None else mean + share * (upper - mean)
        return Interval(mean, low, high, n, "no_variation")
    if n < BOOTSTRAP_FROM:
        half = t_quantile_975(n - 1) * float(data.std(ddof=1)) / math.sqrt(n)
        low, high, method = mean - half, mean + half, "student_t"
    else:
        low, high = _bootstrap_t(data, seed)
        method = "bootstrap_t"
    if lower is not None:
        low, high = max(low, float(lower)), max(high, float(lower))
    if upper is not None:
        low, high = min(low, float(upper)), min(high, float(upper))
    return Interval(mean, low, high, n, method)


def exact_binomial(successes: int, n: int) -> tuple[float, float]:
    """The 95 % Clopper-Pearson interval of a share: ``successes`` of ``n`` (n >= 1)."""
    from scipy.special import betaincinv

    if not 0 <= successes <= n or n < 1:
        raise ValueError(f"{successes} successes out of {n} trials")
    low = 0.0 if successes == 0 else float(betaincinv(successes, n - successes + 1, 0.025))
    high = 1.0 if successes == n else float(betaincinv(successes + 1, n - successes, 0.975))
    return low, high


def _bootstrap_t(data: np.ndarray, seed: int) -> tuple[float, float]:
    """The 95 % bootstrap-t interval of the mean of ``data`` (which varies)."""
    n = len(data)
    rng = np.random.default_rng(seed)
    resampled = data[rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))]
    means = resampled.mean(axis=1)
    sd = float(data.std(ddof=1))
    spread = np.maximum(resampled.std(axis=1, ddof=1), SPREAD_FLOOR * sd)
    mean, se = float(data.mean()), sd / math.sqrt(n)
    t = (means - mean) / spread * math.sqrt(n)
    high_t, low_t = np.quantile(t, [0.975, 0.025], method="inverted_cdf")
    return mean - float(high_t) * se, mean - float(low_t) * se


def paired_difference(policy: Mapping[int, float], reference: Mapping[int, float]) -> Interval:
    """Mean of (policy - reference) over the replications both have (common random
    numbers: replication r has one seed in every policy), with its 95 % interval
    (:func:`mean_interval`, unbounded)."""
    shared = sorted(set(policy) & set(reference))
    diffs = [policy[r] - reference[r] for r in shared]
    return mean_interval(diffs)


def pareto_front(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    maximize: tuple[bool, bool] = (False, False),
) -> np.ndarray:
    """Boolean mask of the points no other point dominates (at least as good on both
    axes and better on one). NaN points are never on the front."""
    xs = np.asarray(x, dtype=float) * (-1.0 if maximize[0] else 1.0)
    ys = np.asarray(y, dtype=float) * (-1.0 if maximize[1] else 1.0)
    valid = ~(np.isnan(xs) | np.isnan(ys))
    front = np.zeros(len(xs), dtype=bool)
    for i in np.flatnonzero(valid):
        others = valid.copy()
        others[i] = False
        dominated = (xs[others] <= xs[i]) & (ys[others] <= ys[i])
        dominated &= (xs[others] < xs[i]) | (ys[others] < ys[i])
        front[i] = not dominated.any()
    return front


def higher_is_better(metric: str) -> bool:
    """Whether larger values of ``metric`` are better (counts of things done or avoided);
    delays, exposures, energy and blast radius are costs."""
    name = metric.rsplit(".", 1)[-1]
    if any(word in name for word in ("delay", "stranded", "exposed", "wait", "per_1000")):
        return False
    return any(word in name for word in _BETTER_HIGH)


def between_share(groups: Sequence[Sequence[float]]) -> float:
    """Share of the variance explained by the grouping (eta squared): how much a metric
    tells the policies apart; 0 when it is constant or undefined."""
    arrays = [np.asarray(g, dtype=float) for g in groups]
    arrays = [a[~np.isnan(a)] for a in arrays]
    arrays = [a for a in arrays if len(a)]
    if len(arrays) < 2:
        return 0.0
    everything = np.concatenate(arrays)
    total = float(((everything - everything.mean()) ** 2).sum())
    scale = float(np.abs(everything).max())
    if total <= len(everything) * (1e-9 * scale) ** 2:
        return 0.0  # constant up to rounding (sums in another order differ in the last bits)
    between = sum(len(a) * (float(a.mean()) - float(everything.mean())) ** 2 for a in arrays)
    return between / total
