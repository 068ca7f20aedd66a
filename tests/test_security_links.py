"""Links as the services need them, and one vendor model for privacy and security."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.statistics import mean_interval
from twin.scenario import load_scenario
from twin.scenario.policy import Policy, Vendor
from twin.scenario.security import Attack, Security
from twin.scenario.vendors import vendor_model
from twin.security import replicate_attacks
from twin.simulation.model import CityModel

SMALL = ["duration=20min", "warmup=5min", "population.residents=200", "city.rows=3", "city.cols=3"]


def city(method: str, *more: str) -> CityModel:
    scenario = load_scenario(
        "scenarios/baseline.yaml", [*SMALL, f"services.crossing_assist={method}", *more]
    )
    return CityModel(scenario)


@pytest.mark.parametrize("method", ["radar", "push_button", "camera_ai"])
def test_no_controller_reaches_another_directly(method: str) -> None:
    graph = city(method).attack_plan.graph
    for u, v in graph.edges:
        assert not (u.startswith("signal_controllers:") and v.startswith("signal_controllers:"))


def test_siloed_radar_and_camera_expose_the_controllers_alike() -> None:
    # The repro at graph level: one controller intrusion in the siloed baseline
    # (4 x 4; with a controller mesh, radar reached 94 % of components, cameras 15 %).
    attack = Attack(at=600, entry="signal_controllers:5", duration=900)
    intervals = {}
    for method in ("radar", "camera_ai"):
        graph = city(method, "city.rows=4", "city.cols=4").attack_plan.graph
        draws = replicate_attacks(graph, [attack], Security(), 300, np.random.default_rng(5))
        shares = [len(d.compromised) / graph.number_of_nodes() for d in draws]
        intervals[method] = mean_interval(shares, (0.0, 1.0))
    radar, camera = intervals["radar"], intervals["camera_ai"]
    assert radar.low <= camera.mean <= radar.high  # type: ignore[operator]
    assert camera.low <= radar.mean <= camera.high  # type: ignore[operator]


def test_one_vendor_model_for_privacy_and_the_attack_graph() -> None:
    # The policy names the cloud's vendor "Acme", untrusted: the graph has no second,
    # trusted vendor "camera"; the sidewalk cameras sending it video are Acme's products,
    # and the sidewalk-heating records it receives are reached by an untrusted vendor.
    model = city(
        "camera_ai",
        "services.sidewalk_heating.share=0.5",
        "services.sidewalk_heating.activation=occupancy_camera",
        "policy.vendors.camera_vendor_cloud.name=Acme",
        "policy.vendors.camera_vendor_cloud.trusted=false",
    )
    graph = model.attack_plan.graph
    clouds = [n for n in graph if graph.nodes[n]["component"].zone.startswith("vendor:")]
    assert clouds == ["camera_vendor_cloud"]
    cloud = graph.nodes["camera_vendor_cloud"]["component"]
    assert (cloud.zone, cloud.vendor, cloud.trusted) == ("vendor:Acme", "Acme", False)
    for product in ("crossing_cameras", "sidewalk_cameras"):
        component = graph.nodes[product]["component"]
        assert (component.vendor, component.trusted) == ("Acme", False)
        assert graph.edges["camera_vendor_cloud", product]["path"] == "vendor remote access"
    vendors = vendor_model(
        model.spec.policy,
        {n: s.system for n, s in model.sensing.sensors.items()},
        [(k.source, k.target) for k in model.sensing.links],
    )
    assert vendors.untrusted_reach("camera_vendor_cloud")
    assert vendors.untrusted_reach("sidewalk_heating")
    assert not vendors.untrusted_reach("signal_controllers")


def test_vendor_model_by_hand() -> None:
    policy = Policy(vendors={"signal_controllers": Vendor(name="Siemens", trusted=True)})
    vendors = vendor_model(
        policy,
        {"loops": "signal_controllers", "app": "app_vendor_cloud"},
        [("app", "app_vendor_cloud")],
    )
    assert vendors.runs == {"signal_controllers": "Siemens", "app_vendor_cloud": "app"}
    assert vendors.supplies == {"loops": "Siemens", "app": "app"}
    assert vendors.cloud_of("Siemens") == "Siemens_vendor_cloud"  # remote maintenance
    assert vendors.cloud_of("app") == "app_vendor_cloud"
    assert not vendors.untrusted_reach("signal_controllers")
