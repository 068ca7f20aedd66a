"""Run one scenario to the end and gather what it produced."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from agents.sensing import Link, Sensor
from metrics.efficiency import Table, efficiency_metrics
from metrics.safety import vehicle_pedestrian_conflicts
from metrics.timeseries import time_series
from twin.digital.exposure import PrivacyOutcome, privacy_outcome
from twin.digital.records import Observations, observations_from_sensing
from twin.digital.steady_state import persons_of, steady_state
from twin.district.street_graph import StreetGraph
from twin.scenario import Scenario
from twin.security.blast_radius import (
    SIMULATED_OUTCOMES,
    Exposure,
    Leaks,
    attack_section,
    security_section,
)
from twin.security.spread import AttackOutcome, Interval
from twin.services import Service, registered
from twin.simulation.capacity import check_capacity
from twin.simulation.checks import check_city as check_city  # re-exported
from twin.simulation.checks import scenario_warnings
from twin.simulation.congestion import congestion
from twin.simulation.model import SAMPLE_S, CityModel, gc_paused
from twin.streams import random_stream


@dataclass
class SecurityResult:
    """What the writers need besides ``metrics["security"]``: the integration graph, every
    replication's draw, and the simulated attacked replications' time series."""

    graph: nx.DiGraph
    outcomes: list[AttackOutcome] = field(default_factory=list)
    #: time series of each simulated attacked replication (replication 0 first)
    attacked_series: list[dict[str, np.ndarray]] = field(default_factory=list)
    attack_spans: list[Interval] = field(default_factory=list)

    def compromised_share(self) -> dict[str, float]:
        """Per component, the share of replications in which it fell."""
        count = len(self.outcomes)
        shares: dict[str, float] = {}
        for outcome in self.outcomes:
            for name in outcome.compromised:
                shares[name] = shares.get(name, 0.0) + 1.0 / count
        return shares


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
    """Build the district, run it to the end and compute its outcomes.

    With attacks, the run itself is the city without them (``efficiency`` and
    ``privacy`` are normal operation); the attacked city is simulated after it, for the
    ``security`` section only.
    """
    check_capacity(scenario)
    wall_start = time.perf_counter()
    with gc_paused():
        model = CityModel(scenario, attack_replication=-1)  # draws the attacks, runs none
        build_s = time.perf_counter() - wall_start
        model.run_to_end(progress)
        run_s = time.perf_counter() - wall_start
        result = collect(model, {"build_s": build_s, "wall_s": run_s})
    _attack_outcome(result, model, progress)
    result.timing["run_s"] = run_s
    result.timing["wall_s"] = time.perf_counter() - wall_start
    return result


def _attack_outcome(
    result: RunResult, model: CityModel, progress: Callable[[float, float], None] | None
) -> None:
    """Fill ``result.metrics["security"]`` and ``result.security``.

    ``result`` is the run without the attacks. With attacks, simulate the first
    ``security.simulated_replications`` replications with them (same seed: common random
    numbers, so each difference is the attack's) for the outcomes that need the attacked
    city; every other outcome is drawn for every replication from the graph and this run.
    """
    scenario, plan = model.spec, model.attack_plan
    if not scenario.attacks:
        result.metrics["security"] = security_section(scenario, plan.graph, [])
        result.security = SecurityResult(plan.graph)
        return
    attacked, series = [], []
    for k in range(min(scenario.security.simulated_replications, len(plan.outcomes))):
        replica = CityModel(scenario, attack_replication=k)
        replica.run_to_end(progress)
        run = collect(replica, {}, privacy=False)
        attacked.append(_simulated_metrics(run))
        series.append(run.series)
    exposure = Exposure(
        result.tables["crossings"],
        result.tables["vehicle_passages"],
        model.vehicle_owners,
        len(model.residents),
        len(model.streets.intersections),
        {f: whom for s in model.services.values() for f, whom in s.functions().items()},
        plan.graph,
    )
    privacy = result.privacy
    assert privacy is not None
    leaks = Leaks(
        plan.graph,
        privacy.records,
        privacy.retention_s,
        privacy.systems,
        len(model.residents),
        scenario.policy.analysis.time_resolution,
    )
    result.metrics["security"] = attack_section(
        scenario,
        plan.graph,
        plan.outcomes,
        attacked,
        _simulated_metrics(result),
        exposure,
        leaks,
    )
    spans = [(a.at, a.end_s) for a in scenario.attacks]
    result.security = SecurityResult(plan.graph, plan.outcomes, series, spans)


def _simulated_metrics(run: RunResult) -> dict[str, float | None]:
    """The metrics a simulated replication is compared on (``SIMULATED_OUTCOMES``)."""
    efficiency, congestion = run.metrics["efficiency"], run.metrics["congestion"]
    assert isinstance(efficiency, dict) and isinstance(congestion, dict)
    values = {metric: _number(efficiency.get(metric)) for _, metric in SIMULATED_OUTCOMES}
    # every vehicle that entered after the warm-up, finished or not (gridlock hides the rest)
    trips = float(efficiency["vehicle_trips_completed"]) + float(  # type: ignore[arg-type]
        efficiency["vehicle_trips_unfinished"]  # type: ignore[arg-type]
    )
    mean = values["vehicle_delay_s_mean"]
    values["vehicle_delay_h"] = None if mean is None else mean * trips / 3600.0
    values["approach_blocked_h"] = _number(congestion.get("approach_blocked_h"))
    return values


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def collect(model: CityModel, timing: dict[str, float], privacy: bool = True) -> RunResult:
    """Turn a model that has run into a :class:`RunResult` (without ``privacy``: no
    privacy section, for the attacked replicas whose efficiency alone is read)."""
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
            model.demand_end_s,
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
    idle = [line for s in model.services.values() if (line := s.idle()) is not None]
    warnings = [*scenario_warnings(scenario), *idle, *congestion_warnings]
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
    outcome = _privacy(model, tables, series["time_s"]) if privacy else None
    timing = {**timing, "privacy_s": time.perf_counter() - privacy_start}
    if outcome is not None:
        metrics["privacy"] = outcome.metrics
        warnings += outcome.warnings
        series.update({k: v.astype(float) for k, v in outcome.series.items() if k != "time_s"})
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
        privacy=outcome,
    )


def _privacy(
    model: CityModel, tables: Mapping[str, Table], sample_times_s: np.ndarray
) -> PrivacyOutcome:
    """``metrics.json`` -> ``privacy``, exposure per sample time and policy warnings, from
    the model's sensors, residents and policy, with the stores at steady state
    (``twin.digital.exposure``, ``twin.digital.steady_state``).

    Args:
        model: a model that has run to its end.
        tables: the run's tables (``observations`` is ``model.sensing.log.arrays()``).
        sample_times_s: times of the exposure series (those of ``timeseries.csv``).
    """
    scenario = model.spec
    sensors = list(model.sensing.sensors.values())
    systems = sorted({s.system for s in sensors})
    resident_ids = np.array([r.unique_id for r in model.residents], dtype=np.int64)
    seen = observations_from_sensing(
        tables["observations"],
        sensors,
        systems,
        resident_ids,
        np.asarray(model.walkways.segment_node, dtype=np.int64),
    )
    persons = persons_of(model)
    before, days = steady_state(model, tables, seen, systems, persons)
    seen = Observations.concat([before, seen])
    del before
    return privacy_outcome(
        seen,
        systems,
        scenario.policy,
        persons,
        end_s=model.env.now,
        rng=random_stream(scenario.seed, "privacy_analysis"),
        links=[(link.source, link.target) for link in model.sensing.links],
        start_hour=scenario.demand.start_hour,
        sample_times_s=sample_times_s,
        history_days=days,
        n_places=model.graph.n_intersections,
        release_rng=random_stream(scenario.seed, "privacy_release"),
    )
