"""The traffic core against analytic answers (docs/references.md).

A failing validation is a model bug, not a flaky test: seeds are fixed and
tolerances come from the replication variance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics import degree_of_saturation, pedestrian_signal_delay, webster_delay
from tests.conftest import build
from twin.simulation.runner import run_scenario

SEEDS = range(4)


def _single_intersection(seed: int, vehicles_per_hour: float, pedestrians_per_hour: float):
    """One intersection as the formulas describe the signal: every vehicle leaves at the
    saturation headway whatever its turn, stops and starts at once, and meets the stop
    line as Poisson arrivals (every driver at the limit)."""
    return build(
        seed=seed,
        duration="20h",
        warmup="30min",
        city={"rows": 1, "cols": 1, "acceleration_mps2": None, "speed_spread": 0},
        signals={
            "left_turns": "unopposed",
            "turns_yield_to_pedestrians": False,
            "right_turn_equivalent": 1,
            "left_turn_equivalent": 1,
        },
        demand={
            "vehicles_per_hour": vehicles_per_hour,
            "pedestrians_per_hour": pedestrians_per_hour,
        },
    )


def vertical_queue_delay(
    flow_vph: float, cycle_s: float, start_s: float, end_s: float, headway_s: float, seed: int
) -> tuple[float, float]:
    """Mean delay of the vertical queue with Poisson arrivals, by direct recursion.

    Returns (mean, standard error by 20 batch means).

    An implementation independent of the simulation: each arrival departs at
    the first instant that is at or after its arrival, a saturation headway
    after the previous departure, and inside an effective green window
    ``[start_s, end_s)`` of the cycle.
    """
    rng = np.random.default_rng(seed)
    horizon = 400_000.0
    arrivals = np.sort(rng.uniform(0, horizon, rng.poisson(flow_vph / 3600 * horizon)))
    last = -math.inf
    delays = np.empty(arrivals.size)
    for i, arrival in enumerate(arrivals.tolist()):
        departure = max(arrival, last + headway_s)
        cycle_start = math.floor(departure / cycle_s) * cycle_s
        offset = departure - cycle_start
        if offset < start_s:
            departure = cycle_start + start_s
        elif offset >= end_s:
            departure = cycle_start + cycle_s + start_s
        last = departure
        delays[i] = departure - arrival
    batches = [batch.mean() for batch in np.array_split(delays, 20)]
    return float(delays.mean()), float(np.std(batches, ddof=1) / math.sqrt(len(batches)))


@pytest.mark.slow
@pytest.mark.parametrize("x", [0.5, 0.7, 0.85])
def test_vehicle_delay_matches_queue_theory_and_webster(x: float) -> None:
    probe = _single_intersection(0, 1, 0)
    signals = probe.signals
    green = signals.effective_green_s("ns")
    assert signals.green_s("ns") == signals.green_s("ew")
    flow = x * green / signals.cycle_s * signals.saturation_flow_vph
    assert degree_of_saturation(signals.cycle_s, green, flow, signals.saturation_flow_vph) == (
        pytest.approx(x)
    )
    means = [
        run_scenario(_single_intersection(seed, 4 * flow, 0)).metrics["efficiency"][
            "vehicle_delay_s_mean"
        ]
        for seed in SEEDS
    ]
    simulated = float(np.mean(means))
    standard_error = float(np.std(means, ddof=1)) / math.sqrt(len(means))

    # 1. Exact for the model: the same vertical queue computed independently.
    start = signals.startup_lost_s
    exact, exact_se = vertical_queue_delay(
        flow, signals.cycle_s, start, start + green, 3600 / signals.saturation_flow_vph, seed=99
    )
    assert abs(simulated - exact) < 4 * math.hypot(standard_error, exact_se), (simulated, exact)

    # 2. Webster (1958): an approximation whose third term was fitted to his own
    #    simulations; the exact queue sits 4-9 % below it over x = 0.5-0.85.
    webster = webster_delay(signals.cycle_s, green, flow, signals.saturation_flow_vph)
    assert simulated == pytest.approx(webster, rel=0.10)
    assert simulated < webster


@pytest.mark.slow
def test_pedestrian_wait_matches_hcm() -> None:
    """Mean curb wait for WALK = (C - WALK)^2 / 2C for pedestrians arriving at random."""
    waits = []
    for seed in SEEDS:
        result = run_scenario(_single_intersection(seed, 0, 600))
        crossings = result.tables["crossings"]
        first = (crossings["first_of_trip"] == 1) & (crossings["arrive_s"] >= 1800)
        waits.append(crossings["start_s"][first] - crossings["arrive_s"][first])
    wait = np.concatenate(waits)
    signals = _single_intersection(0, 0, 600).signals
    expected = pedestrian_signal_delay(signals.cycle_s, signals.walk_s)
    standard_error = wait.std(ddof=1) / math.sqrt(wait.size)
    assert wait.size > 10_000
    assert abs(wait.mean() - expected) < 4 * standard_error, (wait.mean(), expected)
    # Nobody starts outside WALK, and nobody waits longer than the red for pedestrians.
    assert wait.min() >= 0
    assert wait.max() <= signals.cycle_s - signals.walk_s + 1e-9


def test_vehicle_free_flow_when_alone() -> None:
    """A lone vehicle arriving during green is not delayed; free-flow time is links / speed
    (every driver at the limit)."""
    result = run_scenario(
        build(
            duration="2h",
            city={"rows": 3, "cols": 3, "speed_spread": 0},
            demand={"vehicles_per_hour": 20, "pedestrians_per_hour": 0},
        )
    )
    trips = result.tables["vehicle_trips"]
    link_s = 150 / (50 / 3.6)
    assert np.allclose(trips["freeflow_s"], (trips["intersections"] + 1) * link_s)
    delay = trips["end_s"] - trips["start_s"] - trips["freeflow_s"]
    assert delay.min() >= -1e-9
    unstopped = trips["stops"] == 0
    assert unstopped.any() and np.all(delay[unstopped] < 2.0 + 1e-9)  # at most the lost time


def test_trips_are_conserved() -> None:
    """Every trip started is either completed or still travelling at the end."""
    from twin.simulation.model import CityModel

    model = CityModel(build(duration="1h", city={"rows": 3, "cols": 4}))
    model.run_to_end()
    traffic, walking = model.traffic, model.walking
    assert traffic.started > 500 and walking.started > 1000
    assert traffic.started == len(traffic.log) + traffic.active
    assert walking.started == len(walking.log) + walking.active
    assert traffic.active > 0 and walking.active > 0  # the end cut some trips short


def test_same_seed_same_metrics_different_seed_different() -> None:
    from twin.results.writer import metrics_json

    scenario = build(duration="30min", city={"rows": 3, "cols": 3})
    first = metrics_json(run_scenario(scenario).metrics)
    second = metrics_json(run_scenario(scenario).metrics)
    other = metrics_json(run_scenario(scenario.model_copy(update={"seed": 1})).metrics)
    assert first == second
    assert first != other


def test_pedestrian_level_of_service_follows_hcm_2000() -> None:
    from metrics import pedestrian_los

    grades = [pedestrian_los(d) for d in (0, 9.9, 10, 19.9, 25, 35, 59.9, 60, 200)]
    assert grades == ["A", "A", "B", "B", "C", "D", "E", "F", "F"]
    result = run_scenario(build(duration="1h", city={"rows": 2, "cols": 2}))
    assert result.metrics["efficiency"]["pedestrian_signal_los"] == "C"  # (60-7)^2/120 = 23.4 s
