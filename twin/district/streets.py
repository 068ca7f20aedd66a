"""The district's streets as agents: approaches, crosswalks and controllers on a street graph.

:class:`StreetNetwork` builds, from the scenario's street graph (a grid or an
OpenStreetMap extract), one approach per link that ends at an intersection, one
crosswalk per leg that has one, and, per intersection, a signal controller (its
phases from the geometry: opposing approaches move together, or each alone; its plan
from :mod:`twin.district.signal_plans`, its detectors' data from
:mod:`twin.district.signal_data`) or an all-way stop. Vehicles' routes are the
cheapest by travel time with turn penalties (:mod:`twin.district.routing`).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from agents.all_way_stop import FlashingRed
from agents.approach import Approach, Spillback
from agents.crosswalk import Crosswalk
from agents.intersection import Intersection
from agents.left_turns import PermissiveLeft
from agents.log import ColumnLog
from agents.signal import SignalController, SignalTiming
from agents.turn_yield import TurnYield
from agents.vehicle import Route
from metrics import awsc
from twin.district.city import intersection_key
from twin.district.routing import Router
from twin.district.signal_data import SignalData
from twin.district.signal_plans import signal_offsets, signal_timing
from twin.district.street_graph import LEFT, RIGHT, U_TURN, StreetGraph
from twin.streams import random_stream

if TYPE_CHECKING:
    import mesa
    import simpy

    from twin.scenario import Scenario

__all__ = ["AWSC_CONFLICT_GAP_S", "AWSC_STOP_S", "StreetNetwork"]

#: Time lost by every vehicle stopping at an all-way stop (s): the constant HCM Eq. 21-30
#: adds to all-way-stop control delay for deceleration and acceleration.
AWSC_STOP_S = 5.0
#: Least time between entries from conflicting approaches of an all-way stop (s): half the
#: HCM headway of two conflicting approaches taking turns (case 3, geometry group 1: 5.8 s),
#: the closest conflicting entries come in any saturated case of the HCM's table.
AWSC_CONFLICT_GAP_S = awsc.base_headway_s("1", 3) / 2


class StreetNetwork:
    """The district's intersections, as agents, and the routes vehicles take.

    Args:
        model: the Mesa model (intersections are its agents).
        env: the simulation clock.
        scenario: the scenario (signals, city).
        graph: the street graph.
        crossing_log, signal_log: shared tables of crossings and served phases.
        service_timing: changes the services ask of every controller's timing.
    """

    def __init__(
        self,
        model: mesa.Model,
        env: simpy.Environment,
        scenario: Scenario,
        graph: StreetGraph,
        crossing_log: ColumnLog,
        signal_log: ColumnLog,
        service_timing: Mapping[str, float] | None = None,
    ) -> None:
        self.graph = graph
        self.env = env
        self.seed = scenario.seed
        city, signals = scenario.city, scenario.signals
        #: each approach has a phase of its own (protected left turns)
        self.split_phases = signals.split_phases
        self.spillback = Spillback(scenario.warmup)
        self.router = Router(graph)
        #: vehicles one link holds per metre of lane (inf: no spillback)
        per_lane_m = 1.0 / city.jam_spacing_m if city.spillback else math.inf
        wave_mps = city.backward_wave_kmh / 3.6
        self.approach_of: dict[int, Approach] = {}
        timings: dict[int, SignalTiming] = {}
        for node in range(graph.n_intersections):
            groups = graph.phases(node, signals.split_phases)
            phase_of = {link: p for p, group in enumerate(groups) for link in group}
            for link in graph.incoming[node]:
                lanes = graph.link_lanes(link)
                storage = (
                    max(1, int(graph.link_length_m(link) * lanes * per_lane_m))
                    if (city.spillback)
                    else math.inf
                )
                self.approach_of[link] = Approach(
                    env,
                    node,
                    link,
                    phase_of.get(link, 0),
                    3600.0 / (signals.saturation_flow_vph * lanes),
                    storage,
                    self.spillback,
                    from_leg=graph.leg_of(node, graph.links[link][2]),
                    travel_s=graph.link_length_m(link) / graph.link_speed_mps(link),
                    wave_s=graph.link_length_m(link) / wave_mps if city.spillback else 0.0,
                    stop_loss_s=city.stop_loss_s(graph.link_speed_mps(link)),
                    bypass=lanes >= 2,
                )
            if graph.control[node] == "signal":
                widths = [graph.crossing_width_m(s) for s in graph.legs[node]]
                clearance = max(widths) / signals.clearance_speed_mps
                local = signals.at(*intersection_key(scenario, graph, node))
                timings[node] = signal_timing(
                    scenario, max(len(groups), 1), clearance, local, service_timing
                )
        if signals.left_turns == "permissive":
            self._yield_left_turns(timings)
        self._slow_turns(timings, signals.right_turn_equivalent, signals.left_turn_equivalent)
        offsets = signal_offsets(scenario, graph, timings)
        #: what detectors and traffic management deliver to the controllers
        self.signal_data = SignalData(
            env,
            self.approach_of,
            graph,
            signals.control == "adaptive" and scenario.policy.integration != "siloed",
            signals.split_phases,
        )
        self.intersections = [
            self._intersection(model, node, timings.get(node), offsets.get(node, 0.0),
                               crossing_log, signal_log)
            for node in range(graph.n_intersections)
        ]  # fmt: skip
        if signals.turns_yield_to_pedestrians:
            self._yield_to_pedestrians(timings)
        #: the boundary nodes, where vehicles enter and leave
        self.boundary = graph.boundary_nodes
        self._routes: dict[tuple[int, ...], Route] = {}

    def _yield_left_turns(self, signalised: Mapping[int, SignalTiming]) -> None:
        """At each signal, left-turners yield to the approach facing theirs (same phase),
        the turns read off the legs of the street graph."""
        graph = self.graph
        for node in signalised:
            for link in graph.incoming[node]:
                facing = graph.opposing(link)
                if facing is None:
                    continue
                legs = frozenset(
                    graph.leg_of(node, graph.links[out][2])
                    for out in graph.outgoing[node]
                    if graph.turn(link, out) == LEFT
                )
                if legs:
                    approach = self.approach_of[link]
                    approach.left = PermissiveLeft(approach, self.approach_of[facing], legs)

    def _slow_turns(
        self, signalised: Mapping[int, SignalTiming], right: float, left: float
    ) -> None:
        """At each signal, a turner holds the vehicles behind it for ``right`` or ``left``
        saturation headways (HCM's turn equivalents), unless it yields by a gap."""
        graph = self.graph
        for node in signalised:
            for link in graph.incoming[node]:
                approach = self.approach_of[link]
                gap = approach.left.legs if approach.left is not None else frozenset()
                for out in graph.outgoing[node]:
                    leg = graph.leg_of(node, graph.links[out][2])
                    turn = graph.turn(link, out)
                    factor = right if turn == RIGHT else left if turn in (LEFT, U_TURN) else 1.0
                    if factor > 1.0 and leg not in gap:
                        approach.turn_extra[leg] = (factor - 1.0) * approach.headway_s

    def _yield_to_pedestrians(self, signalised: Mapping[int, SignalTiming]) -> None:
        """At each signal, right- and left-turners yield to pedestrians on the crosswalk
        across the leg they leave by."""
        graph = self.graph
        for node in signalised:
            crosswalks = {c.leg: c for c in self.intersections[node].crosswalks}
            for link in graph.incoming[node]:
                crossed = {}
                for out in graph.outgoing[node]:
                    leg = graph.leg_of(node, graph.links[out][2])
                    if graph.turn(link, out) in (LEFT, RIGHT) and leg in crosswalks:
                        crossed[leg] = crosswalks[leg]
                if crossed:
                    approach = self.approach_of[link]
                    approach.yields = TurnYield(approach, crossed)

    @property
    def link_storage(self) -> float:
        """Vehicles the longest link holds (inf without spillback), for the record."""
        return max((a.storage for a in self.approach_of.values()), default=math.inf)

    def _intersection(
        self,
        model: mesa.Model,
        node: int,
        timing: SignalTiming | None,
        offset_s: float,
        crossing_log: ColumnLog,
        signal_log: ColumnLog,
    ) -> Intersection:
        graph, env = self.graph, self.env
        approaches = [self.approach_of[link] for link in graph.incoming[node]]
        crosswalks = [
            Crosswalk(
                env,
                node,
                leg,
                graph.crosswalk_phase(node, street, self.split_phases),
                graph.crossing_width_m(street),
                crossing_log,
            )
            for leg, street in enumerate(graph.legs[node])
            if graph.has_crosswalk(node, street)
        ]
        if timing is None:  # an all-way stop, always
            stop = self.all_way_stop(node)
            stop.start()
            for crosswalk in crosswalks:  # vehicles stop for pedestrians: WALK, always
                crosswalk.start_walk(math.inf)
            return Intersection(model, node, approaches, crosswalks, stop_control=stop)
        phases = len(timing.green_s)
        entering: list[list[Crosswalk]] = [[] for _ in range(phases)]
        for crosswalk in crosswalks:
            street = graph.legs[node][crosswalk.leg]
            for approach in approaches:
                if graph.links[approach.link][2] == street:
                    entering[approach.phase].append(crosswalk)
        controller = SignalController(
            env,
            node,
            timing,
            approaches=[[a for a in approaches if a.phase == p] for p in range(phases)],
            crosswalks=[[c for c in crosswalks if c.phase == p] for p in range(phases)],
            log=signal_log,
            offset_s=offset_s,
            conflicting=entering,
            data=self.signal_data,
        )
        return Intersection(model, node, approaches, crosswalks, controller)

    def all_way_stop(self, node: int) -> FlashingRed:
        """A new all-way-stop discharge of intersection ``node`` (not started): HCM Ch. 21
        geometry groups from the lanes of each approach, its opposing approach and the
        others (all conflicting), and each vehicle's turning adjustment."""
        graph = self.graph
        links = graph.incoming[node]
        approaches = [self.approach_of[link] for link in links]
        index = {link: i for i, link in enumerate(links)}
        opposing = [index.get(graph.opposing(link)) for link in links]  # type: ignore[arg-type]
        lanes = [graph.link_lanes(link) for link in links]
        four_leg = len(graph.legs[node]) >= 4
        groups = []
        for i in range(len(links)):
            facing = opposing[i]
            others = [lanes[j] for j in range(len(links)) if j not in (i, facing)]
            groups.append(
                awsc.geometry_group(
                    min(lanes[i], 3),
                    min(lanes[facing], 3) if facing is not None else 0,
                    min(max(others, default=1), 3),
                    four_leg,
                )
            )
        exits = [k for k in graph.outgoing[node] if graph.links[k][1] >= graph.n_intersections]

        def turn_s(i: int, out: int) -> float:
            movement = graph.turn(links[i], out)
            left = 1.0 if movement in (LEFT, U_TURN) else 0.0
            right = 1.0 if movement == RIGHT else 0.0
            return awsc.headway_adjustment_s(groups[i], left, right)

        def adjustment(i: int, onward: object) -> float:
            if isinstance(onward, Approach):
                return turn_s(i, onward.link)
            # leaving the district here: by one of the streets out to the boundary
            outs = [k for k in exits if graph.links[k][2] != graph.links[links[i]][2]] or exits
            return sum(turn_s(i, k) for k in outs) / len(outs) if outs else 0.0

        return FlashingRed(
            self.env,
            approaches,
            awsc,
            groups,
            lanes,
            opposing,
            adjustment,
            AWSC_STOP_S,
            AWSC_CONFLICT_GAP_S,
            random_stream(self.seed, f"all_way_stop.{node}"),
        )

    def close_lanes(self, a: int, b: int, start_s: float, end_s: float, share: float) -> None:
        """From ``start_s`` to ``end_s`` the street between nodes ``a`` and ``b`` keeps
        ``share`` of its capacity in each direction (its stop lines discharge slower)."""
        links = [
            link
            for link in (self.graph.link_of.get((a, b)), self.graph.link_of.get((b, a)))
            if link is not None and link in self.approach_of
        ]
        self.env.process(self._closure([self.approach_of[k] for k in links], start_s, end_s, share))

    def _closure(
        self, approaches: list[Approach], start_s: float, end_s: float, share: float
    ) -> Generator[simpy.Event, object, None]:
        env = self.env
        yield env.timeout(max(start_s - env.now, 0.0))
        for approach in approaches:
            approach.headway_s /= share
        yield env.timeout(max(end_s - env.now, 0.0))
        for approach in approaches:
            approach.headway_s *= share

    # -- routes -----------------------------------------------------------------
    def route_of_links(self, links: Sequence[int]) -> Route:
        """The stop lines met along ``links`` (each link that ends at an intersection),
        with the legs the vehicle leaves each by; a route ending at a boundary node
        drives its last link out of the district."""
        key = tuple(links)
        route = self._routes.get(key)
        if route is None:
            graph = self.graph
            stops = tuple(self.approach_of[k] for k in links if k in self.approach_of)
            out_legs = tuple(
                graph.leg_of(graph.links[k][1], graph.links[nxt][2])
                for k, nxt in pairwise(links)
                if k in self.approach_of
            )
            last = links[-1]
            exit_s = 0.0 if last in self.approach_of else self.router.freeflow_s[last]
            if len(out_legs) < len(stops):  # the route ends at a stop line
                out_legs = (*out_legs, -1)
            route = Route(stops, out_legs, exit_s, key)
            self._routes[key] = route
        return route

    def route(self, entry: int, exit_: int, rng: np.random.Generator | None = None) -> Route:
        """From boundary point ``entry`` into the district and out at ``exit_`` (indices into
        :attr:`boundary`), the cheapest way (ties: at random with ``rng``)."""
        origin, destination = self.boundary[entry], self.boundary[exit_]
        return self.route_of_links(self.router.between(origin, destination, rng))

    def drive(self, origin: int, target: int, rng: np.random.Generator | None = None) -> Route:
        """From intersection ``origin`` (past its stop line) to ``target``'s stop line; from
        an intersection to itself, no stop line and a short drive around it (the mean
        link's travel time)."""
        if origin == target:
            return Route((), (), float(np.mean(self.router.freeflow_s)), ())
        return self.route_of_links(self.router.between(origin, target, rng))

    def node_xy(self, node: int) -> tuple[float, float]:
        """Position of ``node`` (m)."""
        return float(self.graph.x_m[node]), float(self.graph.y_m[node])
