"""The district as a street graph: intersections with any number of legs, one- and two-way
streets with lanes each way, sidewalks and crosswalks.

Plain data, built by a generator (:mod:`twin.district.grid` for rows x cols of equal
blocks; :mod:`twin.district.osm` from OpenStreetMap) and read by the district builder
(:mod:`twin.district.streets`), the walkways, the services, the map and the exports.

Nodes are numbered intersections first (``0 .. n_intersections - 1``), then boundary
nodes: the far ends of the streets that leave the district, where vehicles enter and
leave it. Positions are metres on a local plane (x east, y north) and degrees of
latitude and longitude. A *leg* of an intersection is a street meeting it; legs are
ordered counter-clockwise by bearing. A *link* is one direction of a street.

Movements are read off the geometry, never off compass headings: a vehicle coming in
on link ``i`` and leaving on link ``o`` turns by the change of bearing (right-hand
traffic: a left turn crosses the opposing approach's path).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

__all__ = [
    "BOUNDARY",
    "CONTROLS",
    "LEFT",
    "RIGHT",
    "THROUGH",
    "U_TURN",
    "Street",
    "StreetGraph",
    "local_to_latlon",
]

#: How an intersection is controlled; boundary nodes are ``BOUNDARY``.
CONTROLS = ("signal", "stop", "priority")
BOUNDARY = "boundary"
THROUGH, LEFT, RIGHT, U_TURN = "through", "left", "right", "u_turn"
#: A change of bearing up to this is going straight on (degrees).
THROUGH_DEG = 40.0
#: A change of bearing beyond this is turning back (degrees).
U_TURN_DEG = 150.0
#: Two approaches within this of facing each other are opposing (one phase; degrees).
OPPOSING_DEG = 45.0
EARTH_M_PER_DEG = 111_320.0


def local_to_latlon(
    x_m: np.ndarray, y_m: np.ndarray, origin: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of local plane points around ``origin`` (lat, lon), by the
    equirectangular projection (exact enough within a district)."""
    lat0, lon0 = origin
    lat = lat0 + np.asarray(y_m, float) / EARTH_M_PER_DEG
    lon = lon0 + np.asarray(x_m, float) / (EARTH_M_PER_DEG * math.cos(math.radians(lat0)))
    return lat, lon


@dataclass(frozen=True)
class Street:
    """A street between two nodes.

    Attributes:
        a, b: its end nodes.
        length_m: its length along the road.
        lanes_ab, lanes_ba: traffic lanes from ``a`` to ``b`` and back (0: one-way).
        speed_mps: speed limit, the free-flow speed.
        sidewalks: it has a modelled sidewalk on each side.
        name: its name, if known.
    """

    a: int
    b: int
    length_m: float
    lanes_ab: int
    lanes_ba: int
    speed_mps: float
    sidewalks: bool = True
    name: str = ""

    def lanes_from(self, node: int) -> int:
        """Lanes leaving ``node`` along the street."""
        return self.lanes_ab if node == self.a else self.lanes_ba

    def other(self, node: int) -> int:
        """The street's other end."""
        return self.b if node == self.a else self.a


