"""The pedestrian network: street corners joined by sidewalks and crosswalks.

Corner ``4 * node + k`` is the north-east (k=0), south-east (1), south-west (2)
or north-west (3) corner of an intersection. The crosswalk across leg ``L``
joins corners ``(L - 1) % 4`` and ``L``; sidewalks run along both sides of
every block.
"""

from __future__ import annotations

import heapq
from array import array
from typing import TYPE_CHECKING

from agents.compass import HEADINGS

if TYPE_CHECKING:
    from agents.crosswalk import Crosswalk
    from agents.pedestrian import Legs
    from twin.city import StreetGrid

NE, SE, SW, NW = range(4)

#: An edge: (neighbour corner, metres, crosswalk or None for a sidewalk).
Edge = tuple[int, float, "Crosswalk | None"]


class Walkways:
    """Shortest walking routes between corners of the grid.

    Args:
        grid: the street grid, whose intersections own the crosswalks.
    """

    def __init__(self, grid: StreetGrid) -> None:
        self.cols = grid.cols
        self.n_corners = 4 * len(grid.intersections)
        self._edges: list[list[Edge]] = [[] for _ in range(self.n_corners)]
        block = grid.block_length_m
        for inter in grid.intersections:
            base = 4 * inter.node
            for leg in HEADINGS:
                crosswalk = inter.crosswalks[leg]
                self._join(base + (leg - 1) % 4, base + leg, crosswalk.width_m, crosswalk)
            if inter.col + 1 < grid.cols:
                east = 4 * (inter.node + 1)
                self._join(base + NE, east + NW, block, None)
                self._join(base + SE, east + SW, block, None)
            if inter.row + 1 < grid.rows:
                south = 4 * (inter.node + grid.cols)
                self._join(base + SW, south + NW, block, None)
                self._join(base + SE, south + NE, block, None)
        self._trees: dict[int, array[int]] = {}
        self._paths: dict[tuple[int, int], tuple[tuple[tuple[float, Crosswalk], ...], float]] = {}

    def _join(self, a: int, b: int, metres: float, crosswalk: Crosswalk | None) -> None:
        self._edges[a].append((b, metres, crosswalk))
        self._edges[b].append((a, metres, crosswalk))

    def node_of(self, corner: int) -> int:
        """Intersection index of a corner."""
        return corner // 4

    def legs(self, origin: int, origin_m: float, destination: int, destination_m: float) -> Legs:
        """Walking route between two corners, with mid-block distances at both ends."""
        crossings, tail_m = self._path(origin, destination)
        if not crossings:
            return [(origin_m + tail_m + destination_m, None)]
        legs: list[tuple[float, Crosswalk | None]] = list(crossings)
        legs[0] = (origin_m + legs[0][0], legs[0][1])
        legs.append((tail_m + destination_m, None))
        return legs

    def _path(
        self, origin: int, destination: int
    ) -> tuple[tuple[tuple[float, Crosswalk], ...], float]:
        key = (origin, destination)
        if key not in self._paths:
            predecessor = self._tree(origin)
            edges: list[Edge] = []
            corner = destination
            while corner != origin:
                edges.append(self._edge(predecessor[corner], corner))
                corner = predecessor[corner]
            crossings: list[tuple[float, Crosswalk]] = []
            sidewalk_m = 0.0
            for _, metres, crosswalk in reversed(edges):
                if crosswalk is None:
                    sidewalk_m += metres
                else:
                    crossings.append((sidewalk_m, crosswalk))
                    sidewalk_m = 0.0
            self._paths[key] = (tuple(crossings), sidewalk_m)
        return self._paths[key]

    def _edge(self, a: int, b: int) -> Edge:
        return next(edge for edge in self._edges[a] if edge[0] == b)

    def _tree(self, origin: int) -> array[int]:
        """Dijkstra's shortest-path tree from ``origin`` (predecessor of each corner)."""
        if origin not in self._trees:
            distance = [float("inf")] * self.n_corners
            predecessor = [-1] * self.n_corners
            distance[origin] = 0.0
            heap = [(0.0, origin)]
            while heap:
                d, corner = heapq.heappop(heap)
                if d > distance[corner]:
                    continue
                for neighbour, metres, _ in self._edges[corner]:
                    candidate = d + metres
                    if candidate < distance[neighbour]:
                        distance[neighbour] = candidate
                        predecessor[neighbour] = corner
                        heapq.heappush(heap, (candidate, neighbour))
            self._trees[origin] = array("i", predecessor)
        return self._trees[origin]
