"""Run one scenario to the end and gather what it produced."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from agents.sensing import Link, Sensor
from metrics.efficiency import Table, efficiency_metrics, vehicle_delay_hours
from metrics.safety import vehicle_pedestrian_conflicts
from metrics.timeseries import time_series
from twin.digital.exposure import PrivacyOutcome, privacy_outcome
from twin.digital.records import observations_from_sensing
from twin.district.street_graph import StreetGraph
from twin.scenario import Scenario
from twin.security.blast_radius import Exposure, attack_section, leaked, security_section
from twin.security.spread import Interval
from twin.services import Service, registered
from twin.simulation.capacity import check_capacity
from twin.simulation.checks import check_city as check_city  # re-exported
from twin.simulation.checks import scenario_warnings
from twin.simulation.congestion import congestion
from twin.simulation.model import SAMPLE_S, CityModel
from twin.streams import random_stream


@dataclass
class SecurityResult:
    """What the writers need besides ``metrics["security"]``: the integration graph, when
    each component fell in replication 0, and the run without the attack's time series."""

    graph: nx.DiGraph
    compromised: dict[str, float]
    counterfactual_series: dict[str, np.ndarray] | None = None
    attack_spans: list[Interval] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything a finished run hands to the writers (and to sweeps).

    ``metrics`` is the dict written as ``metrics.json``; ``services`` holds the
    services the run had, by name (their plots, summary rows and extras).
    """

    scenario: Scenario
    metrics: dict[str, object]
    series: dict[str, np.ndarray]
    tables: dict[str, Table]
    #: mean stop-line delay (s) per intersection.
    intersection_delay_s: np.ndarray
    #: stranded crossings per intersection.
    intersection_stranded: np.ndarray
    #: the district's streets (positions, labels, control of each intersection)
    graph: StreetGraph
    #: the sensors (``agents.sensing.Sensor``) and links declared by the services.
    sensors: list[Sensor] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)
    #: one line per service that is on but cannot act.
    warnings: list[str] = field(default_factory=list)
    #: the integration graph and what the attack did
    security: SecurityResult | None = None
    #: wall-clock facts; kept out of ``metrics`` so metrics are reproducible.
    timing: dict[str, float] = field(default_factory=dict)
    #: the records the stores received and the privacy outcome (``twin.digital``)
    privacy: PrivacyOutcome | None = None

    def extra(self, name: str) -> object:
        """A service's extra output (e.g. ``snow_snapshots``), or None."""
        for service in self.services.values():
            extras = service.extras()
            if name in extras:
                return extras[name]
        return None


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
    result = collect(model, {"build_s": build_s, "wall_s": wall_s})
    _attack_outcome(result, model, progress)
    return result


def _attack_outcome(
    result: RunResult, model: CityModel, progress: Callable[[float, float], None] | None
) -> None:
    """Fill ``result.metrics["security"]`` and ``result.security``.

    With attacks, simulate the same scenario without them once (same seed: common random
    numbers, so the difference is the attack's) and the first
    ``security.simulated_replications`` replications with them (replication 0 is the run
    itself); every other outcome is computed for every replication from the graph and
    the run without the attack, at no further simulation.
    """
    scenario, plan = model.spec, model.attack_plan
    if not scenario.attacks:
        result.metrics["security"] = security_section(scenario, plan.graph, [])
        result.security = SecurityResult(plan.graph, {})
        return
    baseline_model = CityModel(scenario.model_copy(update={"attacks": []}))
    baseline_model.run_to_end(progress)
    baseline = collect(baseline_model, {})
    simulated = [result]
    for k in range(1, min(scenario.security.simulated_replications, len(plan.outcomes))):
        replica = CityModel(scenario, attack_replication=k)
        replica.run_to_end(progress)
        simulated.append(collect(replica, {}))
    exposure = Exposure(
        baseline.tables["crossings"],
        baseline.tables["vehicle_passages"],
        baseline_model.vehicle_owners,
        len(baseline_model.residents),
        len(baseline_model.streets.intersections),
        {f: whom for s in baseline_model.services.values() for f, whom in s.functions().items()},
        plan.graph,
    )
    privacy = baseline.privacy
    assert privacy is not None

    def leak(leaks: Mapping[str, Sequence[float]]) -> tuple[int, int, int]:
        retention = scenario.policy.retention
        residents = len(baseline_model.residents)
        return leaked(plan.graph, privacy.records, privacy.systems, retention, residents, leaks)

    section = attack_section(
        scenario,
        plan.graph,
        plan.outcomes,
        [run.metrics["efficiency"] for run in simulated],  # type: ignore[misc]
        baseline.metrics["efficiency"],  # type: ignore[arg-type]
        exposure,
        leak,
    )
    section["extra_vehicle_hours"] = vehicle_delay_hours(
        result.tables["vehicle_trips"], scenario.warmup
    ) - vehicle_delay_hours(baseline.tables["vehicle_trips"], scenario.warmup)
    section["note"] = (
        f"graph outcomes, persons affected and leaks over all {len(plan.outcomes)} "
        f"replications; delay, emergency response and stranded crossings simulated for "
        f"the first {len(simulated)} against one run without the attack (same seed)"
    )
    result.metrics["security"] = section
    spans = [(a.at, a.end_s) for a in scenario.attacks]
    result.security = SecurityResult(
        plan.graph, plan.outcomes[0].compromised, baseline.series, spans
    )


