"""Attacks on signal timing: false detector data (a known answer on one actuated
intersection) and malicious timing against the fail-safe on the 10 x 10 district at peak."""

from __future__ import annotations

import pytest
import simpy

from agents.approach import Approach
from agents.log import ColumnLog
from agents.readings import Readings
from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming
from tests.conftest import build, schedule
from twin.simulation.model import CityModel
from twin.simulation.runner import collect, run_scenario

# actuated: min green 7 s, max 45 s, passage 3 s; yellow 3 s, all-red 2 s
ACTUATED = SignalTiming("actuated", (25.0, 25.0), 3.0, 2.0, 7.0, 5.0, 2.0, 7.0, 45.0, 3.0)


def test_spoofed_occupancy_gives_green_to_an_empty_approach() -> None:
    # North (phase 0) gets a vehicle every 10 s; east (phase 1) gets nobody. From 100 s
    # to 400 s the detectors say the opposite: east occupied, north empty.
    env = simpy.Environment()
    north = Approach(env, 0, 0, 0, 2.0)
    east = Approach(env, 0, 1, 1, 2.0)
    log = ColumnLog(*SIGNAL_COLUMNS)
    controller = SignalController(env, 0, ACTUATED, [[north], [east]], [[], []], log)
    readings = controller.readings = Readings(env)
    queue_at: dict[float, int] = {}
    departures: list[float] = []

    def vehicle():
        departure = north.arrive(None)
        if isinstance(departure, simpy.Event):
            departure = yield departure
        departures.append(departure)

    def arrivals():
        while env.now < 600:
            env.process(vehicle())
            yield env.timeout(10.0)

    def spoof():
        yield env.timeout(100.0)
        readings.spoof(100.0, 400.0, full=[east.link], empty=[north.link])
        controller.recheck_calls()
        yield env.timeout(300.0)
        queue_at[400.0] = len(north.waiting)
        controller.recheck_calls()

    env.process(arrivals())
    env.process(spoof())
    env.run(700)
    table = log.arrays()
    east_green = [
        (onset, end)
        for phase, onset, end in zip(
            table["phase"], table["onset_s"], table["green_end_s"], strict=True
        )
        if phase == 1
    ]
    # Before the spoof the empty east approach never got a green; during it, east is
    # green from the first phase change until the spoof ends (a call only from the truth).
    assert all(onset >= 100.0 for onset, _ in east_green)
    onset, end = east_green[0]
    assert onset < 100.0 + 45.0 + 5.0 and end >= 400.0 - 1e-9
    # The starved north queue: nobody left between the change and 400 s; every arrival
    # since then waits (one per 10 s), then the truth returns and the queue clears.
    served_during = [t for t in departures if onset + 5.0 < t < 400.0]
    assert served_during == []
    assert queue_at[400.0] == pytest.approx((400.0 - onset) / 10.0, abs=2)
    assert len(north.waiting) == 0


def test_the_signal_service_spoofs_what_hurts() -> None:
    # One actuated intersection; its controller's detectors lie for 20 min: the phase
    # that served the most vehicles reads empty, the other full. Its delay soars.
    scenario = build(
        seed=8,
        duration="50min",
        warmup="5min",
        city={"rows": 1, "cols": 1},
        signals={"control": "actuated"},
        demand={"vehicles_per_hour": 900, "pedestrians_per_hour": 0},
    )

    def delay(spoofed: bool) -> float:
        model = CityModel(scenario)
        if spoofed:
            schedule(model, {"signal_controllers:0": [(900.0, 2100.0)]}, "false_data")
        model.run_to_end()
        return collect(model, {}).metrics["efficiency"]["vehicle_delay_s_mean"]

    assert delay(True) > 3 * delay(False)


@pytest.mark.slow
def test_malicious_timing_hurts_several_times_the_fail_safe() -> None:
    # 10 x 10 district at the morning peak (07:15-08:45, daily profile), every controller
    # taken for 30 min from 07:45: flashing red (the conflict monitor's fail-safe) or
    # the plan that hurts most among those the monitor passes.
    measured = {}
    for effect in ("fail_safe_flash", "malicious_timing"):
        scenario = build(
            seed=5,
            duration="1h30min",
            warmup="15min",
            city={"rows": 10, "cols": 10},
            population={"residents": 2000},
            demand={
                "vehicles_per_hour": 4500,
                "pedestrians_per_hour": 1000,
                "profile": "daily",
                "start_hour": 7.25,
            },
            security={"attack_replications": 4, "simulated_replications": 1},
            attacks=[
                {
                    "at": "30min",
                    "entry": "signal_controllers",
                    "duration": "30min",
                    "effect": effect,
                }
            ],
        )
        section = run_scenario(scenario).metrics["security"]
        measured[effect] = (
            section["extra_vehicle_delay_s"]["mean"],
            section["blocked_approach_hours_added"]["mean"],
        )
    (flash_delay, flash_blocked), (bad_delay, bad_blocked) = (
        measured["fail_safe_flash"],
        measured["malicious_timing"],
    )
    assert flash_delay > 0  # the fail-safe costs something at this load
    assert bad_delay > 3 * flash_delay
    assert bad_blocked > 3 * max(flash_blocked, 1.0)
