"""Attacks inside the running city: outages, the counterfactual, leaks, the results folder."""

from __future__ import annotations

import json

import pytest

from tests.conftest import build, schedule
from twin.results.writer import security_files
from twin.simulation.model import CityModel
from twin.simulation.runner import collect, run_scenario

DISTRICT = {
    "seed": 11,
    "duration": "1h",
    "warmup": "5min",
    "city": {"rows": 2, "cols": 2},
    "demand": {"vehicles_per_hour": 600, "pedestrians_per_hour": 800},
    "services": {"crossing_assist": "camera_ai", "driver_alerts": True},
}


def take_down(model: CityModel, down) -> None:
    schedule(model, down)


def attacked_district(retention: str = "31d", **sections: object):
    return build(
        **{**DISTRICT, **sections},
        policy={
            "integration": "integrated",
            "retention": {
                "direct": retention,
                "persistent": retention,
                "pseudonymous": retention,
                "aggregate": retention,
            },
        },
        security={"attack_replications": 8, "simulated_replications": 2},
        attacks=[
            {
                "at": "20min",
                "entry": "crossing_cameras",
                "duration": "20min",
                "effect": ["fail_safe_flash", "exfiltrate"],
            }
        ],
    )


def test_no_attack_leaves_efficiency_and_privacy_identical() -> None:
    def outcome(**sections):
        model = CityModel(build(**DISTRICT, **sections))
        model.run_to_end()
        efficiency = collect(model, {}).metrics["efficiency"]
        return efficiency, collect(model, {}).metrics["privacy"]

    plain = outcome()
    with_section = outcome(security={"security_level": 1, "attack_replications": 50}, attacks=[])
    assert with_section[0] == plain[0]
    assert with_section[1] == plain[1]
    assert plain[1]["persons_exposed"] > 0  # there was something to compare


def test_no_attack_section_says_so_and_runs_once() -> None:
    result = run_scenario(build(**DISTRICT))
    section = result.metrics["security"]
    assert section["attacks"] == 0 and "no attacks" in section["note"]
    assert section["components_total"] == result.security.graph.number_of_nodes() > 4


def test_attacked_run_reports_every_key_with_intervals(tmp_path) -> None:
    import twin

    result = run_scenario(attacked_district(duration="40min"))
    section = result.metrics["security"]
    for key in (
        "components_compromised_share",
        "service_hours_lost",
        "persons_affected",
        "records_exfiltrated",
        "persons_exfiltrated",
        "sensitive_persons_exfiltrated",
    ):
        assert section[key]["n"] == 8, key
    for key in ("extra_vehicle_delay_s", "emergency_response_added_s", "conflicts_added"):
        assert set(section[key]) == {"mean", "ci_low", "ci_high", "n", "method"}
    assert section["extra_vehicle_delay_s"]["n"] == 2
    assert "crossing_assist" in section["services_disrupted"]
    assert section["records_exfiltrated"]["mean"] > 0  # a month kept: the platform leaks
    twin.write(result, tmp_path, plots=False)
    components = json.loads((tmp_path / "components.json").read_text())
    fallen = {c["name"]: c["compromised_share"] for c in components["components"]}
    assert fallen["crossing_cameras"] == 1.0  # the entry, in every replication
    assert 0 < max(v for k, v in fallen.items() if k != "crossing_cameras") < 1
    plots = security_files(result)
    for plot in ("component_graph", "compromised_share", "attack_timeline"):
        path = tmp_path / f"{plot}.png"
        plots[f"plots/{plot}.png"](path)
        assert path.stat().st_size > 0
    assert "camera" in (tmp_path / "report.md").read_text()  # the vendor, from components.json


def test_zero_retention_leaves_only_what_flows_through_while_held() -> None:
    # Nothing is kept, so nothing stored leaks; records the attacker's stores receive
    # while it holds them are taken live (the 1,114 stored vs 11,160 flowing).
    scenario = attacked_district(retention="0")
    plan = CityModel(scenario).attack_plan
    assert any("city_platform" in outcome.leaks for outcome in plan.outcomes)  # it was reached
    section = run_scenario(scenario).metrics["security"]
    taken, live = section["records_exfiltrated"], section["records_captured_live"]
    assert taken["mean"] == live["mean"] > 0
    assert section["persons_exfiltrated"]["mean"] == section["persons_captured_live"]["mean"] > 0


def corridor(attacked: bool) -> tuple[list[float], list[float]]:
    """Mean stop-line delay and blocked time per intersection of a 1x2 corridor of short
    blocks (12 vehicles each), the east intersection flashing red from 30 to 90 min."""
    scenario = build(
        seed=4,
        duration="2h",
        warmup="0",
        city={"rows": 1, "cols": 2, "block_length_m": 60},
        # a signal that serves this demand: on one lane, left-turners yielding to heavy
        # oncoming traffic block it worse than an all-way stop does (such a corridor
        # needs left-turn lanes; docs/model.md)
        signals={"left_turns": "unopposed"},
        demand={"vehicles_per_hour": 2000, "pedestrians_per_hour": 0},
    )
    model = CityModel(scenario)
    if attacked:
        down = {"signal_controllers:1": [(1800.0, 5400.0)]}
        take_down(model, down)
    model.run_to_end()
    intersections = model.streets.intersections
    return (
        [i.mean_delay_s for i in intersections],
        [sum(a.blocked_s for a in i.approaches) for i in intersections],
    )


