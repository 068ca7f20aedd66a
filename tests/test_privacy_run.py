"""End to end: which sensing methods expose whom, on the same simulated residents."""

from __future__ import annotations

from functools import cache

import numpy as np

from tests.conftest import build
from twin.digital.run_privacy import privacy_of_run
from twin.digital.traffic_monitoring import MonitoringSettings
from twin.model import CityModel


@cache
def _run(crossing_assist: str, opt_in_rate: float = 0.3) -> CityModel:
    scenario = build(
        duration="1d",
        city={"rows": 3, "cols": 3},
        demand={"vehicles_per_hour": 200, "pedestrians_per_hour": 150},
        services={"crossing_assist": crossing_assist},
        policy={"consent": {"opt_in_rate": opt_in_rate}},
    )
    model = CityModel(scenario)
    model.run_to_end()
    return model


def _privacy(crossing_assist: str, method: str = "none", opt_in_rate: float = 0.3):
    model = _run(crossing_assist, opt_in_rate)
    return privacy_of_run(model, MonitoringSettings(method=method)).metrics


def test_anonymous_methods_expose_nobody() -> None:
    for assist, method in (("radar", "none"), ("push_button", "loops"), ("radar", "loops")):
        metrics = _privacy(assist, method)
        # radar observes nobody at all; push buttons and loops keep anonymous counts
        assert (metrics["records_observed"] > 0) == (method == "loops"), (assist, method)
        assert metrics["identifiable_records_retained"] == 0
        assert metrics["persons_exposed"] == 0
        assert metrics["sensitive_persons_exposed"] == 0
        assert metrics["unicity_p4"] in (0.0, None)


def test_cameras_expose_sensitive_data() -> None:
    camera = _privacy("camera_ai")
    assert camera["persons_exposed"] > 0 and camera["sensitive_persons_exposed"] > 0
    video = _privacy("radar", "video_analytics")
    assert video["sensitive_persons_exposed"] > 0
    model = _run("radar")
    impaired = sum(r.impaired for r in model.residents)
    assert video["sensitive_persons_exposed"] <= impaired  # video flags only the truly impaired
    anpr = _privacy("radar", "anpr")
    assert anpr["persons_exposed"] > 0 and anpr["sensitive_persons_exposed"] == 0


def test_plates_lead_to_car_owners_only() -> None:
    model = _run("radar")
    outcome = privacy_of_run(model, MonitoringSettings(method="anpr"))
    records = outcome.records
    people = np.unique(records.person[records.subject >= 0])
    residents = people[people < len(model.residents)]
    owners = model.vehicle_owners
    assert set(residents.tolist()) <= set(owners[owners < len(model.residents)].tolist())
    assert (people >= len(model.residents)).any()  # visitors' plates are read too
    # every passage at an equipped node of a resident's car is one record about them
    passages = model.traffic.passages.arrays()
    trips_by_owner = owners[passages["trip"].astype(int) - 1]
    assert len(records) == len(passages["trip"])  # share 1.0: every intersection equipped
    assert np.array_equal(np.sort(records.person), np.sort(trips_by_owner))


def test_the_exposure_series_ends_at_the_persons_exposed() -> None:
    outcome = privacy_of_run(_run("camera_ai"))
    series = outcome.series
    assert series["time_s"][-1] == 86_400.0
    assert series["persons_exposed"][-1] == outcome.metrics["persons_exposed"] > 0
    assert np.all(np.diff(series["persons_exposed"]) >= 0)  # kept 31 days: never drops in a day
    assert np.array_equal(series["persons_exposed_camera_vendor_cloud"], series["persons_exposed"])


def test_bluetooth_sees_a_share_of_devices() -> None:
    model = _run("radar")
    anpr = privacy_of_run(model, MonitoringSettings(method="anpr")).metrics
    bluetooth = privacy_of_run(model, MonitoringSettings(method="bluetooth")).metrics
    assert 0 < bluetooth["identifiable_records_retained"] < anpr["identifiable_records_retained"]
    assert bluetooth["persons_exposed"] > 0


def test_opt_in_rate_zero_means_the_app_observes_nobody() -> None:
    nobody = _privacy("opt_in_app", opt_in_rate=0.0)
    assert nobody["records_observed"] == 0 and nobody["persons_exposed"] == 0
    some = _privacy("opt_in_app", opt_in_rate=0.5)
    assert some["persons_exposed"] > 0
    assert some["nonconsenting_persons_exposed"] == 0


def test_surveillance_default_exposes_more_than_the_opt_in_city() -> None:
    from twin.scenario import load_scenario

    results = {}
    for name in ("aizuwakamatsu_opt_in", "surveillance_default"):
        scenario = load_scenario(f"scenarios/{name}.yaml", ["duration=6h", "warmup=0"])
        model = CityModel(scenario)
        model.run_to_end()
        outcome = privacy_of_run(model)
        assert outcome.warnings == []
        results[name] = outcome.metrics
    opt_in, surveillance = results["aizuwakamatsu_opt_in"], results["surveillance_default"]
    for key in ("persons_exposed", "sensitive_persons_exposed", "untrusted_vendor_records"):
        assert surveillance[key] > opt_in[key], key
    assert opt_in["nonconsenting_persons_exposed"] == 0
    assert surveillance["linkable_persons_share"] > 0 and opt_in["linkable_persons_share"] == 0
