"""Run one scenario to the end and gather what it produced."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from agents.ambulance import EMERGENCY_COLUMNS
from agents.log import ColumnLog
from metrics.efficiency import Table, efficiency_metrics, emergency_metrics
from metrics.safety import preemption_pedestrian_metrics, vehicle_pedestrian_conflicts
from metrics.timeseries import time_series
from twin.capacity import check_capacity
from twin.congestion import congestion
from twin.model import SAMPLE_S, CityModel, events_scheduled
from twin.scenario import Scenario
from twin.streams import random_stream


@dataclass
class RunResult:
    """Everything a finished run hands to the writers (and to sweeps)."""

    scenario: Scenario
    metrics: dict[str, object]
    series: dict[str, np.ndarray]
    tables: dict[str, Table]
    #: mean stop-line delay (s) per intersection, rows x cols.
    intersection_delay_s: np.ndarray
    #: stranded crossings per intersection, rows x cols.
    intersection_stranded: np.ndarray
    #: (time_s, snow depth per sidewalk segment), every 30 simulated minutes.
    snow_snapshots: list[tuple[float, np.ndarray]]
    #: sidewalk segment endpoints (n, 2, 2) and which are heated.
    segments_xy: np.ndarray
    heated: np.ndarray
    #: wall-clock facts; kept out of ``metrics`` so metrics are reproducible.
    timing: dict[str, float] = field(default_factory=dict)


def run_scenario(
    scenario: Scenario, progress: Callable[[float, float], None] | None = None
) -> RunResult:
    """Build the district, run it to the end and compute its outcomes."""
    check_capacity(scenario)
    wall_start = time.perf_counter()
    model = CityModel(scenario)
    build_s = time.perf_counter() - wall_start
    model.run_to_end(progress)
    wall_s = time.perf_counter() - wall_start
    return collect(model, {"build_s": build_s, "wall_s": wall_s})


def collect(model: CityModel, timing: dict[str, float]) -> RunResult:
    """Turn a model that has run into a :class:`RunResult`."""
    scenario = model.spec
    tables: dict[str, Table] = {
        "vehicle_trips": model.traffic.log.arrays(),
        "pedestrian_trips": model.walking.log.arrays(),
        "crossings": model.crossing_log.arrays(),
        "signal_phases": model.signal_log.arrays(),
        "vehicle_passages": model.traffic.passages.arrays(),
        "observations": model.sensing.log.arrays(),
        "incidents": (
            model.emergency.log if model.emergency else ColumnLog(*EMERGENCY_COLUMNS)
        ).arrays(),
    }
    efficiency = efficiency_metrics(
        tables["vehicle_trips"],
        tables["pedestrian_trips"],
        tables["crossings"],
        scenario.warmup,
        model.traffic.unfinished(),
        model.env.now,
    )
    efficiency.update(emergency_metrics(tables["incidents"], scenario.warmup))
    efficiency.update(_conflicts(model, tables))
    efficiency.update(
        preemption_pedestrian_metrics(
            tables["crossings"],
            tables["signal_phases"],
            tables["vehicle_passages"],
            scenario.warmup,
        )
    )
    congestion_metrics, warnings = congestion(model.grid, model.env.now)
    efficiency.update(_winter(model))
    metrics: dict[str, object] = {
        "scenario": {
            "name": scenario.name,
            "seed": scenario.seed,
            "duration_s": scenario.duration,
            "warmup_s": scenario.warmup,
            "hash": scenario.content_hash(),
        },
        "efficiency": efficiency,
        "congestion": congestion_metrics,
        "warnings": warnings,
    }
    series = time_series(
        model.datacollector.model_vars,
        tables["vehicle_trips"],
        tables["crossings"],
        SAMPLE_S,
        scenario.warmup,
    )
    shape = (model.grid.rows, model.grid.cols)
    delay = np.array([i.mean_delay_s for i in model.grid.intersections]).reshape(shape)
    crossings = tables["crossings"]
    late = (crossings["stranded"] == 1) & (crossings["arrive_s"] >= scenario.warmup)
    stranded = np.bincount(
        crossings["node"][late].astype(int), minlength=shape[0] * shape[1]
    ).reshape(shape)
    events = events_scheduled(model.env)
    timing = {
        **timing,
        "events": float(events),
        "events_per_s": events / timing["wall_s"] if timing.get("wall_s") else 0.0,
        "sim_s_per_wall_s": model.env.now / timing["wall_s"] if timing.get("wall_s") else 0.0,
        "vehicles_started": float(model.traffic.started),
        "vehicles_in_network": float(model.traffic.active),
        "pedestrians_started": float(model.walking.started),
        "pedestrians_walking": float(model.walking.active),
    }
    sidewalks = model.sidewalks
    return RunResult(
        scenario,
        metrics,
        series,
        tables,
        delay,
        stranded,
        model.snow_snapshots,
        model.walkways.segment_array(),
        sidewalks.heated.copy() if sidewalks is not None else np.zeros(0, dtype=bool),
        timing,
    )


def _conflicts(model: CityModel, tables: dict[str, Table]) -> dict[str, float | int]:
    services = model.spec.services
    passages = tables["vehicle_passages"]
    uniforms = random_stream(model.spec.seed, "alerts").random(len(passages["time_s"]))
    conflicts, avoided = vehicle_pedestrian_conflicts(
        passages,
        tables["crossings"],
        model.spec.warmup,
        services.alert_compliance if services.driver_alerts else 0.0,
        uniforms,
    )
    return {"vehicle_pedestrian_conflicts": conflicts, "conflicts_avoided_by_alerts": avoided}


def _winter(model: CityModel) -> dict[str, float | int]:
    sidewalks = model.sidewalks
    if sidewalks is None:
        return {"sidewalk_heating_kwh": 0.0, "snow_covered_sidewalk_km_h": 0.0}
    return {
        "sidewalk_heating_kwh": sidewalks.energy_kwh,
        "snow_covered_sidewalk_km_h": sidewalks.snow_covered_km_h,
    }