def test_a_flashing_controller_delays_traffic_at_and_upstream_of_it() -> None:
    # Measured (seed 4, backward waves, exact blocked time): delay 40 -> 56 s at the
    # flashing node, 37 -> 58 s upstream, where approaches waited 8,362 -> 10,488 s for
    # room on the links into the all-way stop.
    (base, base_blocked), (hit, hit_blocked) = corridor(False), corridor(True)
    assert hit[1] > 1.3 * base[1]  # at the flashing intersection
    assert hit_blocked[0] > 1.2 * base_blocked[0]  # its queue spilled back upstream
    assert hit[0] > 1.3 * base[0]  # and delayed traffic there


def test_services_stop_where_their_components_fell() -> None:
    sections = {
        **DISTRICT,
        "city": {"rows": 3, "cols": 3},
        "services": {**DISTRICT["services"], "preemption": True},  # type: ignore[dict-item]
    }
    # turning drivers who do not yield on their own, so the alerts have conflicts to avoid
    signals = {"turns_yield_to_pedestrians": False}
    scenario = build(**sections, signals=signals, emergency={"incidents_per_hour": 30})

    def run(down):
        model = CityModel(scenario)
        take_down(model, down)
        model.run_to_end()
        return model, collect(model, {})

    window = [(0.0, 3600.0)]
    _, plain = run({})
    model, hit = run({"crossing_cameras": window, "roadside_units": window, "ambulances": window})
    crossings = plain.tables["crossings"]
    late = crossings["start_s"] >= 0.0
    assert crossings["detected"][late].sum() > 0
    crossings = hit.tables["crossings"]
    late = crossings["start_s"] >= 0.0
    assert crossings["detected"][late].sum() == 0  # the cameras recognise nobody
    assert plain.metrics["efficiency"]["conflicts_avoided_by_alerts"] > 0
    assert hit.metrics["efficiency"]["conflicts_avoided_by_alerts"] == 0
    phases = hit.tables["signal_phases"]
    assert phases["preempted"][phases["onset_s"] >= 0.0].sum() == 0
    assert plain.tables["signal_phases"]["preempted"].sum() > 0
    assert {
        (o.component, f) for s in model.services.values() for o in s.outages for f in o.functions
    } == {
        ("crossing_cameras", "crossing_assist"),
        ("roadside_units", "driver_alerts"),
        ("ambulances", "emergency_response"),  # and their emitters: no preemption
    }


def test_heating_stops_while_its_controller_is_down() -> None:
    scenario = build(
        seed=2,
        duration="2h",
        warmup="0",
        city={"rows": 2, "cols": 2},
        weather={"temperature_c": -3, "snowfall": [{"start": 0, "end": "2h", "rate_cm_per_h": 1}]},
        services={"sidewalk_heating": {"share": 0.5, "activation": "always_on"}},
    )

    def energy(down):
        model = CityModel(scenario)
        take_down(model, down)
        model.run_to_end()
        return collect(model, {}).metrics["efficiency"]["sidewalk_heating_kwh"]

    full = energy({})
    assert energy({"heating_controller": [(3600.0, 7200.0)]}) == pytest.approx(full / 2, rel=0.02)


def test_explorer_can_launch_an_attack() -> None:
    model = CityModel(attacked_district())
    assert "crossing_cameras" in model.attack_entries
    assert "vendor:camera" in model.attack_entries
    model.run_until(600.0)
    outcome = model.launch_attack("crossing_cameras", duration_s=600.0)
    assert outcome.compromised["crossing_cameras"] == 600.0
    model.run_to_end()
    assert model.services["crossing_assist"].outages


def test_a_fallen_dispatch_assigns_calls_by_hand_later() -> None:
    """Dispatch down for the first half hour: each call then waits exactly
    ``manual_dispatch_delay`` for its ambulance (the fleet is never short), calls after it
    none; the mean response rises by about that delay times the share of calls hit."""
    scenario = build(
        **{**DISTRICT, "warmup": "0"},
        emergency={"incidents_per_hour": 40, "ambulances": 40},
        security={"manual_dispatch_delay": "2min"},
    )

    def run(down):
        model = CityModel(scenario)
        take_down(model, down)
        model.run_to_end()
        return collect(model, {})

    plain, hit = run({}), run({"dispatch": [(0.0, 1800.0)]})
    incidents = hit.tables["incidents"]
    waited = incidents["dispatch_s"] - incidents["call_s"]
    manual = incidents["call_s"] < 1800.0
    assert manual.sum() > 5 and (~manual).sum() > 5
    assert waited[manual] == pytest.approx(120.0)
    assert waited[~manual] == pytest.approx(0.0)
    assert (plain.tables["incidents"]["call_s"] == incidents["call_s"]).all()  # same calls
    expected = 120.0 * manual.mean()
    increase = (
        hit.metrics["efficiency"]["emergency_response_s_mean"]
        - plain.metrics["efficiency"]["emergency_response_s_mean"]
    )
    assert increase == pytest.approx(expected, abs=0.25 * expected)
