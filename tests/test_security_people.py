"""The blast radius counted in people, against the same seed without the attack."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import build
from twin.scenario.security import Attack
from twin.security import replicate_attacks
from twin.simulation.model import CityModel
from twin.simulation.runner import run_scenario

DISTRICT = {
    "seed": 11,
    "duration": "1h",
    "warmup": "5min",
    "city": {"rows": 2, "cols": 2},
    "demand": {"vehicles_per_hour": 700, "pedestrians_per_hour": 900},
    "services": {"crossing_assist": "camera_ai", "driver_alerts": True},
    "policy": {"history": "1d"},  # a day of store history keeps it short
}
SMALL = {"attack_replications": 6, "simulated_replications": 2}


def attack(entry: str, effect: object, at: str = "15min", duration: str = "30min") -> dict:
    return {"at": at, "entry": entry, "duration": duration, "effect": effect}


def test_efficiency_and_privacy_are_the_run_without_the_attack() -> None:
    quiet = run_scenario(build(**DISTRICT))
    attacked = run_scenario(
        build(
            **DISTRICT,
            security=SMALL,
            attacks=[attack("signal_controllers", ["fail_safe_flash", "exfiltrate"])],
        )
    )
    assert attacked.metrics["efficiency"] == quiet.metrics["efficiency"]
    assert attacked.metrics["privacy"] == quiet.metrics["privacy"]
    section = attacked.metrics["security"]
    # every controller flashed for 30 min at least: the attacked runs differ
    assert section["attacked"]["vehicle_delay_s_mean"]["mean"] != pytest.approx(
        quiet.metrics["efficiency"]["vehicle_delay_s_mean"]
    )


def test_silenced_driver_alerts_add_conflicts() -> None:
    # Turning drivers who do not look out for walkers themselves: the alerts' case (drivers
    # who yield on their own, the default, leave alerts only stranded walkers to warn of).
    result = run_scenario(
        build(
            **DISTRICT,
            signals={"turns_yield_to_pedestrians": False},
            security=SMALL,
            attacks=[attack("roadside_units", "fail_safe_flash")],
        )
    )
    section = result.metrics["security"]
    assert "driver_alerts" in section["services_disrupted"]
    added = section["conflicts_added"]
    assert added["n"] == 2 and added["ci_low"] > 0  # more near-misses in every simulated run
    assert section["persons_affected"]["mean"] > 0  # residents who drove while alerts were off


def test_a_pseudonymised_leak_counts_people() -> None:
    # Every identifier pseudonymised: no record names anyone, yet two points of a
    # person's whereabouts single most of them out (the privacy layer's risk metric).
    result = run_scenario(
        build(
            **{
                **DISTRICT,
                "policy": {
                    "history": "1d",
                    "integration": "integrated",
                    "anonymisation": "pseudonymise",
                },
            },
            security=SMALL,
            attacks=[attack("city_platform", "exfiltrate")],
        )
    )
    section = result.metrics["security"]
    assert section["persons_identified"]["mean"] == 0
    assert section["persons_reidentifiable"]["mean"] > 0
    assert section["persons_exfiltrated"]["mean"] == section["persons_reidentifiable"]["mean"]
    assert section["extra_vehicle_delay_s"]["mean"] == 0  # exfiltration changes no traffic


def test_an_insider_reads_without_an_intrusion() -> None:
    result = run_scenario(
        build(
            **{
                **DISTRICT,
                "policy": {
                    "history": "1d",
                    "vendors": {"camera_vendor_cloud": {"name": "camera", "trusted": False}},
                },
            },
            security=SMALL,
            attacks=[attack("vendor:camera", "insider")],
        )
    )
    section = result.metrics["security"]
    assert section["components_compromised_share"]["mean"] == 0
    assert section["persons_exfiltrated"]["mean"] > 0  # the faces the cameras send it
    assert section["persons_captured_live"]["mean"] > 0


def test_monitoring_detects_a_stealthy_intrusion_sooner() -> None:
    scenario = build(**DISTRICT, attacks=[attack("crossing_cameras", "exfiltrate")])
    graph = CityModel(scenario, attack_replication=-1).attack_plan.graph
    times = {}
    for monitored in (False, True):
        draws = replicate_attacks(
            graph, scenario.attacks, scenario.security, 400, np.random.default_rng(1), monitored
        )
        times[monitored] = np.median([d.responses[0].detected_s - 900 for d in draws])
    # exponential medians: 4 h monitored, 10 days without (M-Trends 2024)
    assert times[True] == pytest.approx(4 * 3600, rel=0.15)
    assert times[False] == pytest.approx(10 * 86400, rel=0.15)


def test_monitoring_keeps_logs_of_everyone_the_systems_see() -> None:
    plain = run_scenario(build(**DISTRICT))
    watched = run_scenario(build(**DISTRICT, security={"monitoring": True}))
    logs = [s for s in watched.sensors if s.name == "network_logs"]
    assert logs and logs[0].system == "security_operations"
    assert "security_operations" in watched.security.graph  # one more component to reach
    before, after = plain.metrics["privacy"], watched.metrics["privacy"]
    assert after["identifiable_records_retained"] > before["identifiable_records_retained"]
    assert after["linkable_persons_share"] >= before["linkable_persons_share"]


def test_containment_cuts_the_zone_off_until_restored() -> None:
    scenario = build(
        **DISTRICT,
        security={"detection": {"notice_median": "1min", "containment_time": "5min"}},
    )
    graph = CityModel(scenario, attack_replication=-1).attack_plan.graph
    hit = Attack(at=900, entry="roadside_units", duration=1800, effect="fail_safe_flash")
    for draw in replicate_attacks(graph, [hit], scenario.security, 20, np.random.default_rng(3)):
        response = draw.responses[0]
        assert response.contained_s == pytest.approx(response.detected_s + 300)
        # the attacker lost control at containment: nothing fell after it
        assert max(draw.compromised.values()) <= response.contained_s
        start, end = draw.isolated["connected_vehicles"][0]  # the rest of the v2x zone
        assert start == pytest.approx(response.contained_s)
        assert end == pytest.approx(response.contained_s + response.restoration_s)


def test_restoration_follows_the_incidents() -> None:
    # Lognormal through Baltimore (17 h), Dallas (~2 days), Atlanta (~3 weeks).
    scenario = build(attacks=[attack("traffic_management", "fail_safe_flash")])
    graph = CityModel(scenario, attack_replication=-1).attack_plan.graph
    draws = replicate_attacks(
        graph, scenario.attacks, scenario.security, 1000, np.random.default_rng(4)
    )
    hours = np.array([d.responses[0].restoration_s for d in draws]) / 3600
    log_hours = np.log(hours)
    assert np.exp(log_hours.mean()) == pytest.approx(np.exp(np.log([17, 48, 504]).mean()), rel=0.1)
    assert log_hours.std() == pytest.approx(1.7, rel=0.1)
