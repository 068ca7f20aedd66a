"""Which links the vehicles between two boundary nodes use, as the router sends them.

A trip takes the first cheapest link out of its origin, then at each intersection one of
the cheapest next links, ties split evenly (what :class:`twin.district.routing.Router`
does at random): the share of the trips on each link follows exactly, without drawing.
"""

from __future__ import annotations

import heapq

import numpy as np

from twin.district.routing import TIE_S, Router

__all__ = ["link_use"]


def link_use(router: Router) -> np.ndarray:
    """Share of the trips from boundary node *i* to *j* that drive each link: an array
    (links, boundary nodes, boundary nodes); zero where no route exists or *i* is *j*."""
    graph = router.graph
    boundary = graph.boundary_nodes
    use = np.zeros((len(graph.links), len(boundary), len(boundary)))
    for j, destination in enumerate(boundary):
        if not graph.incoming[destination]:
            continue
        remaining = router.time_to(destination)
        for i, origin in enumerate(boundary):
            first = _first_link(router, origin, destination, remaining)
            if i != j and first is not None:
                for link, share in _spread(router, first, destination, remaining).items():
                    use[link, i, j] = share
    return use


def _first_link(router: Router, origin: int, destination: int, remaining: np.ndarray) -> int | None:
    """The link a trip leaves ``origin`` by (as ``Router.between``), None if it cannot."""
    best, best_s = None, np.inf
    for first in router.graph.outgoing[origin]:
        head = router.graph.links[first][1]
        total = router.freeflow_s[first] + (0.0 if head == destination else remaining[first])
        if total < best_s:
            best, best_s = first, total
    return best if np.isfinite(best_s) else None


def _spread(
    router: Router, first: int, destination: int, remaining: np.ndarray
) -> dict[int, float]:
    """Share of the trips on each link, from ``first`` to ``destination``: links in order
    of falling remaining time, each passing its share evenly to its tied next links."""
    graph, costs = router.graph, router.freeflow_s
    share = {first: 1.0}
    heap = [(-remaining[first], first)]
    done: set[int] = set()
    while heap:
        _, link = heapq.heappop(heap)
        if link in done or graph.links[link][1] == destination:
            continue
        done.add(link)
        choices, penalties = router.next_links[link], router.next_penalty[link]
        totals = [p + costs[o] + remaining[o] for o, p in zip(choices, penalties, strict=True)]
        best = min(totals)
        tied = [o for o, t in zip(choices, totals, strict=True) if t <= best + TIE_S]
        for o in tied:
            if o not in share:
                heapq.heappush(heap, (-remaining[o], o))
            share[o] = share.get(o, 0.0) + share[link] / len(tied)
    return share
