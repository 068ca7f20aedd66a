"""Snow on the sidewalks and its heating, checked against hand computations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from simpy.events import NORMAL, EventPriority

from agents.heating_control import OccupancyCamera, PavementSensor
from agents.sensing import ANONYMOUS, EVERYONE, FACE, NOBODY, Sensing
from agents.sidewalk import (
    HOLLAND_FLUX_W_M2,
    MELT_EFFICIENCY,
    SLIP_RATE_PER_KM,
    Sidewalks,
    Weather,
)
from twin.scenario.services import SidewalkHeating
from twin.services.sidewalk_heating import heating_plan

PAVEMENT_SENSOR = PavementSensor.sensor[0] if PavementSensor.sensor else ""
CAMERA = OccupancyCamera.sensor[0] if OccupancyCamera.sensor else ""
#: the agents' parameter names -> the scenario section's (the one home of every default)
SECTION_NAMES = {"slab_warmup_s": "warmup", "occupancy_hold_s": "occupancy_hold"}

H = 3600.0
FLUX = 637.0  # W/m²
WIDTH = 2.0  # m


def hand_melt_cm_h(flux: float, air_c: float) -> float:
    """Energy balance by hand: 1 cm of 100 kg/m³ snow is 1 kg/m², 334 kJ/kg + 2.1 kJ/kg·K."""
    return MELT_EFFICIENCY * flux * 3600.0 / 1000.0 / (334.0 + 2.1 * max(0.0, -air_c))


def make(
    activation: str = "off",
    snowfall: tuple[tuple[float, float, float], ...] = ((1 * H, 3 * H, 2.0),),
    temperature_c: float = -5.0,
    lengths: Sequence[float] = (100.0,),
    heated: Sequence[bool] | None = None,
    sensing: Sensing | None = None,
    warmup_s: float = 0.0,
    env: simpy.Environment | None = None,
    start_hour: float = 0.0,
    **plan: Any,
) -> tuple[simpy.Environment, Sidewalks]:
    env = env if env is not None else simpy.Environment()
    plan.setdefault("sidewalk_width_m", WIDTH)
    section = SidewalkHeating(
        activation=activation, **{SECTION_NAMES.get(key, key): value for key, value in plan.items()}
    )
    flags = [activation != "off"] * len(lengths) if heated is None else list(heated)
    sidewalks = Sidewalks(
        env,
        np.array(lengths, dtype=float),
        np.array(flags),
        Weather(snowfall, temperature_c),
        heating_plan(section, start_hour),
        sensing,
        warmup_s,
    )
    return env, sidewalks


def sample(env: simpy.Environment, every_s: float, read: Any, offset_s: float = 0.0) -> list[Any]:
    """Record ``(now, read())`` every ``every_s`` seconds from ``offset_s`` while the run lasts."""
    out: list[Any] = []

    def probe():
        yield env.timeout(offset_s)
        while True:
            out.append((env.now, read()))
            yield env.timeout(every_s)

    env.process(probe())
    return out


def walks(env: simpy.Environment, sidewalks: Sidewalks, plan: list[tuple[float, int, int]]):
    def go():
        for t, segment, resident in plan:
            yield env.timeout(t - env.now)
            sidewalks.walk_onto(segment, resident)

    env.process(go())


# --- snow on unheated sidewalk --------------------------------------------------------------


def test_unheated_depth_is_snowfall_times_hours_and_then_stays() -> None:
    env, sidewalks = make(snowfall=((1 * H, 4 * H, 1.5),), temperature_c=-5.0)
    env.run(until=4 * H)
    assert sidewalks.depth_cm(0) == pytest.approx(1.5 * 3, abs=1e-9)
    env.run(until=20 * H)
    assert sidewalks.depth_cm(0) == pytest.approx(4.5, abs=1e-9)
    assert sidewalks.energy_kwh == 0.0


def test_unheated_snow_melts_at_the_degree_hour_rate_when_warm() -> None:
    melt = 2.0 * 4.0 / 24.0  # +2 °C * 4 mm water per °C·day * 10 (snow/water) / 24 h
    env, sidewalks = make(snowfall=((0.0, 3 * H, 3.0),), temperature_c=2.0)
    env.run(until=3 * H)
    peak = 3 * (3.0 - melt)
    assert sidewalks.depth_cm(0) == pytest.approx(peak, rel=1e-9)
    env.run(until=5 * H)
    assert sidewalks.depth_cm(0) == pytest.approx(peak - 2 * melt, rel=1e-9)
    env.run(until=3 * H + peak / melt * H + 1.0)
    assert sidewalks.depth_cm(0) == 0.0


# --- heated sidewalk ------------------------------------------------------------------------


def test_always_on_energy_is_flux_times_area_times_hours() -> None:
    env, sidewalks = make("always_on", lengths=(80.0, 80.0, 120.0), heat_flux_w_m2=FLUX)
    env.run(until=5 * H)
    area = 280.0 * WIDTH
    assert sidewalks.heated_area_m2 == pytest.approx(area)
    assert sidewalks.energy_kwh == pytest.approx(FLUX * area * 5 / 1000.0, rel=1e-12)
    assert sidewalks.active_hours == pytest.approx(5.0)


def test_energy_counts_only_after_the_runs_warmup() -> None:
    env, sidewalks = make("always_on", heat_flux_w_m2=FLUX, warmup_s=2 * H)
    env.run(until=5 * H)
    assert sidewalks.energy_kwh == pytest.approx(FLUX * 100.0 * WIDTH * 3 / 1000.0, rel=1e-12)
    assert sidewalks.active_hours == pytest.approx(3.0)


def test_always_on_keeps_heated_sidewalk_bare_when_melt_exceeds_snowfall() -> None:
    assert hand_melt_cm_h(FLUX, -5.0) > 2.0
    env, sidewalks = make("always_on", lengths=(100.0, 50.0), heated=(True, False))
    depths = sample(env, 600.0, sidewalks.depths_cm)
    env.run(until=6 * H)
    assert max(d[0] for _, d in depths) == 0.0
    assert max(d[1] for _, d in depths) == pytest.approx(4.0)  # the unheated one
    assert sidewalks.snow_covered_km_h == pytest.approx(0.05 * (6 - 1.25))


def test_snow_accumulates_at_snowfall_minus_melt_when_it_exceeds_capacity() -> None:
    melt = hand_melt_cm_h(200.0, -5.0)
    assert 0 < melt < 4.0
    env, sidewalks = make("always_on", snowfall=((1 * H, 3 * H, 4.0),), heat_flux_w_m2=200.0)
    env.run(until=2 * H)
    assert sidewalks.depth_cm(0) == pytest.approx(4.0 - melt, rel=1e-9)
    env.run(until=3 * H)
    depth = 2 * (4.0 - melt)
    assert sidewalks.depth_cm(0) == pytest.approx(depth, rel=1e-9)
    env.run(until=3 * H + 0.5 * depth / melt * H)  # halfway to bare
    assert sidewalks.depth_cm(0) == pytest.approx(depth / 2, rel=1e-9)


def test_holland_class_flux_melts_one_inch_per_hour_at_20_f() -> None:
    # 5,100 gpm * 20 °F * 500 Btu/h per gpm·°F over 600,000 ft², 1 Btu/h·ft² = 3.1546 W/m²
    by_hand = 5100 * 20 * 500 / 600_000 * 3.1546
    assert by_hand == pytest.approx(HOLLAND_FLUX_W_M2, rel=0.01)
    _, sidewalks = make("always_on", temperature_c=-6.7, heat_flux_w_m2=HOLLAND_FLUX_W_M2)
    assert sidewalks.heated_melt_cm_h == pytest.approx(2.54, rel=0.01)
    assert 0 < MELT_EFFICIENCY <= 1


def test_scheduled_heats_in_clock_windows_including_one_past_midnight() -> None:
    env, sidewalks = make("scheduled", schedule_hours=((5.0, 10.0),), start_hour=4.0)
    on = sample(env, 900.0, lambda: bool(sidewalks.heating_on()[0]), offset_s=450.0)
    env.run(until=24 * H)
    assert [t for t, is_on in on if is_on] == [t for t, _ in on if 1 * H < t < 6 * H]
    assert sidewalks.energy_kwh == pytest.approx(637.0 * 200.0 * 5 / 1000.0)
    env, sidewalks = make("scheduled", schedule_hours=((22.0, 2.0),), start_hour=0.0)
    env.run(until=48 * H)
    assert sidewalks.active_hours == pytest.approx(8.0)


# --- controllers: pavement sensor and idling ------------------------------------------------

STORM = ((6 * H, 9 * H, 2.0),)


def test_pavement_sensor_saves_energy_and_costs_only_the_warmup() -> None:
    lengths = (100.0, 60.0)
    env, always = make("always_on", snowfall=STORM, lengths=lengths)
    env.run(until=24 * H)
    env, sensor = make("pavement_sensor", snowfall=STORM, lengths=lengths, slab_warmup_s=H)
    env.run(until=24 * H)
    area = 160.0 * WIDTH
    net = 2.0 - hand_melt_cm_h(FLUX, -5.0)  # cm/h once warm
    bare_at = 7 + 2.0 / -net  # h: 2 cm fell during the warm-up hour
    assert always.energy_kwh == pytest.approx(FLUX * area * 24 / 1000.0)
    # ON from snowfall (6 h) until 30 min after it stops, the slab being bare by then.
    assert bare_at < 9
    assert sensor.active_hours == pytest.approx(3.5)
    assert sensor.energy_kwh == pytest.approx(FLUX * area * 3.5 / 1000.0)
    assert sensor.energy_kwh < 0.2 * always.energy_kwh
    # Snow-covered from 0.5 cm into the warm-up until it melts back below 0.5 cm.
    covered_h = (7 - 6.25) + 1.5 / -net
    assert always.snow_covered_km_h == 0.0
    assert sensor.snow_covered_km_h == pytest.approx(0.16 * covered_h, rel=1e-9)


def test_pavement_sensor_switches_off_30_min_after_the_slab_clears() -> None:
    # 1 cm falls 6-6.5 h; the slab is warm at 7 h and bare 1/melt h later, with no snow falling.
    env, sensor = make("pavement_sensor", snowfall=((6 * H, 6.5 * H, 2.0),), slab_warmup_s=H)
    env.run(until=24 * H)
    assert sensor.active_hours == pytest.approx(1.0 + 1.0 / hand_melt_cm_h(FLUX, -5.0) + 0.5)
    assert not sensor.heating_on()[0]


def test_idling_removes_the_warmup_but_draws_idle_power_all_day() -> None:
    env, idling = make(
        "pavement_sensor", snowfall=STORM, idling=True, idle_flux_w_m2=150.0, slab_warmup_s=H
    )
    depths = sample(env, 300.0, lambda: idling.depth_cm(0))
    env.run(until=24 * H)
    area = 100.0 * WIDTH
    assert max(d for _, d in depths) == 0.0
    assert idling.snow_covered_km_h == 0.0
    assert idling.energy_kwh == pytest.approx((FLUX * 3.5 + 150.0 * 20.5) * area / 1000.0)
    env, cold = make("pavement_sensor", snowfall=STORM, slab_warmup_s=H)
    env.run(until=24 * H)
    assert cold.snow_covered_km_h > 0
    assert idling.energy_kwh > cold.energy_kwh


def test_pavement_sensor_is_declared_as_anonymous() -> None:
    sensing = Sensing()
    make("pavement_sensor", lengths=(100.0,) * 3, heated=(True, False, True), sensing=sensing)
    sensor = sensing.sensors[PAVEMENT_SENSOR]
    assert (sensor.observes, sensor.identifiability, sensor.count) == (NOBODY, ANONYMOUS, 2)
    assert [(x.source, x.target) for x in sensing.links] == [
        (PAVEMENT_SENSOR, "heating_controller")
    ]


# --- controllers: occupancy camera ----------------------------------------------------------


def test_occupancy_camera_heats_only_walked_segments_and_records_every_walk() -> None:
    sensing = Sensing()
    env, sidewalks = make(
        "occupancy_camera",
        snowfall=((1 * H, 3 * H, 2.0),),
        lengths=(100.0,) * 4,
        heated=(True, True, True, False),
        sensing=sensing,
        occupancy_hold_s=1800.0,
    )
    # A walk before the snow (seen, no heating), two during it on segment 1, one unheated.
    walks(env, sidewalks, [(0.5 * H, 2, 5), (1.5 * H, 1, 7), (1.6 * H, 1, 8), (1.7 * H, 3, 9)])
    on = sample(env, 360.0, sidewalks.heating_on, offset_s=180.0)
    env.run(until=6 * H)
    ever = np.any([state for _, state in on], axis=0)
    assert ever.tolist() == [False, True, False, False]
    on_1 = [t / H for t, state in on if state[1]]  # on 1.5 h, held until 1.6 h + 30 min
    assert (min(on_1), max(on_1)) == pytest.approx((1.55, 2.05))
    assert sidewalks.energy_kwh == pytest.approx(FLUX * 100.0 * WIDTH * 0.6 / 1000.0)
    log = sensing.log.arrays()
    assert log["subject"].tolist() == [5, 7, 8]
    assert log["segment"].tolist() == [2, 1, 1]
    assert set(log["identifiability"]) == {FACE}
    camera = sensing.sensors[CAMERA]
    assert (camera.observes, camera.count) == (EVERYONE, 3)
    assert {(x.source, x.target) for x in sensing.links} == {
        (CAMERA, "heating_controller"),
        (CAMERA, "camera_vendor_cloud"),
    }


def test_occupancy_camera_warms_up_before_melting() -> None:
    env, sidewalks = make("occupancy_camera", occupancy_hold_s=4 * H, slab_warmup_s=H)
    walks(env, sidewalks, [(1.5 * H, 0, 1)])
    env.run(until=1.5 * H + 1.0)
    assert sidewalks.heating_on()[0]
    # Snow from 1 h; walked at 1.5 h; the slab melts from 2.5 h: 3 cm, then snowfall - melt.
    env.run(until=2.5 * H)
    assert sidewalks.depth_cm(0) == pytest.approx(3.0, rel=1e-9)
    env.run(until=2.75 * H)
    net = 2.0 - hand_melt_cm_h(FLUX, -5.0)
    assert sidewalks.depth_cm(0) == pytest.approx(3.0 + 0.25 * net, rel=1e-9)
    assert sidewalks.heating_on()[0]


# --- pedestrians on snow and accounting -----------------------------------------------------


def test_speed_and_slip_are_neutral_on_bare_pavement_and_worse_on_snow() -> None:
    env, sidewalks = make(snowfall=((1 * H, 2 * H, 2.0),))
    assert (sidewalks.speed_factor(0), sidewalks.slip_probability(0, 500.0)) == (1.0, 0.0)
    env.run(until=1.26 * H)  # just over 0.5 cm: the snow-covered threshold
    extra_s_per_km = 1000.0 / (1.4 * sidewalks.speed_factor(0)) - 1000.0 / 1.4
    assert extra_s_per_km == pytest.approx(120.0, abs=1.0)  # ~2 min/km (Fossum & Ryeng 2021)
    env.run(until=2 * H)
    assert 0.6 <= sidewalks.speed_factor(0) < 1000.0 / 1.4 / (1000.0 / 1.4 + 120.0)
    assert sidewalks.slip_probability(0, 1000.0) == pytest.approx(1 - math.exp(-SLIP_RATE_PER_KM))
    assert 0 < sidewalks.slip_probability(0, 10.0) < sidewalks.slip_probability(0, 100.0) < 1


def test_snow_covered_km_h_matches_a_hand_computation() -> None:
    # +1 °C: 1 cm/h snowfall nets 5/6 cm/h, reaching 0.5 cm at 1.6 h and 5/3 cm at 3 h, then
    # melts at 1/6 cm/h, back to 0.5 cm at 10 h. Warm-up to 2 h: covered 2-10 h on 0.25 km.
    snowfall = ((1 * H, 3 * H, 1.0),)
    env, sidewalks = make(snowfall=snowfall, temperature_c=1.0, lengths=(250.0,), warmup_s=2 * H)
    env.run(until=5 * H)
    assert sidewalks.snow_covered_km_h == pytest.approx(0.25 * 3, rel=1e-9)
    env.run(until=30 * H)
    assert sidewalks.snow_covered_km_h == pytest.approx(0.25 * 8, rel=1e-9)
    env, early = make(snowfall=((1 * H, 3 * H, 1.0),), temperature_c=1.0, lengths=(250.0,))
    env.run(until=30 * H)
    assert early.snow_covered_km_h == pytest.approx(0.25 * (10 - 1.6), rel=1e-9)


# --- cost -----------------------------------------------------------------------------------


class CountingEnvironment(simpy.Environment):
    """Counts every event put on the SimPy queue."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduled = 0

    def schedule(
        self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0
    ) -> None:
        self.scheduled += 1
        super().schedule(event, priority, delay)


