"""End to end through ``twin.run``: which sensing methods expose whom, and how policy moves it.

Every run computes ``metrics.json`` -> ``privacy`` from the sensing registry and the
policy; these tests read it the way a user does.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import twin
from tests.conftest import build
from twin.cli import main
from twin.simulation.runner import RunResult

DAY = {
    "duration": "1d",
    "city": {"rows": 3, "cols": 3},
    "demand": {"vehicles_per_hour": 200, "pedestrians_per_hour": 150},
}


@cache
def _result(
    assist: str = "radar",
    method: str = "none",
    opt_in_rate: float = 0.3,
    policy: tuple[tuple[str, Any], ...] = (),
    travel_times: bool = True,
) -> RunResult:
    # two days of store history: steady state, kept short (a month: test_steady_state.py)
    sections: dict[str, Any] = {"consent": {"opt_in_rate": opt_in_rate}, "history": "2d"}
    for path, value in policy:  # ("retention.direct", "1h") -> nested
        *parents, leaf = path.split(".")
        node = sections
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    scenario = build(
        **DAY,
        services={
            "crossing_assist": assist,
            "traffic_monitoring": {"method": method, "travel_times": travel_times},
        },
        policy=sections,
    )
    return twin.run(scenario)


def _privacy(*args: Any, **kwargs: Any) -> dict[str, Any]:
    privacy = _result(*args, **kwargs).metrics["privacy"]
    assert isinstance(privacy, dict)
    return privacy


def test_anonymous_methods_expose_nobody() -> None:
    for assist, method in (("radar", "none"), ("push_button", "loops"), ("radar", "loops")):
        metrics = _privacy(assist, method)
        # radar observes nobody at all; push buttons and loops keep anonymous counts
        assert (metrics["records_observed"] > 0) == (method == "loops"), (assist, method)
        assert metrics["identifiable_records_retained"] == 0
        assert metrics["persons_exposed"] == 0 and metrics["persons_exposed_share"] == 0.0
        assert metrics["sensitive_persons_exposed"] == 0
        # nothing to measure: no resident was ever observed
        assert metrics["unicity_p4"] is None and metrics["reidentification_risk_mean"] is None


def test_cameras_expose_sensitive_data() -> None:
    camera = _privacy("camera_ai")
    assert camera["persons_exposed"] > 0 and camera["sensitive_persons_exposed"] > 0
    video = _privacy("radar", "video_analytics")
    assert video["sensitive_persons_exposed"] > 0
    model = _result("radar", "video_analytics").services["traffic_monitoring"].context.model
    impaired = sum(r.impaired for r in model.residents)  # type: ignore[attr-defined]
    assert video["sensitive_persons_exposed"] <= impaired  # video flags only the truly impaired
    anpr = _privacy("radar", "anpr")
    assert anpr["persons_exposed"] > 0 and anpr["sensitive_persons_exposed"] == 0


def test_plates_lead_to_car_owners_only() -> None:
    result = _result("radar", "anpr")
    model = result.services["traffic_monitoring"].context.model
    n = len(model.residents)  # type: ignore[attr-defined]
    owners = model.vehicle_owners  # type: ignore[attr-defined]
    passages = result.tables["vehicle_passages"]
    observations = result.tables["observations"]
    # share 1.0: every passage is one plate read, about the trip's owner
    assert len(observations["time_s"]) == len(passages["time_s"])
    trip_owner = owners[passages["trip"].astype(int) - 1]
    ids = np.array([r.unique_id for r in model.residents])  # type: ignore[attr-defined]
    read = observations["subject"].astype(np.int64)
    residents_read = np.isin(read, ids)
    assert residents_read.sum() == (trip_owner < n).sum()  # residents' cars
    assert (~residents_read).sum() == (trip_owner >= n).sum() > 0  # visitors' plates too
    exposed = result.metrics["privacy"]["persons_exposed"]  # type: ignore[index]
    assert exposed == len(np.unique(trip_owner[trip_owner < n]))


def test_the_exposure_series_joins_the_time_series() -> None:
    result = _result("camera_ai")
    series = result.series
    exposed = series["persons_exposed"]
    assert len(exposed) == len(series["time_s"])
    assert np.all(np.diff(exposed) >= 0)  # kept 31 days: never drops within a day
    final = result.metrics["privacy"]["persons_exposed"]  # type: ignore[index]
    assert 0 < exposed[-1] <= final
    assert np.array_equal(series["persons_exposed_camera_vendor_cloud"], exposed)


def test_bluetooth_sees_a_share_of_devices() -> None:
    anpr, bluetooth = _privacy("radar", "anpr"), _privacy("radar", "bluetooth")
    assert 0 < bluetooth["identifiable_records_retained"] < anpr["identifiable_records_retained"]
    assert bluetooth["persons_exposed"] > 0


def test_opt_in_rate_zero_means_the_app_observes_nobody() -> None:
    nobody = _privacy("opt_in_app", opt_in_rate=0.0)
    assert nobody["records_observed"] == 0 and nobody["persons_exposed"] == 0
    some = _privacy("opt_in_app", opt_in_rate=0.5)
    assert some["persons_exposed"] > 0
    assert some["nonconsenting_persons_exposed"] == 0


@pytest.mark.slow  # whole simulated days under several policies
def test_monitoring_changes_traffic_only_through_published_travel_times() -> None:
    """Counting sensors never act on the traffic: same delays. Sensors that measure travel
    times change it only when they publish them to drivers (who then re-route)."""
    reference = _result("radar", "none").metrics["efficiency"]
    assert _result("radar", "loops").metrics["efficiency"] == reference
    for method in ("bluetooth", "anpr", "video_analytics"):
        quiet = _result("radar", method, travel_times=False).metrics["efficiency"]
        assert quiet == reference, method


def test_zero_retention_keeps_nothing_identifiable() -> None:
    policy = (("retention.direct", 0), ("retention.persistent", 0))
    metrics = _privacy("camera_ai", "video_analytics", policy=policy)
    assert metrics["records_observed"] > 0
    assert metrics["identifiable_records_retained"] == 0 and metrics["persons_exposed"] == 0
    assert metrics["identifiable_record_days"] == 0.0


@pytest.mark.slow  # whole simulated days under several policies
def test_exposure_grows_with_retention() -> None:
    outcomes = [
        _privacy("radar", "anpr", policy=(("retention.direct", keep),))
        for keep in ("1h", "6h", "forever")
    ]
    for key in ("identifiable_records_retained", "identifiable_record_days", "persons_exposed"):
        values = [o[key] for o in outcomes]
        assert values[0] < values[1] < values[2], (key, values)


def test_aggregation_leaves_no_unicity_and_no_linkage() -> None:
    metrics = _privacy("camera_ai", "video_analytics", policy=(("anonymisation", "aggregate"),))
    assert metrics["records_observed"] > 0 and metrics["persons_exposed"] == 0
    assert metrics["unicity_p2"] == metrics["unicity_p4"] == 0.0
    assert metrics["linkable_persons_share"] == 0.0


@pytest.mark.slow  # whole simulated days under several policies
def test_linkability_follows_integration() -> None:
    shares = [
        _privacy("camera_ai", "video_analytics", policy=(("integration", how),))[
            "linkable_persons_share"
        ]
        for how in ("siloed", "federated", "integrated")
    ]
    assert shares[0] <= shares[1] <= shares[2]
    assert shares[0] == 0.0 < shares[2]


def test_the_policy_reaches_the_log_and_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    args = ["run", "scenarios/aizuwakamatsu_opt_in.yaml", "--quiet", "--out", str(tmp_path)]
    args += ["--set", "duration=10min", "--set", "warmup=0"]
    args += ["--set", "policy.retention.direct=1d", "--set", "policy.vendors.nowhere.name=X"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "policy.retention.direct: no sensor produces direct records" in err
    assert "policy.vendors.nowhere: no deployed sensor belongs" in err
    log = (tmp_path / "run.log").read_text()
    assert "warning: policy.retention.direct" in log
    report = (tmp_path / "report.md").read_text()
    assert "Integration (siloed): each system keeps its own data" in report
    assert "pseudonyms that change every 1 day" in report
    assert "app_vendor_cloud is run by CityApp" in report and "Run by CityApp." in report
    # the app's account ids are pseudonymised: kept as long as pseudonymous records (1 day)
    assert "Consent: 30% of residents opted in" in report and "Kept for: 1 day." in report
    metrics = json.loads((tmp_path / "metrics.json").read_text())["privacy"]
    exposed = metrics["persons_exposed"]
    said = f"{exposed:,} of 2,000 residents" if exposed else "none of 2,000 residents"
    assert f"the data kept singles out {said}" in report
    assert "| residents exposed (identifiable data kept), lower is better |" in report
    series = (tmp_path / "timeseries.csv").read_text().splitlines()[0].split(",")
    assert {"persons_exposed", "persons_exposed_app_vendor_cloud"} <= set(series)
    assert (tmp_path / "plots" / "privacy_exposure.png").is_file()


def test_monitoring_that_cannot_act_warns() -> None:
    from twin.simulation.runner import scenario_warnings

    off = build(services={"traffic_monitoring": {"method": "anpr", "share": 0.0}})
    assert any("no intersection is equipped" in w for w in scenario_warnings(off))
    blind = build(
        services={"traffic_monitoring": {"method": "bluetooth", "detection_probability": 0.0}}
    )
    assert any("no device is ever read" in w for w in scenario_warnings(blind))
    fine = build(services={"traffic_monitoring": {"method": "loops"}})
    assert scenario_warnings(fine) == []


def test_surveillance_default_exposes_more_than_the_opt_in_city() -> None:
    results = {}
    for name in ("aizuwakamatsu_opt_in", "surveillance_default"):
        changes = {"duration": "6h", "warmup": 0, "policy.history": "1d"}
        result = twin.run(twin.load(f"scenarios/{name}.yaml", changes))
        assert result.warnings == []
        results[name] = result.metrics["privacy"]
    opt_in, surveillance = results["aizuwakamatsu_opt_in"], results["surveillance_default"]
    for key in ("persons_exposed", "sensitive_persons_exposed", "untrusted_vendor_records"):
        assert surveillance[key] > opt_in[key], key
    assert opt_in["nonconsenting_persons_exposed"] == 0
    assert surveillance["linkable_persons_share"] > 0 and opt_in["linkable_persons_share"] == 0


def test_compare_draws_efficiency_against_real_privacy_metrics(tmp_path: Path) -> None:
    """A retention sweep: efficiency does not move, privacy does; the default axes say so."""
    from twin.sweep.db import ResultsDB, RunRow, flatten_metrics
    from twin.sweep.table import load_table
    from twin.sweep.tradeoffs import default_axes

    db_path = tmp_path / "retention.sqlite"
    with ResultsDB(db_path) as db:
        for combination, keep in enumerate(("1h", "forever")):
            for replication in range(2):
                scenario = build(
                    duration="3h",
                    seed=replication + 1,
                    city={"rows": 2, "cols": 2},
                    services={"traffic_monitoring": {"method": "anpr"}},
                    policy={"retention": {"direct": keep}, "history": "1d"},
                )
                metrics = twin.run(scenario).metrics
                params = {"policy.retention.direct": keep}
                row = RunRow(
                    f"{keep}{replication}", "retention", "base", None, combination, params,
                    replication, replication + 1, "ok", None, 0.0, 1.0, 1.0, "test",
                )  # fmt: skip
                db.record(row, flatten_metrics(metrics))
        table = load_table(db)
    assert "privacy.persons_exposed" in table.metrics
    # retention cannot change the traffic: every efficiency metric ties, the headline wins;
    # the privacy headline separates the two retentions, so it is drawn too
    assert table.share("privacy.persons_exposed_share") >= 0.1
    assert default_axes(table) == [
        ("efficiency.vehicle_delay_s_mean", "privacy.persons_exposed_share")
    ]
    assert main(["compare", str(db_path), "--out", str(tmp_path / "cmp")]) == 0


def test_the_memory_estimate_counts_the_records() -> None:
    from twin.simulation.capacity import expected_observations

    for assist, method in (("camera_ai", "video_analytics"), ("radar", "anpr"), ("radar", "none")):
        result = _result(assist, method)
        observed = result.metrics["privacy"]["records_observed"]  # type: ignore[index]
        expected = expected_observations(result.scenario)
        assert (observed == 0) == (expected == 0), method
        assert 0.8 * observed <= expected <= 1.25 * observed, (method, observed, expected)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["aizuwakamatsu_opt_in", "surveillance_default"])
def test_the_privacy_scenarios_run_their_three_days(name: str) -> None:
    """The scenarios as shipped (the figures in docs/privacy.md)."""
    result = twin.run(twin.load(f"scenarios/{name}.yaml"))
    assert result.scenario.duration == 3 * 86_400 and result.warnings == []
    privacy = result.metrics["privacy"]
    assert isinstance(privacy, dict)
    share = privacy["persons_exposed_share"]
    if name == "aizuwakamatsu_opt_in":  # only the 30 % who opted in, never anyone else
        assert 0 < share <= 0.35 and privacy["nonconsenting_persons_exposed"] == 0
        assert privacy["sensitive_persons_exposed"] == 0  # they keep mobility needs out
    else:  # everyone who crossed or drove past a camera, kept forever
        assert share > 0.9 and privacy["linkable_persons_share"] > 0.9
    assert privacy["unicity_p4"] is not None and privacy["reidentification_risk_mean"] > 0


@pytest.mark.slow  # whole simulated days under several policies
def test_pseudonym_rotation_never_makes_two_points_beat_four() -> None:
    """Days of plates: a daily pseudonym cuts each trace at midnight. Per trace (de
    Montjoye), a day of habitual places still singles most cars out, so rotation hides
    less than a person-level reading suggested; two points never beat four."""
    outcomes = {}
    for rotation in ("1d", "30d"):
        scenario = build(
            duration="3d",
            seed=3,
            city={"rows": 3, "cols": 3},
            demand={"vehicles_per_hour": 200, "pedestrians_per_hour": 0},
            services={"traffic_monitoring": {"method": "anpr"}},
            policy={
                "anonymisation": "pseudonymise",
                "pseudonym_rotation": rotation,
                "history": "2d",
            },
        )
        outcomes[rotation] = twin.run(scenario).metrics["privacy"]
    daily, monthly = outcomes["1d"], outcomes["30d"]
    assert daily["persons_exposed"] == monthly["persons_exposed"] > 0  # same records kept
    for metrics in (daily, monthly):
        assert metrics["unicity_p2"] <= metrics["unicity_p4"]
        assert metrics["unicity_p2_persons"] <= metrics["unicity_p4_persons"]
    assert daily["reidentification_risk_mean"] <= monthly["reidentification_risk_mean"]
    assert daily["linkable_persons_share"] == monthly["linkable_persons_share"] == 0.0


@pytest.mark.slow  # whole simulated days under several policies
def test_same_seed_same_privacy_section() -> None:
    scenario = build(
        duration="2h",
        services={"crossing_assist": "camera_ai", "traffic_monitoring": {"method": "bluetooth"}},
        policy={"history": "2d"},
    )
    first, second = twin.run(scenario), twin.run(scenario)
    assert first.metrics["privacy"] == second.metrics["privacy"]
    assert first.metrics["privacy"]["persons_exposed"] > 0  # type: ignore[index]
    for name, column in first.series.items():
        np.testing.assert_array_equal(column, second.series[name])


def test_validate_warns_of_a_vendor_for_a_system_the_city_lacks(capsys) -> None:
    """The vendor warning needs only the deployed sensors, so validate builds the city
    (without running it) and says it; the run says it too (above)."""
    args = ["validate", "scenarios/aizuwakamatsu_opt_in.yaml"]
    assert main([*args, "--set", "policy.vendors.nowhere.name=X"]) == 0
    err = capsys.readouterr().err
    assert "warning: policy.vendors.nowhere: no deployed sensor belongs to this system" in err
    assert main([*args, "--set", "policy.vendors.app_vendor_cloud.name=X"]) == 0
    assert "policy.vendors" not in capsys.readouterr().err  # the app's cloud is deployed


def test_each_resident_shares_only_the_kinds_they_chose() -> None:
    """Everyone opts in; half share their trips, half their mobility needs, each drawn
    per resident: the app keeps an account's trips only for those who share them, and
    reduced mobility only for those who share both."""
    result = _result(
        "opt_in_app",
        opt_in_rate=1.0,
        policy=(("consent.share_trips", 0.5), ("consent.share_mobility_needs", 0.5)),
    )
    assert result.privacy is not None
    persons, records = result.privacy.persons, result.privacy.records
    trips, needs = persons.shares["trips"], persons.shares["mobility_needs"]
    assert 0.35 < trips.mean() < 0.65 and 0.35 < needs.mean() < 0.65
    named = (records.subject >= 0) & (records.person >= 0) & (records.person < len(persons))
    in_trip_records = np.unique(records.person[named])
    in_health_records = np.unique(records.person[named & records.sensitive])
    assert np.isin(in_trip_records, np.flatnonzero(trips)).all()
    # a resident who shares trips but not their mobility needs: in trip records, no health
    trips_only = np.flatnonzero(trips & ~needs & persons.impaired)
    assert len(np.intersect1d(trips_only, in_trip_records)) > 0
    assert len(np.intersect1d(trips_only, in_health_records)) == 0
    assert np.isin(in_health_records, np.flatnonzero(trips & needs & persons.impaired)).all()
    assert result.metrics["privacy"]["nonconsenting_persons_exposed"] == 0  # type: ignore[index]


def test_opting_in_to_an_app_is_no_consent_to_cameras() -> None:
    for rate in (0.0, 1.0):
        privacy = _privacy("camera_ai", opt_in_rate=rate)
        assert privacy["nonconsenting_persons_exposed"] == privacy["persons_exposed"] > 0
        assert privacy["directly_identified"] == privacy["persons_exposed"]


def test_a_short_run_starts_with_stores_at_steady_state() -> None:
    """Two hours with 1-day retention: the stores already hold the day before, from the
    residents' routines; an attack at the start steals a day, not nothing."""
    scenario = build(
        duration="2h",
        city={"rows": 3, "cols": 3},
        demand={"vehicles_per_hour": 200, "pedestrians_per_hour": 150},
        services={"crossing_assist": "camera_ai", "traffic_monitoring": {"method": "anpr"}},
        policy={"retention": {"direct": "1d"}},
    )
    result = twin.run(scenario)
    assert result.privacy is not None
    privacy = result.metrics["privacy"]
    records = result.privacy.records
    before = records.time_s < 0
    assert privacy["history_days"] == 1  # type: ignore[index]
    assert records.time_s[before].min() >= -86_400.0 and before.sum() > (~before).sum()
    # residents the run never saw are exposed by the day before
    assert len(np.unique(records.person[before])) > len(np.unique(records.person[~before]))
    # nothing from before is counted as observed during the run
    assert privacy["records_observed"] == int((~before).sum())  # type: ignore[index]
    empty = twin.run(scenario.with_changes({"policy.history": 0}))
    assert empty.metrics["privacy"]["history_days"] == 0  # type: ignore[index]
    assert (
        empty.metrics["privacy"]["persons_exposed"] < privacy["persons_exposed"]  # type: ignore[index]
    )


