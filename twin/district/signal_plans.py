"""Signal plans: each controller's timing (greens per phase) and its offset in the cycle,
from the scenario's ``signals`` section and the street graph's phases."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from agents.signal_timing import SignalTiming
from twin.district.city import intersection_key
from twin.district.street_graph import StreetGraph
from twin.streams import random_stream

if TYPE_CHECKING:
    from twin.scenario import Scenario
    from twin.scenario.schema import Signals

__all__ = ["phase_greens", "signal_offsets", "signal_timing"]


def phase_greens(signals: Signals, phases: int, need_s: float) -> tuple[float, ...]:
    """Fixed-time green of each phase: a two-phase plan splits the cycle's green by
    ``green_split_ns`` (phase 0 is the more north-south); others share it equally, each
    at least ``need_s`` (WALK and its clearance)."""
    if phases == 2:
        return (signals.green_s("ns"), signals.green_s("ew"))
    total = signals.cycle_s - phases * (signals.yellow_s + signals.all_red_s)
    return tuple(max(total / phases, need_s) for _ in range(phases))


def signal_timing(
    scenario: Scenario,
    phases: int = 2,
    clearance_s: float | None = None,
    signals: Signals | None = None,
    services: Mapping[str, float] | None = None,
) -> SignalTiming:
    """A controller's timing, from the scenario's ``signals`` section (or a local plan).

    Args:
        scenario: the scenario.
        phases: how many phases the intersection has.
        clearance_s: its flashing DON'T WALK (default: the scenario's, for its grid).
        signals: a local plan replacing the district's.
        services: changes the services ask for (``Service.signal_timing``).
    """
    signals = scenario.signals if signals is None else signals
    clearance_s = scenario.clearance_s if clearance_s is None else clearance_s
    return SignalTiming(
        control=signals.control,
        green_s=phase_greens(signals, phases, signals.walk_s + clearance_s),
        yellow_s=signals.yellow_s,
        all_red_s=signals.all_red_s,
        walk_s=signals.walk_s,
        clearance_s=clearance_s,
        startup_lost_s=signals.startup_lost_s,
        min_green_s=signals.min_green_s,
        max_green_s=signals.max_green_s,
        passage_s=signals.passage_s,
        switch_margin=signals.switch_margin_veh,
        max_pedestrian_wait_s=signals.max_pedestrian_wait_s,
        **(services or {}),
    )


def signal_offsets(
    scenario: Scenario, graph: StreetGraph, timings: Mapping[int, SignalTiming]
) -> dict[int, float]:
    """Start (s) of each signalised intersection's phase 0, within its cycle.

    A green wave opens each intersection's green when a vehicle that left the
    previous one at the start of its green arrives at the progression speed:
    eastbound for ``green_wave_ew`` (by position east), southbound for
    ``green_wave_ns`` (by position south).
    """
    city, signals = scenario.city, scenario.signals
    speed_mps = (signals.progression_speed_kmh or city.speed_limit_kmh) / 3.6
    nodes = sorted(timings)
    uniforms = random_stream(scenario.seed, "signal_offsets").random(len(nodes))
    x0, _, _, y1 = graph.extent_m()
    offsets = {}
    for node, uniform in zip(nodes, uniforms.tolist(), strict=True):
        timing = timings[node]
        clear = timing.yellow_s + timing.all_red_s
        if signals.offsets in ("green_wave_ew", "green_wave_ns"):
            eastbound = signals.offsets == "green_wave_ew"
            direction = 0.0 if eastbound else -math.pi / 2
            distance = graph.x_m[node] - x0 if eastbound else y1 - graph.y_m[node]
            phase = _phase_moving(graph, node, direction, signals.split_phases)
            before = sum(timing.green_s[p] + clear for p in range(phase))
            offset = distance / speed_mps - before
        elif signals.offsets == "random":
            offset = uniform * timing.cycle_s
        else:
            offset = 0.0
        local = _local_offset(scenario, graph, node)
        offsets[node] = (offset if local is None else local) % timing.cycle_s
    return offsets


def _phase_moving(graph: StreetGraph, node: int, direction: float, split: bool) -> int:
    """The phase whose approach travels closest to ``direction`` (radians)."""
    best, best_deg = 0, math.inf
    for index, group in enumerate(graph.phases(node, split)):
        for link in group:
            deg = abs(math.remainder(graph.travel_bearing(link) - direction, math.tau))
            if deg < best_deg:
                best, best_deg = index, deg
    return best


def _local_offset(scenario: Scenario, graph: StreetGraph, node: int) -> float | None:
    return scenario.signals.override_offset_s(*intersection_key(scenario, graph, node))