def collect(model: CityModel, timing: dict[str, float]) -> RunResult:
    """Turn a model that has run into a :class:`RunResult`."""
    scenario = model.spec
    tables: dict[str, Table] = {
        "vehicle_trips": model.traffic.log.arrays(),
        "pedestrian_trips": model.walking.log.arrays(),
        "crossings": model.crossing_log.arrays(),
        "signal_phases": model.signal_log.arrays(),
        "vehicle_passages": model.traffic.passages.arrays(),
    }
    for service in model.services.values():
        tables.update(service.collect(model.sensing, tables))
    tables["observations"] = model.sensing.log.arrays()
    efficiency: dict[str, object] = dict(
        efficiency_metrics(
            tables["vehicle_trips"],
            tables["pedestrian_trips"],
            tables["crossings"],
            scenario.warmup,
            model.traffic.unfinished(),
            model.env.now,
        )
    )
    conflicts, _ = vehicle_pedestrian_conflicts(
        tables["vehicle_passages"], tables["crossings"], scenario.warmup
    )
    efficiency["vehicle_pedestrian_conflicts"] = conflicts
    for cls in registered():
        running = model.services.get(cls.name)
        if running is None:
            efficiency.update(cls.metrics_when_off(scenario))
        else:
            efficiency.update(running.metrics(tables))
    congestion_metrics, congestion_warnings = congestion(model.streets, model.env.now)
    warnings = [*scenario_warnings(scenario), *congestion_warnings]
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
    # privacy: after the run, from the sensing registry and the policy (docs/privacy.md)
    privacy_start = time.perf_counter()
    privacy = _privacy(model, tables["observations"], series["time_s"])
    timing = {**timing, "privacy_s": time.perf_counter() - privacy_start}
    metrics["privacy"] = privacy.metrics
    warnings += privacy.warnings
    series.update({k: v.astype(float) for k, v in privacy.series.items() if k != "time_s"})
    nodes = len(model.streets.intersections)
    delay = np.array([i.mean_delay_s for i in model.streets.intersections])
    crossings = tables["crossings"]
    late = (crossings["stranded"] == 1) & (crossings["arrive_s"] >= scenario.warmup)
    stranded = np.bincount(crossings["node"][late].astype(int), minlength=nodes)
    wall_s = timing.get("wall_s")
    timing = {
        **timing,
        "sim_s_per_wall_s": model.env.now / wall_s if wall_s else 0.0,
        "vehicles_started": float(model.traffic.started),
        "vehicles_in_network": float(model.traffic.active),
        "pedestrians_started": float(model.walking.started),
        "pedestrians_walking": float(model.walking.active),
    }
    return RunResult(
        scenario,
        metrics,
        series,
        tables,
        delay,
        stranded,
        model.graph,
        sensors=list(model.sensing.sensors.values()),
        links=list(model.sensing.links),
        services=dict(model.services),
        warnings=list(warnings),
        timing=timing,
        privacy=privacy,
    )


def _privacy(
    model: CityModel, observations: Mapping[str, np.ndarray], sample_times_s: np.ndarray
) -> PrivacyOutcome:
    """``metrics.json`` -> ``privacy``, exposure per sample time and policy warnings, from
    the model's sensors, residents and policy (``twin.digital.exposure``).

    Args:
        model: a model that has run to its end.
        observations: the sensing table (``model.sensing.log.arrays()``).
        sample_times_s: times of the exposure series (those of ``timeseries.csv``).
    """
    scenario = model.spec
    sensors = list(model.sensing.sensors.values())
    systems = sorted({s.system for s in sensors})
    residents = model.residents
    resident_ids = np.array([r.unique_id for r in residents], dtype=np.int64)
    seen = observations_from_sensing(
        observations,
        sensors,
        systems,
        resident_ids,
        np.asarray(model.walkways.segment_node, dtype=np.int64),
    )
    return privacy_outcome(
        seen,
        systems,
        scenario.policy,
        n_residents=len(residents),
        homes=model.walkways.corner_node[[r.anchors[0] for r in residents]].astype(np.int64),
        opted_in=np.array([r.opted_in for r in residents], dtype=bool),
        end_s=model.env.now,
        rng=random_stream(scenario.seed, "privacy_analysis"),
        links=[(link.source, link.target) for link in model.sensing.links],
        start_hour=scenario.demand.start_hour,
        sample_times_s=sample_times_s,
    )