def test_the_vehicle_owners_are_drawn_again_exactly() -> None:
    from twin.digital.steady_state import _car_habits
    from twin.simulation.model import CityModel

    model = CityModel(build(**DAY, services={"traffic_monitoring": {"method": "anpr"}}))
    model.run_to_end()
    owners, habits = _car_habits(model)
    np.testing.assert_array_equal(owners, model.vehicle_owners)
    resident = owners < len(model.residents)
    assert set(owners[resident].tolist()) <= set(habits.owner.tolist())


def test_the_results_folder_says_who_the_persons_are(tmp_path: Path) -> None:
    args = ["run", "scenarios/baseline.yaml", "--out", str(tmp_path), "--no-plots", "--quiet"]
    args += ["--set", "duration=1h", "--set", "services.crossing_assist=opt_in_app"]
    args += ["--set", "policy.history=1d"]
    assert main([*args, "--trajectories"]) == 0
    persons = np.genfromtxt(tmp_path / "persons.csv", delimiter=",", names=True, dtype=int)
    residents = persons[persons["resident"] == 1]
    scenario = twin.load("scenarios/baseline.yaml")
    assert len(residents) == scenario.population.residents
    assert (residents["shares_trips"] <= residents["opted_in"]).all()
    assert (residents["home"] >= 0).all()
    header = (tmp_path / "trajectories.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["uid", "lat", "lng", "datetime"]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    rows = (tmp_path / "trajectories.csv").read_text().splitlines()[1:]
    assert len(rows) == metrics["privacy"]["identifiable_records_retained"]
