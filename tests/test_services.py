"""Each city service moves its outcome the right way, for the right reason."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from agents.sensing import ANONYMOUS, EVERYONE, FACE, NOBODY, OPTED_IN
from tests.conftest import build
from twin.errors import ScenarioError
from twin.scenario import load_scenario
from twin.simulation.model import CityModel
from twin.simulation.runner import RunResult, run_scenario

SEEDS = range(3)
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _corridor(seed: int, preemption: bool) -> RunResult:
    return run_scenario(
        load_scenario(
            SCENARIOS / "emergency_corridor.yaml",
            [
                f"seed={seed}",
                "duration=4h",
                f"services.preemption={str(preemption).lower()}",
                "policy.history=0",  # the stores before the run move no vehicle
            ],
        )
    )


@pytest.fixture(scope="module")
def corridor() -> dict[bool, list[RunResult]]:
    return {pre: [_corridor(seed, pre) for seed in SEEDS] for pre in (False, True)}


@pytest.mark.slow
def test_preemption_cuts_response_time_as_in_the_field(corridor) -> None:
    """Denver: -14 % to -23 %, Houston: -16 % and -23 % (docs/references.md).

    Below the field range at the realistic defaults: -9 % on these seeds (with left
    turns unopposed, turners not yielding and one queue per approach it was -22 %).
    On two-lane streets through traffic now passes waiting turners, so the queues an
    ambulance meets without preemption are shorter. The band pins that deviation."""
    off = np.array([r.metrics["efficiency"]["emergency_response_s_mean"] for r in corridor[False]])
    on = np.array([r.metrics["efficiency"]["emergency_response_s_mean"] for r in corridor[True]])
    assert all(r.metrics["efficiency"]["emergency_responses"] >= 15 for r in corridor[True])
    cut = 1 - on / off  # paired by seed: the same incidents, places and traffic demand
    mean, se = cut.mean(), cut.std(ddof=1) / math.sqrt(len(cut))
    assert mean - 2 * se > 0.0
    assert 0.05 <= mean <= 0.35


@pytest.mark.slow
def test_preemption_works_by_turning_signals_green(corridor) -> None:
    for off, on in zip(corridor[False], corridor[True], strict=True):
        lost_off = off.metrics["efficiency"]["emergency_signal_delay_s_mean"]
        lost_on = on.metrics["efficiency"]["emergency_signal_delay_s_mean"]
        # The time saved is time not lost at signals. Not all of it: detected 300 m (about
        # 22 s) ahead, a signal first lets pedestrians finish a 17 m crossing (16 s) and
        # runs yellow and all-red, and the queue ahead still has to move off (what a
        # cleared corridor adds: tests/test_data_buys.py).
        assert lost_on < 0.6 * lost_off
        assert off.tables["signal_phases"]["preempted"].sum() == 0
        assert on.tables["signal_phases"]["preempted"].sum() > 0
        # Safe transitions: pedestrians get their clearance (timed at 1.07 m/s), so a
        # preemption strands at most the odd walker slower than that: under 1 in 20
        # preempted phases (1 of 269 measured on these seeds); slow walkers on 17 m
        # crossings are stranded as often with or without preemption.
        preempted = on.tables["signal_phases"]["preempted"].sum()
        assert on.metrics["efficiency"]["stranded_crossings_at_preemption"] <= preempted / 20
        stranded_on = on.metrics["efficiency"]["stranded_crossings"]
        assert stranded_on <= 1.1 * off.metrics["efficiency"]["stranded_crossings"]
        # The cost lands on the other traffic.
        assert (
            on.metrics["efficiency"]["vehicle_delay_s_mean"]
            > off.metrics["efficiency"]["vehicle_delay_s_mean"]
        )


def test_preemption_is_declared_for_the_digital_layer() -> None:
    model = CityModel(
        load_scenario(SCENARIOS / "emergency_corridor.yaml", ["duration=10min", "warmup=0"])
    )
    links = {(link.source, link.target) for link in model.sensing.links}
    assert ("ambulances", "signal_controllers") in links
    model = CityModel(
        load_scenario(
            SCENARIOS / "emergency_corridor.yaml",
            ["duration=10min", "warmup=0", "services.preemption=false"],
        )
    )
    assert ("ambulances", "signal_controllers") not in {
        (link.source, link.target) for link in model.sensing.links
    }


def _crossings(mode: str, seed: int, alerts: bool = False, yielding: bool = True) -> RunResult:
    return run_scenario(
        load_scenario(
            SCENARIOS / "accessible_crossings.yaml",
            [
                f"seed={seed}",
                "duration=3h",
                f"services.crossing_assist={mode}",
                f"services.driver_alerts={str(alerts and mode != 'none').lower()}",
                f"signals.turns_yield_to_pedestrians={str(yielding).lower()}",
                "policy.history=0",  # the stores before the run move no pedestrian
            ],
        )
    )


MODES = ("none", "push_button", "opt_in_app", "camera_ai", "radar")


@pytest.fixture(scope="module")
def assisted() -> dict[str, list[RunResult]]:
    return {mode: [_crossings(mode, seed) for seed in SEEDS] for mode in MODES}


def _stranded(results: list[RunResult]) -> int:
    return sum(r.metrics["efficiency"]["stranded_impaired_crossings"] for r in results)


@pytest.mark.slow
def test_every_assist_mode_reduces_stranded_crossings(assisted) -> None:
    baseline = _stranded(assisted["none"])
    assert baseline >= 100
    for mode in MODES[1:]:
        # Poisson counts: the difference must exceed 3 standard deviations.
        count = _stranded(assisted[mode])
        assert baseline - count > 3 * math.sqrt(baseline + count), mode


@pytest.mark.slow
def test_radar_and_camera_catch_those_push_buttons_miss(assisted) -> None:
    pushed = _stranded(assisted["push_button"])
    for mode in ("radar", "camera_ai"):
        count = _stranded(assisted[mode])
        assert pushed - count > 2 * math.sqrt(pushed + count), mode
    # Push buttons fail those who do not press: most of their stranded were never detected
    # (among walkers the extended clearance is timed for; anyone slower than the assist
    # speed can be stranded however they press).
    stranded = np.concatenate(
        [
            c["detected"][
                (c["stranded"] == 1) & (c["speed_mps"] >= r.scenario.services.assist_speed_mps)
            ]
            for r in assisted["push_button"]
            for c in (r.tables["crossings"],)
        ]
    )
    assert stranded.size >= 5 and (stranded == 0).mean() > 0.8  # 8 of 8 measured


def test_assist_modes_declare_what_they_observe() -> None:
    expected = {
        "push_button": ("accessible_push_buttons", NOBODY, ANONYMOUS),
        "opt_in_app": ("crossing_app", OPTED_IN, 1),
        "camera_ai": ("crossing_cameras", EVERYONE, FACE),
        "radar": ("crosswalk_radar", NOBODY, ANONYMOUS),
    }
    for mode, (name, observes, identifiability) in expected.items():
        model = CityModel(
            load_scenario(
                SCENARIOS / "accessible_crossings.yaml",
                ["duration=30min", "warmup=0", f"services.crossing_assist={mode}"],
            )
        )
        model.run_to_end()
        sensor = model.sensing.sensors[name]
        assert (sensor.observes, sensor.identifiability) == (observes, identifiability)
        observed = model.sensing.log.arrays()
        crossings = model.crossing_log.arrays()
        subjects = set(observed["subject"].astype(int).tolist())
        if observes == NOBODY:
            assert len(observed["time_s"]) == 0
        elif observes == EVERYONE:  # one face per pedestrian reaching a curb
            assert len(observed["time_s"]) >= len(crossings["start_s"])
        else:  # only those who opted in
            opted = {r.unique_id for r in model.residents if r.opted_in}
            assert subjects and subjects <= opted


@pytest.mark.slow
def test_driver_alerts_reduce_conflicts_only_where_someone_was_detected() -> None:
    # Turning drivers who do not yield on their own: the alerts' case (drivers who do,
    # the default, leave alerts only stranded walkers to warn of).
    def run(mode: str, alerts: bool = False) -> RunResult:
        return _crossings(mode, 0, alerts, yielding=False)

    for mode in ("radar", "camera_ai"):
        quiet, alerted = run(mode), run(mode, alerts=True)
        before = quiet.metrics["efficiency"]["vehicle_pedestrian_conflicts"]
        after = alerted.metrics["efficiency"]["vehicle_pedestrian_conflicts"]
        avoided = alerted.metrics["efficiency"]["conflicts_avoided_by_alerts"]
        assert before > 500 and avoided > 0
        assert before - after == avoided  # same traffic; alerted drivers yielded
        assert after < before - 3 * math.sqrt(before)
    # Radar senses everyone on the crossing; a camera only those it flags.
    radar = run("radar", alerts=True).metrics["efficiency"]
    camera = run("camera_ai", alerts=True).metrics["efficiency"]
    assert radar["conflicts_avoided_by_alerts"] > camera["conflicts_avoided_by_alerts"]


def test_driver_alerts_need_a_detector() -> None:
    with pytest.raises(ScenarioError, match=r"services\.driver_alerts"):
        build(services={"driver_alerts": True})


def _winter(activation: str, seed: int, share: float = 0.5) -> RunResult:
    return run_scenario(
        load_scenario(
            SCENARIOS / "winter_storm.yaml",
            [
                f"seed={seed}",
                f"services.sidewalk_heating.activation={activation}",
                f"services.sidewalk_heating.share={share}",
                "policy.history=0",  # the stores before the run melt no snow
            ],
        )
    )


@pytest.fixture(scope="module")
def winter() -> dict[str, list[RunResult]]:
    return {
        mode: [_winter(mode, s) for s in SEEDS] for mode in ("off", "always_on", "pavement_sensor")
    }


def test_heating_energy_is_flux_times_area_times_time() -> None:
    result = _winter("always_on", 0)
    scenario = result.scenario
    heating = scenario.services.sidewalk_heating
    heated = result.extra("heated")
    assert isinstance(heated, np.ndarray)
    area = heated.sum() * scenario.city.block_length_m * heating.sidewalk_width_m
    hours = (scenario.duration - scenario.warmup) / 3600
    expected = heating.heat_flux_w_m2 * area * hours / 1000
    assert result.metrics["efficiency"]["sidewalk_heating_kwh"] == pytest.approx(expected, rel=1e-9)


def _slips(results: list[RunResult]) -> int:
    return sum(r.metrics["efficiency"]["slip_incidents"] for r in results)


@pytest.mark.slow
def test_heating_reduces_slips_and_snow(winter) -> None:
    off, on = _slips(winter["off"]), _slips(winter["always_on"])
    assert off - on > 3 * math.sqrt(off + on)
    for mode in ("always_on", "pavement_sensor"):
        for cold, warm in zip(winter["off"], winter[mode], strict=True):
            assert (
                warm.metrics["efficiency"]["snow_covered_sidewalk_km_h"]
                < 0.7 * cold.metrics["efficiency"]["snow_covered_sidewalk_km_h"]
            )


@pytest.mark.slow
def test_pavement_sensor_saves_energy_for_similar_slips(winter) -> None:
    always, sensor = winter["always_on"], winter["pavement_sensor"]
    for a, s in zip(always, sensor, strict=True):
        assert (
            s.metrics["efficiency"]["sidewalk_heating_kwh"]
            < 0.6 * a.metrics["efficiency"]["sidewalk_heating_kwh"]
        )
    # Similar: the sensor's warm-up leaves a little more snow, within 25 % and 3 sd of the counts.
    a_slips, s_slips = _slips(always), _slips(sensor)
    assert s_slips <= 1.25 * a_slips + 3 * math.sqrt(a_slips + s_slips)
    assert s_slips < _slips(winter["off"])
