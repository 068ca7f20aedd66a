"""Drivers of different desired speeds (``city.speed_spread``): dispersion, no overtaking.

Hand-worked on one link of 150 m at 50 km/h (10.8 s at the limit) ending at a stop line
that is green throughout, saturation headway 2 s.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from agents.approach import Approach
from agents.vehicle import Route, Traffic
from tests.conftest import build
from twin.district.demand import driver_paces
from twin.simulation.model import CityModel

LINK_S, HEADWAY_S = 150.0 / (50 / 3.6), 2.0


def _two_drivers(dispersed: bool) -> tuple[dict[int, float], dict[int, float]]:
    """A slow driver (factor 0.8) enters at 0 s, a fast one (factor 1.25) at 1 s: each
    trip's departure from the stop line, and the free-flow time logged for it."""
    env = simpy.Environment()
    line = Approach(env, 0, 0, 0, HEADWAY_S, travel_s=LINK_S)
    line.open(0.0, 1e6)
    traffic = Traffic(env, 0.0, dispersed=dispersed)
    route = Route(stops=(line,), out_legs=(-1,), exit_s=0.0, links=(0,))

    def enter(at: float, pace: float):
        yield env.timeout(at)
        traffic.start_trip(0, 1, route, pace=pace)

    env.process(enter(0.0, 1 / 0.8))
    env.process(enter(1.0, 1 / 1.25))
    env.run()
    passages, trips = traffic.passages.arrays(), traffic.log.arrays()
    left = dict(zip(passages["trip"].astype(int), passages["time_s"], strict=True))
    freeflow = dict(zip(trips["trip"].astype(int), trips["freeflow_s"], strict=True))
    return left, freeflow


def test_a_faster_driver_follows_the_slower_one_ahead() -> None:
    left, freeflow = _two_drivers(dispersed=True)
    slow_arrives = LINK_S / 0.8  # 13.5 s; the fast driver alone would arrive at 9.64 s
    assert left[1] == pytest.approx(slow_arrives)
    assert left[2] == pytest.approx(slow_arrives + HEADWAY_S)  # caught up, follows
    # each driver's delay is counted against its own desired speed (SUMO's timeLoss)
    assert freeflow == pytest.approx({1: LINK_S / 0.8, 2: LINK_S / 1.25})


def test_without_spread_nobody_is_held_back() -> None:
    left, _ = _two_drivers(dispersed=False)
    assert left[2] == pytest.approx(1.0 + LINK_S / 1.25)  # passes: the rule is off
    assert left[1] == pytest.approx(LINK_S / 0.8)


def test_paces_follow_sumos_speed_factor() -> None:
    """normc(1, 0.1, 0.2, 2): mean 1 and standard deviation 0.1 (tolerances 5 standard
    errors at 40,000 draws), nothing outside 0.2-2; no spread: everyone at the limit."""
    factors = 1 / driver_paces(np.random.default_rng(3), 0.1, 40_000)
    assert factors.mean() == pytest.approx(1.0, abs=5 * 0.1 / 200)
    assert factors.std() == pytest.approx(0.1, abs=5 * 0.1 / np.sqrt(2 * 40_000))
    assert factors.min() >= 0.2 and factors.max() <= 2.0
    assert np.array_equal(driver_paces(np.random.default_rng(3), 0.0, 5), np.ones(5))


def test_spread_disperses_a_district_and_keeps_every_trip_moving() -> None:
    """With spread, trips' free-flow times differ by driver; the run still completes."""
    models = [
        CityModel(build(duration=1800, city={"rows": 2, "cols": 2, "speed_spread": spread}))
        for spread in (0.0, 0.1)
    ]
    for model in models:
        model.run_model()
    same, varied = (m.traffic.log.arrays() for m in models)
    per_stop_line = [t["freeflow_s"] / np.maximum(t["intersections"], 1) for t in (same, varied)]
    assert len(varied["trip"]) > 50
    assert per_stop_line[1].std() > per_stop_line[0].std()
