"""Fit the vehicle demand to counts: origin and destination weights of the boundary nodes.

Trips from boundary node *i* to *j* are ``T_ij = a_i b_j`` vehicles/h (times the demand
profile's mean in the hour of a count); a count on link *k* in hour *h* is modelled as
``sum_ij T_ij u_kij`` with ``u`` the share of *i*-to-*j* trips on *k*
(:func:`twin.calibration.assignment.link_use`). The fit alternates non-negative least
squares in *a* and in *b*, each count weighted by ``1 / sqrt(count)`` (so that it
minimises about the sum of squared GEH), with a weak pull towards the scenario's own
demand that settles the boundary nodes no count sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from twin.calibration.geh import GEH_GOOD, SHARE_REQUIRED, share_good
from twin.district.demand import daily_profile
from twin.district.od import od_shares

__all__ = ["Fit", "fit_demand", "hour_factor", "prior_trips", "verdict"]

#: Weight of the pull towards the prior demand, relative to the counts.
PRIOR_WEIGHT = 1e-3
ROUNDS = 200
TOLERANCE = 1e-9


@dataclass
class Fit:
    """Demand fitted to counts.

    Attributes:
        origin, destination: fitted weights per boundary node (trips from i to j are
            ``origin_i x destination_j`` vehicles/h where a trip can go).
        trips: fitted vehicles/h between boundary nodes (entry rows, exit columns).
        modelled: per count, the fitted demand's flow on its link in its hour (vehicles/h).
        unseen: per count, whether no route between boundary nodes uses its link.
    """

    origin: np.ndarray
    destination: np.ndarray
    trips: np.ndarray
    modelled: np.ndarray
    unseen: np.ndarray

    @property
    def vehicles_per_hour(self) -> float:
        return float(self.trips.sum())

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Origin and destination weights, each scaled to mean 1 where positive."""
        return _unit_mean(self.origin), _unit_mean(self.destination)


def hour_factor(profile: str, hour: int) -> float:
    """Mean demand multiplier of the profile in clock hour ``hour``."""
    if profile != "daily":
        return 1.0
    return float(np.mean(daily_profile(hour + np.linspace(0.0, 1.0, 60, endpoint=False))))


def fit_demand(
    use: np.ndarray,
    links: np.ndarray,
    factors: np.ndarray,
    counted: np.ndarray,
    prior: np.ndarray,
) -> Fit:
    """Trips between boundary nodes that best reproduce the counts.

    Args:
        use: share of *i*-to-*j* trips on each link (links, i, j).
        links: the link of each count.
        factors: the demand profile's multiplier in each count's hour.
        counted: the counts (vehicles/h).
        prior: the scenario's trips (i, j; vehicles/h), where the fit starts.
    """
    allowed = prior > 0
    seen = use[links] * allowed  # (counts, i, j)
    unseen = seen.reshape(len(links), -1).sum(axis=1) == 0
    scale = np.sqrt(max(prior.sum(), 1e-9))
    a = np.sqrt(prior.sum(axis=1) / scale)
    b = np.sqrt(prior.sum(axis=0) / scale)
    weight = 1.0 / np.sqrt(np.maximum(counted, 1.0))
    pull = np.sqrt(PRIOR_WEIGHT)
    for _ in range(ROUNDS):
        before = np.outer(a, b)
        design = np.einsum("kij,j->ki", seen, b) * factors[:, None]
        a = _solve(design, counted, weight, pull, a)
        design = np.einsum("kij,i->kj", seen, a) * factors[:, None]
        b = _solve(design, counted, weight, pull, b)
        if np.abs(np.outer(a, b) - before).max() <= TOLERANCE * max(before.max(), 1.0):
            break
    trips = np.outer(a, b) * allowed
    modelled = np.einsum("kij,ij->k", seen, trips) * factors
    return Fit(a, b, trips, modelled, unseen)


def _solve(
    design: np.ndarray, counted: np.ndarray, weight: np.ndarray, pull: float, prior: np.ndarray
) -> np.ndarray:
    """Non-negative least squares of ``design x = counted`` (rows weighted), pulled weakly
    towards ``prior`` (columns no count depends on keep it)."""
    size = np.sqrt(np.mean((design * weight[:, None]) ** 2)) if design.size else 1.0
    rows = np.vstack([design * weight[:, None], pull * max(size, 1e-9) * np.eye(len(prior))])
    target = np.concatenate([counted * weight, pull * max(size, 1e-9) * prior])
    solution, _ = nnls(rows, target, maxiter=50 * len(prior))
    return solution


def prior_trips(graph, demand) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The scenario's vehicle trips between boundary nodes (vehicles/h)."""
    return od_shares(graph, demand) * demand.vehicles_per_hour


def verdict(values: np.ndarray, unseen: np.ndarray) -> tuple[bool, list[str]]:
    """Whether the counts are matched (GEH < 5 on at least 85 %), and why not."""
    share = share_good(values)
    reasons = []
    if unseen.any():
        reasons.append(
            f"{int(unseen.sum())} count(s) lie on links no route between boundary nodes "
            "uses: no demand can put vehicles there"
        )
    if share is not None and share < SHARE_REQUIRED:
        reasons.append(
            f"only {share:.0%} of the counts have GEH < {GEH_GOOD:g} (at least "
            f"{SHARE_REQUIRED:.0%} needed): the counts contradict each other or the routes"
        )
    return share is not None and share >= SHARE_REQUIRED and not unseen.any(), reasons


def _unit_mean(values: np.ndarray) -> np.ndarray:
    positive = values[values > 0]
    return values / positive.mean() if positive.size else values
