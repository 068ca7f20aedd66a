"""A compromised controller inside the running city: flashing red, then recovery.

Common random numbers: the attacked and the baseline run share every traffic
draw, so the differences are the attack's alone.
"""

from __future__ import annotations

import pytest

from tests.conftest import build, schedule
from twin.simulation.model import CityModel
from twin.simulation.runner import collect

SAMPLES = (3600.0, 7200.0, 12600.0, 14399.0)


def intersection_delays(attacked: bool, vehicles_per_hour: float) -> dict[float, tuple]:
    """(delay sum, vehicles) at the single intersection at each sample time."""
    scenario = build(
        seed=3,
        duration="4h",
        city={"rows": 1, "cols": 1},
        demand={"vehicles_per_hour": vehicles_per_hour, "pedestrians_per_hour": 0},
    )
    model = CityModel(scenario)
    if attacked:  # down from 1 h to 2 h (the attack and its restoration)
        schedule(model, {"signal_controllers:0": [(3600.0, 7200.0)]})
    approaches = model.streets.intersections[0].approaches
    samples: dict[float, tuple] = {}

    def sample():
        for t in SAMPLES:
            yield model.env.timeout(t - model.env.now)
            samples[t] = (
                sum(a.delay_sum_s for a in approaches),
                sum(a.delay_count for a in approaches),
            )

    model.env.process(sample())
    model.run_to_end()
    return samples


def mean_delay(samples: dict[float, tuple], start: float, end: float) -> float:
    return (samples[end][0] - samples[start][0]) / (samples[end][1] - samples[start][1])


def test_flashing_red_raises_delay_and_recovery_restores_it() -> None:
    # 1,500 veh/h on four approaches (375 each) is at the all-way stop's ~380 veh/h per
    # saturated approach (HCM case 5), while the signal (26 s effective green in 60 s,
    # permissive left turns) serves it: measured 21 s a vehicle against 130 s flashing.
    baseline = intersection_delays(False, 1500.0)
    attacked = intersection_delays(True, 1500.0)
    during_base = mean_delay(baseline, 3600.0, 7200.0)
    during_attack = mean_delay(attacked, 3600.0, 7200.0)
    assert during_attack > 5 * during_base
    # 1.5 h after recovery the queue is gone: the same vehicles, the same delays.
    assert mean_delay(attacked, 12600.0, 14399.0) == pytest.approx(
        mean_delay(baseline, 12600.0, 14399.0), rel=1e-9
    )
    # Before the attack nothing differs.
    assert attacked[3600.0] == baseline[3600.0]


def test_no_attack_leaves_the_city_as_it_was() -> None:
    from twin.simulation.runner import run_scenario

    def efficiency(**sections):
        scenario = build(seed=5, duration="1h", city={"rows": 2, "cols": 2}, **sections)
        return run_scenario(scenario).metrics["efficiency"]

    plain = efficiency()
    hardened = efficiency(
        security={"security_level": 4, "attack_replications": 50, "restoration_median": "6h"}
    )
    assert hardened == plain


def test_ransomware_makes_a_stores_data_unavailable() -> None:
    # The heating decides on the sidewalk cameras' occupancy records: encrypting their
    # store stops it; a store that merely fails (the fail-safe) serves no function.
    scenario = build(
        seed=2,
        duration="2h",
        warmup="0",
        city={"rows": 2, "cols": 2},
        weather={"temperature_c": -3, "snowfall": [{"start": 0, "end": "2h", "rate_cm_per_h": 1}]},
        services={"sidewalk_heating": {"share": 0.5, "activation": "occupancy_camera"}},
    )

    def energy(effect: str | None) -> float:
        model = CityModel(scenario)
        if effect is not None:
            schedule(model, {"sidewalk_heating_store": [(3600.0, 7200.0)]}, effect)
        model.run_to_end()
        return collect(model, {}).metrics["efficiency"]["sidewalk_heating_kwh"]

    full = energy(None)
    assert full > 0
    assert energy("fail_safe_flash") == full
    assert energy("ransomware") < 0.75 * full