def test_a_stormy_day_of_400_heated_segments_costs_few_events() -> None:
    env = CountingEnvironment()
    lengths = np.linspace(60.0, 140.0, 400)
    storms = ((2 * H, 5 * H, 1.5), (12 * H, 14 * H, 8.0), (18 * H, 19 * H, 0.5))
    _, sidewalks = make("pavement_sensor", snowfall=storms, lengths=tuple(lengths), env=env)
    env.run(until=24 * H)
    assert sidewalks.energy_kwh > 0 and sidewalks.snow_covered_km_h > 0
    assert env.scheduled < 10_000
    assert env.scheduled < 100  # segments that change together share one timer


# --- validation and plots -------------------------------------------------------------------


def test_winter_plots_are_written(tmp_path: Path) -> None:
    from metrics.winter_plots import plot_heating_timeline, plot_snow_depth_maps

    env, sidewalks = make(
        "pavement_sensor", lengths=(100.0,) * 4, heated=(True, True, False, False)
    )
    snapshots = sample(env, H, sidewalks.depths_cm)
    shares = sample(env, H, lambda: sidewalks.on_share)
    env.run(until=8 * H)
    xy = np.array([[[0, 0], [1, 0]], [[1, 0], [1, 1]], [[1, 1], [0, 1]], [[0, 1], [0, 0]]])
    maps = tmp_path / "maps.png"
    plot_snow_depth_maps(snapshots, xy, sidewalks.heated, maps, 6.0, "storm")
    times = np.array([t for t, _ in snapshots])
    depth = np.array([d for _, d in snapshots])
    timeline = tmp_path / "timeline.png"
    share = np.array([s for _, s in shares])
    plot_heating_timeline(times, depth[:, 2], depth[:, 0], share, timeline, 6.0, "storm")
    for path in (maps, timeline):
        assert path.read_bytes()[:4] == b"\x89PNG"