@dataclass
class StreetGraph:
    """A district's streets.

    Attributes:
        x_m, y_m: node positions on the local plane (m; x east, y north).
        lat, lon: node positions (degrees).
        control: per node, one of ``CONTROLS`` or ``BOUNDARY``; intersections first.
        label: per node, how a person names it (``(2, 3)`` on a grid, an OSM id).
        streets: the streets.
        lane_width_m: width of one lane.
        parking_width_m: width of the parking lane along each curb of a street with
            sidewalks (a crosswalk is its lanes and its parking lanes long).
        crosswalks: (node, street) pairs with a crosswalk; None: every leg of every
            intersection has one.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    control: list[str]
    label: list[str]
    streets: list[Street]
    lane_width_m: float = 3.5
    crosswalks: frozenset[tuple[int, int]] | None = None
    parking_width_m: float = 0.0
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.control)
        boundary = [c == BOUNDARY for c in self.control]
        if any(boundary[: self.n_intersections]) or not all(boundary[self.n_intersections :]):
            raise ValueError("intersections must come before boundary nodes")
        if not (len(self.x_m) == len(self.y_m) == len(self.label) == n):
            raise ValueError("every node needs a position and a label")
        for s in self.streets:
            if not (0 <= s.a < n and 0 <= s.b < n) or s.a == s.b:
                raise ValueError(f"street {s} does not join two nodes of the graph")
            if s.lanes_ab < 0 or s.lanes_ba < 0 or s.lanes_ab + s.lanes_ba == 0:
                raise ValueError(f"street {s} carries no traffic")

    # -- nodes ------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.control)

    @cached_property
    def n_intersections(self) -> int:
        """Intersections (the first nodes); the rest are boundary nodes."""
        return sum(c != BOUNDARY for c in self.control)

    @property
    def boundary_nodes(self) -> list[int]:
        return list(range(self.n_intersections, self.n_nodes))

    def signalised(self) -> list[int]:
        """Intersections with signals."""
        return [i for i in range(self.n_intersections) if self.control[i] == "signal"]

    # -- legs -------------------------------------------------------------------
    def bearing(self, node: int, other: int) -> float:
        """Direction from ``node`` to ``other`` (radians, counter-clockwise from east)."""
        return math.atan2(self.y_m[other] - self.y_m[node], self.x_m[other] - self.x_m[node])

    @cached_property
    def legs(self) -> list[list[int]]:
        """Per node, the streets meeting it, counter-clockwise by bearing from east."""
        around: list[list[int]] = [[] for _ in range(self.n_nodes)]
        for index, street in enumerate(self.streets):
            around[street.a].append(index)
            around[street.b].append(index)
        return [sorted(streets, key=self._bearing_key(node)) for node, streets in enumerate(around)]

    def _bearing_key(self, node: int) -> Callable[[int], float]:
        """Sort key of ``node``'s streets: bearing from east, counter-clockwise."""
        return lambda street: self.bearing(node, self.streets[street].other(node)) % math.tau

    def leg_of(self, node: int, street: int) -> int:
        """Index of ``street`` among ``node``'s legs."""
        return self.legs[node].index(street)

    def has_crosswalk(self, node: int, street: int) -> bool:
        """Whether pedestrians cross ``street`` at ``node`` on a crosswalk."""
        if node >= self.n_intersections:
            return False
        return self.crosswalks is None or (node, street) in self.crosswalks

    def crossing_width_m(self, street: int) -> float:
        """Curb-to-curb length of a crosswalk across ``street``: all its lanes, and its
        parking lanes."""
        s = self.streets[street]
        return (s.lanes_ab + s.lanes_ba) * self.lane_width_m + 2 * self.parking_width_m

    # -- links ------------------------------------------------------------------
    @cached_property
    def links(self) -> list[tuple[int, int, int]]:
        """Directed links as (tail, head, street), street order, a->b before b->a."""
        out = []
        for index, s in enumerate(self.streets):
            if s.lanes_ab:
                out.append((s.a, s.b, index))
            if s.lanes_ba:
                out.append((s.b, s.a, index))
        return out

    @cached_property
    def link_of(self) -> dict[tuple[int, int], int]:
        """Link index by (tail, head)."""
        return {(tail, head): i for i, (tail, head, _) in enumerate(self.links)}

    def link_lanes(self, link: int) -> int:
        tail, _, street = self.links[link]
        return self.streets[street].lanes_from(tail)

    def link_length_m(self, link: int) -> float:
        return self.streets[self.links[link][2]].length_m

    def link_speed_mps(self, link: int) -> float:
        return self.streets[self.links[link][2]].speed_mps

    @cached_property
    def incoming(self) -> list[list[int]]:
        """Per node, the links ending there, in leg order."""
        return self._by_leg(head=True)

    @cached_property
    def outgoing(self) -> list[list[int]]:
        """Per node, the links starting there, in leg order."""
        return self._by_leg(head=False)

    def _by_leg(self, head: bool) -> list[list[int]]:
        found: list[list[int]] = [[] for _ in range(self.n_nodes)]
        for link, (tail, to, _) in enumerate(self.links):
            node = to if head else tail
            found[node].append(link)
        return [
            sorted(links, key=lambda k: self.leg_of(node, self.links[k][2]))
            for node, links in enumerate(found)
        ]

    def travel_bearing(self, link: int) -> float:
        """Direction of travel along ``link`` (radians)."""
        tail, head, _ = self.links[link]
        return self.bearing(tail, head)

    def turn(self, into: int, out: int) -> str:
        """The movement from link ``into`` to link ``out`` at their shared node."""
        change = _wrap(self.travel_bearing(out) - self.travel_bearing(into))
        degrees = math.degrees(abs(change))
        if degrees <= THROUGH_DEG:
            return THROUGH
        if degrees >= U_TURN_DEG:
            return U_TURN
        return LEFT if change > 0 else RIGHT

    def opposing(self, link: int) -> int | None:
        """The incoming link at the same node that faces ``link`` head on, if any."""
        node = self.links[link][1]
        facing = self.travel_bearing(link) + math.pi
        best, best_deg = None, OPPOSING_DEG
        for other in self.incoming[node]:
            if other == link:
                continue
            deg = math.degrees(abs(_wrap(self.travel_bearing(other) - facing)))
            if deg <= best_deg:
                best, best_deg = other, deg
        return best

    # -- signal phases ----------------------------------------------------------
    def phases(self, node: int, split: bool = False) -> list[list[int]]:
        """The signal phases of intersection ``node``: its incoming links grouped so that
        opposing approaches move together (``split``: each approach alone, so its left
        turns are protected), the most north-south group first."""
        key = f"phases:{node}:{split}"
        if key not in self._cache:
            groups: list[list[int]] = []
            placed: set[int] = set()
            for link in self.incoming[node]:
                if link in placed:
                    continue
                mate = None if split else self.opposing(link)
                group = [link] + ([mate] if mate is not None and mate not in placed else [])
                if mate is not None and self.opposing(mate) != link:
                    group = [link]
                placed.update(group)
                groups.append(group)
            groups.sort(key=lambda g: -abs(math.sin(self.travel_bearing(g[0]))))
            self._cache[key] = groups
        return self._cache[key]  # type: ignore[return-value]

    def crosswalk_phase(self, node: int, street: int, split: bool = False) -> int:
        """The phase whose WALK serves the crosswalk across ``street`` at ``node``: the
        first whose vehicles neither come in from that leg nor drive straight out across
        it (the approach facing that leg's); only turners cross it, and they yield."""
        entering = {k for k in self.incoming[node] if self.links[k][2] == street}
        facing = {self.opposing(k) for k in entering} - {None}
        for index, group in enumerate(self.phases(node, split)):
            if not (entering | facing) & set(group):
                return index
        for index, group in enumerate(self.phases(node, split)):
            if not entering & set(group):
                return index  # every phase drives across it: at least none comes from it
        return 0  # every phase lets traffic in from it (a single-phase node)

    # -- whole-graph measures -----------------------------------------------------
    def extent_m(self) -> tuple[float, float, float, float]:
        """(x min, y min, x max, y max) of the intersections."""
        n = self.n_intersections
        return (
            float(self.x_m[:n].min()),
            float(self.y_m[:n].min()),
            float(self.x_m[:n].max()),
            float(self.y_m[:n].max()),
        )


def _wrap(angle: float) -> float:
    """``angle`` in (-pi, pi]."""
    return (angle + math.pi) % math.tau - math.pi
