"""Braking and accelerating at a stop (``city.acceleration_mps2``): a held vehicle also
loses v / 2b + v / 2a, at most its hold. Hand-worked on one 150 m link at 50 km/h
(10.8 s) whose stop line turns green at 30 s."""

from __future__ import annotations

import pytest
import simpy

from agents.approach import Approach
from agents.vehicle import Route, Traffic
from tests.conftest import build

SPEED_MPS = 50 / 3.6
LINK_S, HEADWAY_S = 150.0 / SPEED_MPS, 2.0
#: SUMO's passenger cars: accelerate at 2.6 m/s2, brake at 4.5 m/s2
FULL_STOP_S = SPEED_MPS / (2 * 4.5) + SPEED_MPS / (2 * 2.6)


def _trip_ends(stop_loss_s: float, entries: list[float]) -> list[float]:
    """When each vehicle entering at ``entries`` leaves the district: its link, the stop
    line (red until 30 s, then green), then the 150 m exit link."""
    env = simpy.Environment()
    line = Approach(env, 0, 0, 0, HEADWAY_S, travel_s=LINK_S, stop_loss_s=stop_loss_s)
    traffic = Traffic(env, 0.0)
    route = Route(stops=(line,), out_legs=(0,), exit_s=LINK_S, links=(0, 1))

    def enter(at: float):
        yield env.timeout(at)
        traffic.start_trip(0, 1, route)

    def green():
        yield env.timeout(30.0)
        line.open(30.0, 1e6)

    for at in entries:
        env.process(enter(at))
    env.process(green())
    env.run()
    return sorted(traffic.log.arrays()["end_s"].tolist())


def test_a_stopped_vehicle_loses_braking_and_acceleration_on_top_of_its_wait() -> None:
    """Arrives at 10.8 s, held to 30 s: it leaves the line at 30 s and the district
    10.8 s + 4.2 s later; the one behind, held too, leaves the line 2 s after."""
    assert round(FULL_STOP_S, 2) == 4.21
    still = _trip_ends(0.0, [0.0, 1.0])
    moving = _trip_ends(FULL_STOP_S, [0.0, 1.0])
    assert still == pytest.approx([30.0 + LINK_S, 32.0 + LINK_S])
    assert moving == pytest.approx([30.0 + LINK_S + FULL_STOP_S, 32.0 + LINK_S + FULL_STOP_S])


def test_a_short_hold_costs_at_most_itself_and_no_hold_costs_nothing() -> None:
    """Arriving at 28.8 s (held 1.2 s, to 30 s) it loses 1.2 s more, not 4.2 s; arriving
    after 30 s on green it is not held and loses nothing."""
    late = _trip_ends(FULL_STOP_S, [18.0])
    assert late == pytest.approx([30.0 + (30.0 - 18.0 - LINK_S) + LINK_S])
    on_green = _trip_ends(FULL_STOP_S, [40.0])
    assert on_green == pytest.approx([40.0 + 2 * LINK_S])


def test_the_scenario_sets_the_loss_from_the_street_speed() -> None:
    city = build(city={"acceleration_mps2": 1.3}).city
    assert city.stop_loss_s(SPEED_MPS) > FULL_STOP_S  # slower back to speed
    assert build().city.stop_loss_s(SPEED_MPS) == pytest.approx(FULL_STOP_S)  # the default
    assert build(city={"acceleration_mps2": None}).city.stop_loss_s(SPEED_MPS) == 0.0
