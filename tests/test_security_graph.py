"""The integration graph and the attack spread (graph and spread level)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.sensing import ANONYMOUS, EVERYONE, FACE, NOBODY, Link, Sensor
from twin.errors import TwinError
from twin.scenario.policy import Policy, Vendor
from twin.scenario.security import Attack, Security
from twin.scenario.vendors import vendor_model
from twin.security import (
    build_component_graph,
    components_json,
    merge_intervals,
    replicate_attacks,
    resolve_entry,
    spread,
    write_components,
)
from twin.services.base import Part

INTERSECTIONS = 16
REPLICATIONS = 200

#: What the services declare for camera crossing assist with driver alerts, emergency
#: preemption and camera-activated sidewalk heating (as CityModel registers them).
SENSORS = (
    Sensor("crossing_cameras", "crossing_assist", "camera_ai", EVERYONE, FACE,
           ("disability",), "camera_vendor_cloud", 64),
    Sensor("sidewalk_cameras", "sidewalk_heating", "occupancy_camera", EVERYONE, FACE, (),
           "sidewalk_heating", 20),
    Sensor("preemption_detectors", "emergency_preemption", "emitter_detection", NOBODY,
           ANONYMOUS, (), "signal_controllers", 16),
)  # fmt: skip
#: ... and the parts they declare (``Service.parts``), in the services' order.
PARTS = (
    Part("signal_controllers", "traffic", ("signal_control",), sites=tuple(range(16)),
         keeps_records=True, reached_through="traffic_management"),
    Part("traffic_management", "traffic", ("signal_control",)),
    Part("crossing_cameras", "crossing_assist", ("crossing_assist",)),
    Part("roadside_units", "v2x", ("driver_alerts",)),
    Part("connected_vehicles", "v2x", ("driver_alerts",)),
    Part("sidewalk_cameras", "sidewalk_heating", ("sidewalk_heating",)),
    Part("heating_controller", "sidewalk_heating", ("sidewalk_heating",)),
    Part("dispatch", "emergency", ("emergency_response",)),
    Part("ambulances", "emergency", ("emergency_response",)),
    Part("preemption_detectors", "emergency_preemption", ("emergency_preemption",)),
)  # fmt: skip
LINKS = (
    Link("traffic_management", "signal_controllers", "signal timing plans"),
    Link("crossing_cameras", "camera_vendor_cloud", "recognise pedestrians who need more time"),
    Link("camera_vendor_cloud", "signal_controllers", "extend pedestrian clearance"),
    Link("camera_vendor_cloud", "roadside_units", "slow pedestrian on the crossing"),
    Link("roadside_units", "connected_vehicles", "driver alerts"),
    Link("sidewalk_cameras", "heating_controller", "switch heating"),
    Link("sidewalk_cameras", "camera_vendor_cloud", "video analytics"),
    Link("dispatch", "ambulances", "incident assignment"),
    Link("ambulances", "signal_controllers", "preemption requests"),
)


def graph(integration: str, trusted: bool = True, security: Security | None = None):
    policy = Policy(vendors={"camera_vendor_cloud": Vendor(name="camera", trusted=trusted)})
    vendors = vendor_model(
        policy, {s.name: s.system for s in SENSORS}, [(k.source, k.target) for k in LINKS]
    )
    return build_component_graph(
        PARTS, SENSORS, LINKS, integration, security or Security(), INTERSECTIONS, vendors
    )


def shares(g, entry: str, seed: int = 7) -> np.ndarray:
    attack = Attack(at=3600, entry=entry, duration=7200)
    outcomes = replicate_attacks(g, [attack], Security(), REPLICATIONS, np.random.default_rng(seed))
    return np.array([len(o.compromised) / g.number_of_nodes() for o in outcomes])


def interval(values: np.ndarray) -> tuple[float, float]:
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    return values.mean() - half, values.mean() + half


def test_components_and_paths_follow_the_policy() -> None:
    siloed, federated, integrated = (graph(p) for p in ("siloed", "federated", "integrated"))
    controllers = [n for n in siloed if n.startswith("signal_controllers:")]
    assert len(controllers) == INTERSECTIONS
    assert "integration_gateway" in federated and "integration_gateway" not in siloed
    assert "city_platform" in integrated and "city_platform" not in federated
    # Siloed: the camera exports to its vendor's cloud, one way only.
    export = siloed.edges["crossing_cameras", "camera_vendor_cloud"]
    assert export["path"] == "one-way export" and export["traversal"] == 0.05
    assert not siloed.has_edge("camera_vendor_cloud", "crossing_cameras") or (
        siloed.edges["camera_vendor_cloud", "crossing_cameras"]["path"] == "vendor remote access"
    )
    # Other zones reach the controllers only through the traffic management centre.
    assert not siloed.has_edge("ambulances", "signal_controllers:3")
    assert siloed.has_edge("ambulances", "traffic_management")
    # Integrated: the platform shares credentials with every component, both ways.
    for name in integrated:
        if name != "city_platform":
            assert integrated.edges[name, "city_platform"]["traversal"] == 0.8
            assert integrated.edges["city_platform", name]["traversal"] == 0.8
    cameras = siloed.nodes["crossing_cameras"]["component"]
    assert cameras.vendor == "camera" and cameras.services == ("crossing_assist",)
    assert siloed.nodes["signal_controllers:0"]["component"].vendor is None
    assert siloed.nodes["camera_vendor_cloud"]["component"].holds == ("camera_vendor_cloud",)


def test_hardening_and_vendor_trust_set_susceptibility() -> None:
    security = Security(security_levels={"traffic_management": 4})
    trusted = graph("siloed", security=security)
    untrusted = graph("siloed", trusted=False, security=security)
    assert trusted.nodes["traffic_management"]["component"].susceptibility == 0.1
    assert trusted.nodes["crossing_cameras"]["component"].susceptibility == 0.6
    assert untrusted.nodes["crossing_cameras"]["component"].susceptibility == pytest.approx(0.9)


def test_blast_radius_grows_with_integration() -> None:
    means, bounds = [], []
    for policy in ("siloed", "federated", "integrated"):
        values = shares(graph(policy), "crossing_cameras")
        means.append(values.mean())
        bounds.append(interval(values))
    assert means[0] < means[1] < means[2]
    assert bounds[0][1] < bounds[1][0] and bounds[1][1] < bounds[2][0]


def test_untrusted_vendor_entry_reaches_further() -> None:
    trusted = shares(graph("federated", trusted=True), "vendor:camera")
    untrusted = shares(graph("federated", trusted=False), "vendor:camera")
    assert interval(trusted)[1] < interval(untrusted)[0]


def test_spread_is_reproducible_and_bounded_by_the_attack() -> None:
    g = graph("integrated")
    first = spread(g, "crossing_cameras", 100.0, 700.0, 600.0, np.random.default_rng(3))
    again = spread(g, "crossing_cameras", 100.0, 700.0, 600.0, np.random.default_rng(3))
    assert first == again
    assert first["crossing_cameras"] == 100.0
    assert all(100.0 <= t < 700.0 for t in first.values())


def test_certain_paths_fall_in_path_order() -> None:
    # Every try succeeds: the chain falls whole, each component after the one before it.
    security = Security(susceptibility=(1.0, 1.0, 1.0, 1.0))
    g = graph("siloed", security=security)
    for u, v in g.edges:
        g.edges[u, v]["traversal"] = 1.0
    fallen = spread(g, "dispatch", 0.0, 1e9, 60.0, np.random.default_rng(0))
    assert fallen["dispatch"] == 0.0
    assert 0.0 < fallen["ambulances"] < fallen["traffic_management"]
    assert all(fallen[f"signal_controllers:{i}"] > fallen["traffic_management"] for i in range(16))


def test_entries_resolve_or_name_what_exists() -> None:
    g = graph("federated")
    assert resolve_entry(g, "vendor:camera") == ["camera_vendor_cloud"]
    assert len(resolve_entry(g, "signal_controllers")) == INTERSECTIONS
    assert len(resolve_entry(g, "random")) == g.number_of_nodes()
    with pytest.raises(TwinError, match="its vendors: vendor:camera"):
        resolve_entry(g, "vendor:acme")
    with pytest.raises(TwinError, match=r"not a component of this city; expected one of: amb"):
        resolve_entry(g, "toaster")
    with pytest.raises(TwinError, match=r"signal_controllers\[:0-15\], traffic_management"):
        resolve_entry(g, "toaster")


def test_effects_leaks_and_replications() -> None:
    assert merge_intervals([(5, 9), (0, 2), (1, 3), (9, 12)]) == [(0, 3), (5, 12)]
    g = graph("integrated")
    # visible: detected within about a minute, contained 95 min after that; restored
    # after a median of 2 h (no spread in the restoration time)
    security = Security(
        restoration_median=7200.0,
        restoration_log_sd=0.0,
        detection={"notice_median": 60.0, "monitored_median": 60.0},
    )
    attacks = [
        Attack(at=0, entry="dispatch", duration=600, effect="fail_safe_flash"),
        Attack(at=900, entry="dispatch", duration=600, effect="exfiltrate"),
    ]
    outcomes = replicate_attacks(g, attacks, security, 5, np.random.default_rng(1), True)
    for outcome in outcomes:
        # the flash attack: from 0 until its end (600 s) plus the 2 h restoration
        assert outcome.effects["fail_safe_flash"]["dispatch"] == [(0.0, 7800.0)]
        assert "exfiltrate" not in outcome.effects  # changes nothing in the running city
        assert all(g.nodes[name]["component"].holds for name in outcome.leaks)
        assert all(start >= 900.0 for spans in outcome.leaks.values() for start, _ in spans)
        first, _ = outcome.responses
        assert first.restoration_s == 7200.0
        assert first.contained_s == pytest.approx(first.detected_s + 95 * 60)
        # containment cut the emergency zone off until restored
        assert outcome.isolated["dispatch"][0][0] == pytest.approx(first.contained_s)
    # More replications keep the first ones' draws (child streams).
    more = replicate_attacks(g, attacks, security, 8, np.random.default_rng(1), True)
    assert [o.compromised for o in more[:5]] == [o.compromised for o in outcomes]


def test_an_insider_compromises_nothing_and_reads_its_stores() -> None:
    g = graph("siloed", trusted=False)
    attack = Attack(at=600, entry="vendor:camera", duration=1800, effect="insider")
    for outcome in replicate_attacks(g, [attack], Security(), 5, np.random.default_rng(2)):
        assert outcome.compromised == {} and outcome.effects == {}
        assert outcome.leaks["camera_vendor_cloud"][0][0] == 600.0


def test_components_json_round_trips(tmp_path) -> None:
    g = graph("federated")
    path = write_components(tmp_path / "components.json", g, {"dispatch": 0.25})
    data = json.loads(path.read_text())
    assert data["integration"] == "federated"
    assert data["components_total"] == g.number_of_nodes() == len(data["components"])
    fallen = {c["name"]: c["compromised_share"] for c in data["components"]}
    assert fallen["dispatch"] == 0.25 and fallen["ambulances"] == 0.0
    assert len(data["trust_paths"]) == g.number_of_edges()
    assert data == components_json(g, {"dispatch": 0.25})
    quiet = components_json(g)
    assert all(c["compromised_share"] is None for c in quiet["components"])


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="'flat' is not one of siloed, federated, integrated"):
        graph("flat")


def test_graph_drawing_highlights_the_compromised_part(tmp_path) -> None:
    from metrics.security_plots import plot_component_graph

    g = graph("integrated")
    fallen = spread(g, "dispatch", 0.0, 3600.0, 600.0, np.random.default_rng(2))
    path = plot_component_graph(g, dict.fromkeys(fallen, 1.0), tmp_path / "components.png")
    assert path.stat().st_size > 10_000


def test_security_section_with_and_without_attacks() -> None:
    from tests.conftest import build
    from twin.security.blast_radius import NO_ATTACKS, draw_attacks, security_section

    quiet = build()
    g = graph("integrated")
    outcomes = draw_attacks(g, quiet)
    assert outcomes == []
    assert security_section(quiet, g, outcomes)["note"] == NO_ATTACKS

    attacked = build(
        attacks=[{"at": "1h", "entry": "traffic_management", "duration": "1h"}],
        security={"attack_replications": 30},
    )
    outcomes = draw_attacks(g, attacked)
    again = draw_attacks(graph("integrated"), attacked)
    assert [o.compromised for o in outcomes] == [o.compromised for o in again]
    section = security_section(attacked, g, outcomes)
    assert section["replications"] == 30
    share = section["components_compromised_share"]
    assert share["n"] == 30 and share["ci_low"] <= share["mean"] <= share["ci_high"]
    assert share["ci_low"] >= 0 and share["ci_high"] <= 1
    assert "signal_control" in section["services_disrupted"]
    # The centre falls at 1 h; restoration has a median of 74 h: signal control is
    # lost from 1 h to the end of the 4 h run in nearly every draw.
    hours = section["service_hours_lost"]
    assert hours["mean"] >= 2.9
    assert section["detected_in_run_share"]["method"] == "exact_binomial"


def test_attack_timeline_plot(tmp_path) -> None:
    from metrics.security_plots import plot_attack_timeline

    t = np.arange(0.0, 7200.0, 300.0)
    base = {"time_s": t, "vehicle_delay_s_mean": np.full(t.size, 12.0), "vehicles_queued": t * 0}
    hit = [
        {**base, "vehicle_delay_s_mean": np.where((t >= 1800) & (t < 3600), peak, 12.0)}
        for peak in (150.0, 200.0, 260.0)
    ]
    path = plot_attack_timeline(hit, base, [(1800.0, 3600.0)], tmp_path / "attack.png", 7.0)
    assert path.stat().st_size > 10_000


def test_compromised_share_plot(tmp_path) -> None:
    from metrics.security_plots import plot_compromised_share

    path = plot_compromised_share([0.04] * 80 + [0.5] * 20, tmp_path / "share.png", (0.1, 0.2))
    assert path.stat().st_size > 10_000
