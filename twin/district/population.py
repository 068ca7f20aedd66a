"""The synthetic population: homes, regular destinations, mobility and speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from agents.pedestrian import Resident, draw_walking_speeds
from twin.scenario.policy import CONSENT_KINDS

if TYPE_CHECKING:
    import mesa

    from twin.district.street_graph import StreetGraph
    from twin.district.streets import StreetNetwork
    from twin.district.walkways import Walkways
    from twin.scenario import Scenario


def create_residents(
    model: mesa.Model,
    scenario: Scenario,
    network: StreetNetwork,
    walkways: Walkways,
    rng: np.random.Generator,
    consent_rng: np.random.Generator,
) -> list[Resident]:
    """Residents with a home corner and destinations within walking range.

    Homes are uniform over the district's street corners; each destination is a
    corner of an intersection at most ``max_trip_blocks`` blocks from home along the
    streets (a block: the median street between intersections), uniform over those
    intersections and then over their corners, never the home corner itself. A
    resident *needs time* when impaired or slower than the clearance speed; a share
    ``policy.consent.opt_in_rate`` opts in to app-based services, and each who does
    shares each kind of data (``CONSENT_KINDS``) with its stated probability (drawn from
    their own stream, so consent never changes who lives where).
    """
    population = scenario.population
    n = population.residents
    k = population.destinations_per_resident
    graph = network.graph
    nearby = walking_range(graph, population.max_trip_blocks)
    home = rng.integers(0, walkways.n_corners, n)
    home_node = walkways.corner_node[home]
    choices = [nearby[node] for node in home_node.tolist()]
    picks = rng.random((n, k))
    nodes = np.array(
        [
            [within[int(p * len(within))] for p in row]
            for within, row in zip(choices, picks, strict=True)
        ],
        dtype=np.int64,
    ).reshape(n, k)
    legs = np.diff(walkways.corner_base)[nodes]
    destinations = walkways.corner_base[nodes] + (rng.random((n, k)) * legs).astype(np.int64)
    clash = destinations == home[:, None]
    base = walkways.corner_base[nodes[clash]]
    destinations[clash] = base + (destinations[clash] - base + 1) % legs[clash]
    block_m = float(np.median([s.length_m for s in graph.streets]))
    offsets = rng.uniform(0.0, block_m / 2, (n, k + 1))
    impaired = rng.random(n) < population.impaired_share
    speeds = draw_walking_speeds(rng, impaired)
    needs_time = impaired | (speeds < scenario.signals.clearance_speed_mps)
    consent = scenario.policy.consent
    opted_in = consent_rng.random(n) < consent.opt_in_rate
    kinds = {
        kind: opted_in & (consent_rng.random(n) < getattr(consent, key))
        for key, kind in CONSENT_KINDS.items()
    }
    return [
        Resident(
            model,
            anchors=(int(home[i]), *(int(d) for d in destinations[i])),
            offsets_m=tuple(float(o) for o in offsets[i]),
            speed_mps=float(speeds[i]),
            impaired=bool(impaired[i]),
            needs_time=bool(needs_time[i]),
            opted_in=bool(opted_in[i]),
            shares=frozenset(kind for kind, chosen in kinds.items() if chosen[i]),
        )
        for i in range(n)
    ]


def walking_range(graph: StreetGraph, blocks: int) -> list[np.ndarray]:
    """Per intersection, the intersections within ``blocks`` blocks of it along the
    streets between intersections (itself included), a block being the median street."""
    n = graph.n_intersections
    inner = [s for s in graph.streets if s.a < n and s.b < n]
    if not inner:
        return [np.array([i]) for i in range(n)]
    block_m = float(np.median([s.length_m for s in inner]))
    a = np.array([s.a for s in inner])
    b = np.array([s.b for s in inner])
    length = np.array([s.length_m for s in inner]) + 1e-9
    streets = csr_matrix((length, (a, b)), shape=(n, n))
    distance = dijkstra(streets, directed=False, limit=blocks * block_m * (1 + 1e-9))
    return [np.flatnonzero(np.isfinite(row)) for row in distance]
