"""Routes on the street graph by travel time, as drivers choose them.

A route is a sequence of links. Its cost is the travel time of each link plus a
penalty for each turn (drivers avoid turns: left more than right; U-turns only where a
street ends), so on a grid of equal blocks drivers keep to routes with the fewest
turns, and among routes of equal cost each driver picks at random, turn by turn.

The search runs on the *link graph* (a node per link, an edge per allowed turn) with
SciPy's Dijkstra, backwards from a destination: ``time_to(destination, costs)`` gives
every link's remaining travel time to it, so a route, or a driver re-routing on the
way, follows the cheapest next turn in constant time per intersection.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from twin.district.street_graph import LEFT, RIGHT, U_TURN, StreetGraph

__all__ = ["TURN_PENALTY_S", "Router"]

#: Time a driver counts for each turn when choosing a route (s; assumption, in the range
#: routing engines use: turns take longer and feel riskier than going straight on).
TURN_PENALTY_S = {LEFT: 8.0, RIGHT: 4.0, U_TURN: 30.0}
#: Costs within this of the best (s) are equally good: the driver picks among them.
TIE_S = 1e-6


class Router:
    """Cheapest routes between nodes of ``graph``.

    Args:
        graph: the streets.
        turn_penalty_s: time counted for each kind of turn (default ``TURN_PENALTY_S``).
    """

    def __init__(self, graph: StreetGraph, turn_penalty_s: dict[str, float] | None = None) -> None:
        self.graph = graph
        penalty = TURN_PENALTY_S if turn_penalty_s is None else turn_penalty_s
        n = len(graph.links)
        self.freeflow_s = np.array(
            [graph.link_length_m(k) / graph.link_speed_mps(k) for k in range(n)]
        )
        #: per link, its allowed next links and the turn penalty of each
        self.next_links: list[list[int]] = []
        self.next_penalty: list[list[float]] = []
        rows, cols, pens = [], [], []
        for link, (_, head, _) in enumerate(graph.links):
            choices = [o for o in graph.outgoing[head] if graph.turn(link, o) != U_TURN]
            if not choices:  # a dead end: turning back is the only way on
                choices = list(graph.outgoing[head])
            self.next_links.append(choices)
            self.next_penalty.append([penalty.get(graph.turn(link, o), 0.0) for o in choices])
            for o, p in zip(choices, self.next_penalty[-1], strict=True):
                rows.append(link)
                cols.append(o)
                pens.append(p)
        self._rows = np.array(rows, dtype=np.int64)
        self._cols = np.array(cols, dtype=np.int64)
        self._penalty = np.array(pens, dtype=float)
        self._into = [
            np.array(graph.incoming[node], dtype=np.int64) for node in range(graph.n_nodes)
        ]
        self._cache: dict[int, np.ndarray] = {}
        #: per destination, per link: the next links tied for cheapest at free flow
        #: (filled as routes reach them; the same choices ``next_link`` finds)
        self._ties: dict[int, list[tuple[int, ...] | None]] = {}
        self._heads = [head for _, head, _ in graph.links]

    def time_to(self, destination: int, costs: np.ndarray | None = None) -> np.ndarray:
        """Per link, the cheapest time from its end to reach node ``destination``
        (``inf`` where it cannot), with link travel times ``costs`` (default: free flow,
        cached)."""
        if costs is None and destination in self._cache:
            return self._cache[destination]
        link_s = self.freeflow_s if costs is None else costs
        n = len(link_s)
        # reversed link graph: an edge o -> k costs the turn k -> o plus travelling o
        weights = self._penalty + link_s[self._cols] + 1e-9  # csgraph drops zero weights
        reverse = csr_matrix((weights, (self._cols, self._rows)), shape=(n, n))
        into = self._into[destination]
        remaining = np.full(n, np.inf)
        if len(into):
            remaining = dijkstra(reverse, directed=True, indices=into, min_only=True)
        if costs is None:
            self._cache[destination] = remaining
        return remaining

    def next_link(
        self,
        link: int,
        remaining: np.ndarray,
        costs: np.ndarray,
        rng: np.random.Generator | None = None,
    ) -> int:
        """The cheapest link to take from the end of ``link`` towards the destination of
        ``remaining`` (ties: at random with ``rng``, else the first)."""
        tied = self._tied(link, remaining, costs)
        if len(tied) == 1 or rng is None:
            return tied[0]
        return tied[int(rng.integers(len(tied)))]

    def _tied(self, link: int, remaining: np.ndarray, costs: np.ndarray) -> tuple[int, ...]:
        """The links from the end of ``link`` tied for cheapest towards ``remaining``'s
        destination."""
        choices, penalties = self.next_links[link], self.next_penalty[link]
        totals = [p + costs[o] + remaining[o] for o, p in zip(choices, penalties, strict=True)]
        best = min(totals)
        return tuple(o for o, t in zip(choices, totals, strict=True) if t <= best + TIE_S)

    def route(
        self,
        first: int,
        destination: int,
        rng: np.random.Generator | None = None,
        costs: np.ndarray | None = None,
        remaining: np.ndarray | None = None,
    ) -> list[int]:
        """Links from ``first`` (taken as given) to node ``destination``, the cheapest way
        with link times ``costs`` (default free flow); ``remaining``: ``time_to`` for these
        costs, if the caller has it.

        Raises:
            ValueError: ``destination`` cannot be reached from ``first``.
        """
        link_s = self.freeflow_s if costs is None else costs
        if remaining is None:
            remaining = self.time_to(destination, costs)
        if not np.isfinite(remaining[first]) and self.graph.links[first][1] != destination:
            raise ValueError(
                f"node {self.graph.label[destination]} cannot be reached from link {first}"
            )
        links = [first]
        if costs is not None or remaining is not self._cache.get(destination):
            while self.graph.links[links[-1]][1] != destination:
                links.append(self.next_link(links[-1], remaining, link_s, rng))
            return links
        # at free flow: each link's tied choices are found once per destination
        ties = self._ties.get(destination)
        if ties is None:
            ties = self._ties[destination] = [None] * len(link_s)
        heads, link = self._heads, first
        while heads[link] != destination:
            tied = ties[link]
            if tied is None:
                tied = ties[link] = self._tied(link, remaining, link_s)
            link = tied[0] if len(tied) == 1 or rng is None else tied[int(rng.integers(len(tied)))]
            links.append(link)
        return links

    def cost(self, links: Sequence[int], costs: np.ndarray | None = None) -> float:
        """What a driver counts for ``links`` after the first: their travel times
        (``costs``, default free flow) and the turns between them."""
        link_s = self.freeflow_s if costs is None else costs
        total = 0.0
        for k, nxt in pairwise(links):
            total += self.next_penalty[k][self.next_links[k].index(nxt)] + link_s[nxt]
        return total

    def between(
        self, origin: int, destination: int, rng: np.random.Generator | None = None
    ) -> list[int]:
        """Links from node ``origin`` to node ``destination``, the cheapest way."""
        best, best_s = None, np.inf
        for first in self.graph.outgoing[origin]:
            remaining = self.time_to(destination)
            if self.graph.links[first][1] == destination:
                total = self.freeflow_s[first]
            else:
                total = self.freeflow_s[first] + remaining[first]
            if total < best_s:
                best, best_s = first, total
        if best is None or not np.isfinite(best_s):
            raise ValueError(
                f"node {self.graph.label[destination]} cannot be reached from "
                f"{self.graph.label[origin]}"
            )
        return self.route(best, destination, rng)


def route_nodes(graph: StreetGraph, links: Sequence[int]) -> list[int]:
    """The nodes a route passes: the first link's tail, then each link's head."""
    return [graph.links[links[0]][0], *(graph.links[k][1] for k in links)]
