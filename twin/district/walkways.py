"""The pedestrian network: street corners joined by sidewalks and crosswalks.

Corner ``4 * node + k`` is the north-east (k=0), south-east (1), south-west (2)
or north-west (3) corner of an intersection. The crosswalk across leg ``L``
joins corners ``(L - 1) % 4`` and ``L``; a sidewalk segment runs along each
side of every block. The walk between a home or destination and its corner
(mid-block) is off the modelled segments (segment -1).
"""

from __future__ import annotations

import heapq
from array import array
from typing import TYPE_CHECKING

import numpy as np

from agents.compass import HEADINGS

if TYPE_CHECKING:
    from agents.crosswalk import Crosswalk
    from agents.pedestrian import Legs, Piece
    from twin.district.streets import StreetGrid

NE, SE, SW, NW = range(4)
#: Where each corner sits relative to its intersection (x = east, y = south), in blocks.
CORNER_OFFSET = ((0.12, -0.12), (0.12, 0.12), (-0.12, 0.12), (-0.12, -0.12))

#: An edge: (neighbour corner, metres, crosswalk or None, sidewalk segment or -1).
Edge = tuple[int, float, "Crosswalk | None", int]
#: (legs up to each crossing: (pieces, metres, crosswalk)), then the pieces after the last.
Path = tuple[tuple[tuple[tuple["Piece", ...], float, "Crosswalk"], ...], tuple["Piece", ...]]
_Search = tuple["array[float]", "array[int]", "array[int]", bytearray, list[tuple[float, int]]]


class Walkways:
    """Sidewalk segments and shortest walking routes between corners of the grid.

    Args:
        grid: the street grid, whose intersections own the crosswalks.
    """

    def __init__(self, grid: StreetGrid) -> None:
        self.cols = grid.cols
        self.n_corners = 4 * len(grid.intersections)
        self._edges: list[list[Edge]] = [[] for _ in range(self.n_corners)]
        #: endpoints (x = column, y = row) of each sidewalk segment, shape (n, 2, 2)
        self.segments_xy: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.segment_lengths_m: list[float] = []
        block = grid.block_length_m
        for inter in grid.intersections:
            base = 4 * inter.node
            for leg in HEADINGS:
                crosswalk = inter.crosswalks[leg]
                self._join(base + (leg - 1) % 4, base + leg, crosswalk.width_m, crosswalk)
            if inter.col + 1 < grid.cols:
                east = 4 * (inter.node + 1)
                self._sidewalk(base + NE, east + NW, block)
                self._sidewalk(base + SE, east + SW, block)
            if inter.row + 1 < grid.rows:
                south = 4 * (inter.node + grid.cols)
                self._sidewalk(base + SW, south + NW, block)
                self._sidewalk(base + SE, south + NE, block)
        #: resumable searches by origin: distance, predecessor, edge index, settled, heap
        self._trees: dict[int, _Search] = {}
        self._paths: dict[tuple[int, int], Path] = {}
        self._adjacent: list[tuple[tuple[int, float, int], ...]] | None = None

    @property
    def n_segments(self) -> int:
        """Number of sidewalk segments."""
        return len(self.segment_lengths_m)

    def _join(
        self, a: int, b: int, metres: float, crosswalk: Crosswalk | None, segment: int = -1
    ) -> None:
        self._edges[a].append((b, metres, crosswalk, segment))
        self._edges[b].append((a, metres, crosswalk, segment))

    def _sidewalk(self, a: int, b: int, metres: float) -> None:
        self._join(a, b, metres, None, len(self.segment_lengths_m))
        self.segment_lengths_m.append(metres)
        self.segments_xy.append((self._corner_xy(a), self._corner_xy(b)))

    def _corner_xy(self, corner: int) -> tuple[float, float]:
        row, col = divmod(corner // 4, self.cols)
        dx, dy = CORNER_OFFSET[corner % 4]
        return (col + dx, row + dy)

    def segment_array(self) -> np.ndarray:
        """Segment endpoints as an array of shape (n, 2, 2)."""
        return np.array(self.segments_xy, dtype=float).reshape(-1, 2, 2)

    def legs(self, origin: int, origin_m: float, destination: int, destination_m: float) -> Legs:
        """Walking route between two corners, with mid-block distances at both ends."""
        crossings, tail = self._path(origin, destination)
        start: Piece = (-1, origin_m)
        end: Piece = (-1, destination_m)
        tail_m = sum(metres for _, metres in tail) + destination_m
        if not crossings:
            return [((start, *tail, end), origin_m + tail_m, None)]
        legs: list[tuple[tuple[Piece, ...], float, Crosswalk | None]] = list(crossings)
        pieces, metres, crosswalk = legs[0]
        legs[0] = ((start, *pieces), origin_m + metres, crosswalk)
        legs.append(((*tail, end), tail_m, None))
        return legs

    def _path(self, origin: int, destination: int) -> Path:
        key = (origin, destination)
        if key not in self._paths:
            predecessor, via = self._tree(origin, destination)
            edges: list[Edge] = []
            corner = destination
            while corner != origin:
                before = predecessor[corner]
                edges.append(self._edges[before][via[corner]])
                corner = before
            crossings: list[tuple[tuple[Piece, ...], float, Crosswalk]] = []
            pieces: list[Piece] = []
            for _, metres, crosswalk, segment in reversed(edges):
                if crosswalk is None:
                    pieces.append((segment, metres))
                else:
                    sidewalk_m = sum(length for _, length in pieces)
                    crossings.append((tuple(pieces), sidewalk_m, crosswalk))
                    pieces = []
            self._paths[key] = (tuple(crossings), tuple(pieces))
        return self._paths[key]

    def _tree(self, origin: int, destination: int) -> tuple[array[int], array[int]]:
        """Dijkstra's shortest-path tree from ``origin``, grown until ``destination`` is
        settled: each settled corner's predecessor and the index of the edge from it (in
        the predecessor's edge list).

        The search is resumable: a later destination from the same origin continues it
        from where it stopped, popping in the same order as one full search, so routes
        are identical while walks of a few blocks explore only their neighbourhood.
        """
        search = self._trees.get(origin)
        if search is None:
            n = self.n_corners
            distance = array("d", [float("inf")]) * n
            distance[origin] = 0.0
            search = (
                distance,
                array("i", [-1]) * n,
                array("b", [-1]) * n,
                bytearray(n),
                [(0.0, origin)],
            )
            self._trees[origin] = search
        distance, predecessor, via, settled, heap = search
        adjacent = self._adjacent
        if adjacent is None:  # (neighbour, metres, edge index): no unpacking in the loop
            adjacent = self._adjacent = [
                tuple((edge[0], edge[1], index) for index, edge in enumerate(edges))
                for edges in self._edges
            ]
        heappop, heappush = heapq.heappop, heapq.heappush
        while not settled[destination] and heap:
            d, corner = heappop(heap)
            if settled[corner] or d > distance[corner]:
                continue
            settled[corner] = 1
            for neighbour, metres, index in adjacent[corner]:
                candidate = d + metres
                if candidate < distance[neighbour]:
                    distance[neighbour] = candidate
                    predecessor[neighbour] = corner
                    via[neighbour] = index
                    heappush(heap, (candidate, neighbour))
        return predecessor, via
