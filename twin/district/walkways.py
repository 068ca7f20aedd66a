"""The pedestrian network: street corners joined by sidewalks and crosswalks.

An intersection with k legs has k corners: corner j lies between leg j and leg j + 1
(counter-clockwise), so the crosswalk across leg j joins corners j - 1 and j. A street
between two intersections has a sidewalk segment on each side, joining the corners on
that side at its two ends. The walk between a home or destination and its corner
(mid-block) is off the modelled segments (segment -1).
"""

from __future__ import annotations

import heapq
import math
from array import array
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agents.crosswalk import Crosswalk
    from agents.pedestrian import Legs, Piece
    from twin.district.streets import StreetNetwork

#: Distance from an intersection's centre to its corners, for drawing (m).
CORNER_OFFSET_M = 12.0

#: An edge: (neighbour corner, metres, crosswalk or None, sidewalk segment or -1).
Edge = tuple[int, float, "Crosswalk | None", int]
#: (legs up to each crossing: (pieces, metres, crosswalk)), then the pieces after the last
#: and their metres.
Path = tuple[tuple[tuple[tuple["Piece", ...], float, "Crosswalk"], ...], tuple["Piece", ...], float]
_Search = tuple["array[float]", "array[int]", "array[int]", bytearray, list[tuple[float, int]]]


class Walkways:
    """Sidewalk segments and shortest walking routes between corners of the district.

    Args:
        network: the streets, whose intersections own the crosswalks.
    """

    def __init__(self, network: StreetNetwork) -> None:
        graph = network.graph
        n = graph.n_intersections
        #: first corner of each intersection (corners of node i: base[i] .. base[i + 1] - 1)
        self.corner_base = np.zeros(n + 1, dtype=np.int64)
        self.corner_base[1:] = np.cumsum([max(len(graph.legs[i]), 1) for i in range(n)])
        self.n_corners = int(self.corner_base[-1])
        #: intersection of each corner
        self.corner_node = np.repeat(np.arange(n), np.diff(self.corner_base))
        self.corner_xy = np.zeros((self.n_corners, 2))
        self._edges: list[list[Edge]] = [[] for _ in range(self.n_corners)]
        #: endpoints (m) of each sidewalk segment
        self.segments_xy: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.segment_lengths_m: list[float] = []
        #: intersection at the first end of each segment
        self.segment_node: list[int] = []
        for node in range(n):
            legs = graph.legs[node]
            k = max(len(legs), 1)
            for j in range(k):
                self.corner_xy[self.corner(node, j)] = _corner_xy(graph, node, j)
        for inter in network.intersections:
            k = len(graph.legs[inter.node])
            for crosswalk in inter.crosswalks:
                leg = crosswalk.leg
                self._join(
                    self.corner(inter.node, (leg - 1) % k),
                    self.corner(inter.node, leg),
                    crosswalk.width_m,
                    crosswalk,
                )
        for index, street in enumerate(graph.streets):
            a, b = street.a, street.b
            if not street.sidewalks or a >= n or b >= n:
                continue
            ja, jb = graph.leg_of(a, index), graph.leg_of(b, index)
            ka, kb = len(graph.legs[a]), len(graph.legs[b])
            # left of a -> b: corner ja at a, corner jb - 1 at b; right: the others
            self._sidewalk(a, self.corner(a, ja), self.corner(b, (jb - 1) % kb), street.length_m)
            self._sidewalk(a, self.corner(a, (ja - 1) % ka), self.corner(b, jb), street.length_m)
        #: resumable searches by origin: distance, predecessor, edge index, settled, heap
        self._trees: dict[int, _Search] = {}
        self._paths: dict[tuple[int, int], Path] = {}
        self._adjacent: list[tuple[tuple[int, float, int], ...]] | None = None

    def corner(self, node: int, j: int) -> int:
        """Corner ``j`` of intersection ``node``."""
        return int(self.corner_base[node]) + j

    @property
    def n_segments(self) -> int:
        """Number of sidewalk segments."""
        return len(self.segment_lengths_m)

    def _join(
        self, a: int, b: int, metres: float, crosswalk: Crosswalk | None, segment: int = -1
    ) -> None:
        self._edges[a].append((b, metres, crosswalk, segment))
        self._edges[b].append((a, metres, crosswalk, segment))

    def _sidewalk(self, node: int, a: int, b: int, metres: float) -> None:
        self._join(a, b, metres, None, len(self.segment_lengths_m))
        self.segment_lengths_m.append(metres)
        self.segment_node.append(node)
        self.segments_xy.append(
            (tuple(self.corner_xy[a].tolist()), tuple(self.corner_xy[b].tolist()))  # type: ignore[arg-type]
        )

    def segment_array(self) -> np.ndarray:
        """Segment endpoints as an array of shape (n, 2, 2) (m)."""
        return np.array(self.segments_xy, dtype=float).reshape(-1, 2, 2)

    def legs(self, origin: int, origin_m: float, destination: int, destination_m: float) -> Legs:
        """Walking route between two corners, with mid-block distances at both ends."""
        crossings, tail, tail_m = self._path(origin, destination)
        start: Piece = (-1, origin_m)
        end: Piece = (-1, destination_m)
        tail_m += destination_m
        if not crossings:
            return [((start, *tail, end), origin_m + tail_m, None)]
        legs: list[tuple[tuple[Piece, ...], float, Crosswalk | None]] = list(crossings)
        pieces, metres, crosswalk = legs[0]
        legs[0] = ((start, *pieces), origin_m + metres, crosswalk)
        legs.append(((*tail, end), tail_m, None))
        return legs

    def _path(self, origin: int, destination: int) -> Path:
        key = (origin, destination)
        path = self._paths.get(key)
        if path is None:
            path = self._paths[key] = self._walk_back(origin, destination)
        return path

    def _walk_back(self, origin: int, destination: int) -> Path:
        """The shortest path from ``origin`` to ``destination``, cut at its crosswalks."""
        predecessor, via = self._tree(origin, destination)
        if destination != origin and predecessor[destination] < 0:
            raise ValueError(f"corner {destination} cannot be walked to from {origin}")
        edges: list[Edge] = []
        corner = destination
        while corner != origin:
            before = predecessor[corner]
            edges.append(self._edges[before][via[corner]])
            corner = before
        crossings: list[tuple[tuple[Piece, ...], float, Crosswalk]] = []
        pieces: list[Piece] = []
        sidewalk_m = 0.0  # of the pieces since the last crossing, summed in walking order
        for _, metres, crosswalk, segment in reversed(edges):
            if crosswalk is None:
                pieces.append((segment, metres))
                sidewalk_m += metres
            else:
                crossings.append((tuple(pieces), sidewalk_m, crosswalk))
                pieces, sidewalk_m = [], 0.0
        return tuple(crossings), tuple(pieces), sidewalk_m

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


def _corner_xy(graph, node: int, j: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Where corner ``j`` of ``node`` is drawn: between leg j and leg j + 1."""
    legs = graph.legs[node]
    x, y = float(graph.x_m[node]), float(graph.y_m[node])
    if not legs:
        return x, y
    first = graph.bearing(node, graph.streets[legs[j]].other(node))
    if len(legs) == 1:
        middle = first + math.pi
    else:
        second = graph.bearing(node, graph.streets[legs[(j + 1) % len(legs)]].other(node))
        middle = first + ((second - first) % math.tau) / 2
    return x + CORNER_OFFSET_M * math.cos(middle), y + CORNER_OFFSET_M * math.sin(middle)
