"""Build the street grid: intersections, entry and exit points, vehicle routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.approach import Spillback
from agents.compass import EAST, NORTH, SOUTH, STEP, WEST, opposite
from agents.intersection import Intersection
from agents.log import ColumnLog
from agents.signal import SignalTiming
from twin.streams import random_stream

if TYPE_CHECKING:
    from collections.abc import Mapping

    import mesa
    import simpy

    from agents.approach import Approach
    from agents.vehicle import Route
    from twin.scenario import Scenario
    from twin.scenario.schema import Signals


def signal_timing(
    scenario: Scenario,
    signals: Signals | None = None,
    services: Mapping[str, float] | None = None,
) -> SignalTiming:
    """A controller's timing, from the scenario's ``signals`` section (or a local plan).

    ``services``: changes the services ask for (``Service.signal_timing``), e.g.
    ``assist_speed_mps``; the model gathers them from the service registry.
    """
    signals = scenario.signals if signals is None else signals
    return SignalTiming(
        control=signals.control,
        green_s=(signals.green_s("ns"), signals.green_s("ew")),
        yellow_s=signals.yellow_s,
        all_red_s=signals.all_red_s,
        walk_s=signals.walk_s,
        clearance_s=scenario.clearance_s,
        startup_lost_s=signals.startup_lost_s,
        min_green_s=signals.min_green_s,
        max_green_s=signals.max_green_s,
        passage_s=signals.passage_s,
        **(services or {}),
    )


def signal_offsets(scenario: Scenario) -> list[list[float]]:
    """Start offset (s) of each controller's north-south green, rows x cols.

    A green wave opens each intersection's green when a vehicle that left the
    previous one at the start of its green arrives at the progression speed
    (eastbound for ``green_wave_ew``, southbound for ``green_wave_ns``).
    """
    city, signals = scenario.city, scenario.signals
    speed_mps = (signals.progression_speed_kmh or city.speed_limit_kmh) / 3.6
    travel_s = city.block_length_m / speed_mps
    uniforms = random_stream(scenario.seed, "signals").random((city.rows, city.cols))
    offsets = []
    for r in range(city.rows):
        row = []
        for c in range(city.cols):
            plan = signals.at(r, c)
            cycle_s = plan.cycle_s
            # the EW green follows the NS green and its clearance
            ew_after_s = plan.green_s("ns") + plan.yellow_s + plan.all_red_s
            if signals.offsets == "green_wave_ew":
                offset = c * travel_s - ew_after_s
            elif signals.offsets == "green_wave_ns":
                offset = r * travel_s
            elif signals.offsets == "random":
                offset = float(uniforms[r, c]) * cycle_s
            else:
                offset = 0.0
            local = signals.override_offset_s(r, c)
            row.append((offset if local is None else local) % cycle_s)
        offsets.append(row)
    return offsets


class StreetGrid:
    """The district's signalised grid and the routes vehicles take through it.

    Boundary point ``i`` is where an external street meets the grid: vehicles
    enter there heading into the grid and leave there heading out.
    """

    def __init__(
        self,
        model: mesa.Model,
        env: simpy.Environment,
        scenario: Scenario,
        crossing_log: ColumnLog,
        signal_log: ColumnLog,
        service_timing: Mapping[str, float] | None = None,
    ) -> None:
        city = scenario.city
        self.rows, self.cols = city.rows, city.cols
        self.block_length_m = city.block_length_m
        self.link_s = city.block_length_m / city.speed_mps
        signals = scenario.signals
        headway_s = 3600.0 / (signals.saturation_flow_vph * city.lanes)
        #: vehicles one block holds (inf: no spillback)
        self.link_storage = city.link_storage
        self.spillback = Spillback(scenario.warmup)
        offsets = signal_offsets(scenario)
        district = signal_timing(scenario, None, service_timing)
        local = {
            o.at: signal_timing(scenario, signals.at(*o.at), service_timing)
            for o in signals.overrides
        }
        self.intersections = [
            Intersection(
                model,
                env,
                r * self.cols + c,
                r,
                c,
                local.get((r, c), district),
                headway_s,
                city.crossing_width_m,
                crossing_log,
                signal_log,
                storage=self.link_storage,
                spillback=self.spillback,
                offset_s=offsets[r][c],
            )
            for r in range(self.rows)
            for c in range(self.cols)
        ]
        #: (node, side) of each boundary point; side is the compass side it leaves by.
        self.boundary = self._boundary_points()
        self._routes: dict[tuple[int, int, bool], Route] = {}

    def node(self, row: int, col: int) -> int:
        """Index of the intersection at (row, col)."""
        return row * self.cols + col

    def _boundary_points(self) -> list[tuple[int, int]]:
        points = [(self.node(0, c), NORTH) for c in range(self.cols)]
        points += [(self.node(r, self.cols - 1), EAST) for r in range(self.rows)]
        points += [(self.node(self.rows - 1, c), SOUTH) for c in reversed(range(self.cols))]
        points += [(self.node(r, 0), WEST) for r in reversed(range(self.rows))]
        return points

    def route(self, entry: int, exit_: int, rows_first: bool) -> Route:
        """Stop lines (and exit headings) from boundary point ``entry`` to ``exit_``.

        The path is L-shaped; ``rows_first`` chooses whether the vehicle first
        changes row (drives north or south) or first changes column.
        """
        key = (entry, exit_, rows_first)
        if key not in self._routes:
            node, side = self.boundary[entry]
            target, exit_side = self.boundary[exit_]
            self._routes[key] = self._build_route(
                node, opposite(side), target, exit_side, rows_first, include_start=True
            )
        return self._routes[key]

    def drive(self, origin: int, target: int, rows_first: bool) -> Route:
        """Stop lines from just past intersection ``origin`` up to ``target``'s stop line."""
        return self._build_route(origin, -1, target, -1, rows_first, include_start=False)

    def _build_route(
        self,
        node: int,
        heading: int,
        target: int,
        exit_heading: int,
        rows_first: bool,
        include_start: bool,
    ) -> Route:
        row, col = divmod(node, self.cols)
        target_row, target_col = divmod(target, self.cols)
        vertical = [SOUTH if target_row > row else NORTH] * abs(target_row - row)
        horizontal = [EAST if target_col > col else WEST] * abs(target_col - col)
        moves = (vertical + horizontal) if rows_first else (horizontal + vertical)
        stops: list[tuple[Approach, int]] = []
        if include_start:
            stops.append(
                (self.intersections[node].approaches[heading], (moves or [exit_heading])[0])
            )
        for i, move in enumerate(moves):
            row, col = row + STEP[move][0], col + STEP[move][1]
            leaving = moves[i + 1] if i + 1 < len(moves) else exit_heading
            stops.append((self.intersections[self.node(row, col)].approaches[move], leaving))
        return tuple(stops)
