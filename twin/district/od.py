"""Where vehicle trips enter and leave the district: the origin-destination pattern.

Vehicles enter at boundary nodes whose street leads into the district and leave at those
whose street leads out. Trips from boundary node *i* to *j* (*j* not *i*) are in
proportion to ``o_i x d_j``, the origin weight of *i* times the destination weight of *j*
(``demand.origin_weights`` / ``destination_weights`` by boundary label; 1 where not
given): with every weight 1, entries are uniform and each exit uniform among the others.
``twin calibrate`` fits the weights to traffic counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from twin.district.street_graph import StreetGraph

if TYPE_CHECKING:
    from twin.scenario.schema import Demand

__all__ = ["od_shares", "trip_ends", "weights_by_boundary"]


def weights_by_boundary(graph: StreetGraph, weights: Mapping[str, float]) -> np.ndarray:
    """Per boundary node (in ``graph.boundary_nodes`` order), its weight (1 if not given)."""
    return np.array([float(weights.get(graph.label[b], 1.0)) for b in graph.boundary_nodes])


def od_shares(graph: StreetGraph, demand: Demand) -> np.ndarray:
    """Share of the vehicle trips from each boundary node (rows) to each (columns), summing
    to 1: ``o_i x d_j`` where *i* can be entered and *j* left, *j* not *i*."""
    boundary = graph.boundary_nodes
    enter = np.array([bool(graph.outgoing[b]) for b in boundary], dtype=float)
    leave = np.array([bool(graph.incoming[b]) for b in boundary], dtype=float)
    origin = weights_by_boundary(graph, demand.origin_weights) * enter
    destination = weights_by_boundary(graph, demand.destination_weights) * leave
    shares = np.outer(origin, destination)
    np.fill_diagonal(shares, 0.0)
    total = shares.sum()
    if total <= 0:
        raise ValueError("no vehicle trip can enter and leave the district: check the weights")
    return shares / total


def trip_ends(
    rng: np.random.Generator, graph: StreetGraph, demand: Demand, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit (indices into ``graph.boundary_nodes``) of ``count`` vehicle trips."""
    points = len(graph.boundary_nodes)
    uniform = not demand.origin_weights and not demand.destination_weights
    if uniform and all(graph.outgoing[b] and graph.incoming[b] for b in graph.boundary_nodes):
        entries = rng.integers(0, points, count)
        exits = (entries + rng.integers(1, points, count)) % points
        return entries, exits
    pairs = rng.choice(points * points, size=count, p=od_shares(graph, demand).ravel())
    return pairs // points, pairs % points
