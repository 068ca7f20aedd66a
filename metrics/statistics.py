"""Comparing policies over replications: intervals, paired differences, Pareto fronts.

Pure functions on numpy arrays; no plotting, no files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Interval",
    "between_share",
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
    """A mean with the half-width of its 95 % confidence interval (None below 2 values)."""

    mean: float | None
    half_width: float | None
    n: int

    @property
    def low(self) -> float | None:
        """Lower end of the interval."""
        if self.mean is None or self.half_width is None:
            return None
        return self.mean - self.half_width

    @property
    def high(self) -> float | None:
        """Upper end of the interval."""
        if self.mean is None or self.half_width is None:
            return None
        return self.mean + self.half_width


def mean_interval(values: Sequence[float] | np.ndarray) -> Interval:
    """Mean and 95 % t-interval of independent replications; NaN values are left out."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = len(data)
    if n == 0:
        return Interval(None, None, 0)
    mean = float(data.mean())
    if n < 2:
        return Interval(mean, None, 1)
    half = t_quantile_975(n - 1) * float(data.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, half, n)


def paired_difference(policy: Mapping[int, float], reference: Mapping[int, float]) -> Interval:
    """Mean of (policy - reference) over the replications both have (common random
    numbers: replication r has one seed in every policy), with its 95 % interval."""
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
