"""Attacks in the running city, and their blast radius against the counterfactual.

Two entry points, each called from one place:

- :func:`install` (from ``CityModel.__init__``, once the services are built): the
  integration graph from the run's declared sensors and links and the real
  ``policy`` section; with attacks, their spread drawn from the run's own
  ``attacks`` stream and one replication's outages scheduled inside the
  simulation (controllers flash red; services' ``take_down`` hooks act).
- :func:`security_of_run` (from ``run_scenario``): the ``security`` section of
  ``metrics.json``. With attacks it simulates the same scenario without them
  once (same seed: common random numbers, so the difference is the attack's)
  and the first ``security.simulated_replications`` replications with them
  (replication 0 is the run itself); every other outcome (what fell, service
  hours, persons affected, what leaked) is computed for every replication
  from the graph and the counterfactual's tables and records, which cost no
  simulation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from metrics.security import (
    counterfactual_difference,
    persons_affected,
    persons_exfiltrated,
    records_exfiltrated,
)
from twin.errors import SCENARIO_SOURCE, Problem, ScenarioError, TwinError
from twin.security.analysis import SIMULATED_OUTCOMES, draw_attacks, security_section
from twin.security.effects import schedule_fail_safes
from twin.security.graph import (
    CONTROLLER,
    build_component_graph,
    resolve_entry,
    write_components,
)
from twin.security.spread import AttackOutcome, Interval, replicate_attacks
from twin.streams import random_stream

if TYPE_CHECKING:
    from agents.sensing import Sensor
    from twin.digital.records import Records
    from twin.scenario import Scenario
    from twin.scenario.policy import Policy
    from twin.simulation.model import CityModel
    from twin.simulation.runner import RunResult

__all__ = [
    "AttackPlan",
    "SecurityResult",
    "attack_entries",
    "check_city",
    "check_entries",
    "down_now",
    "install",
    "launch_attack",
    "security_files",
    "security_of_run",
    "vendor_inputs",
]

#: Services whose outage any pedestrian meets at a crossing, and those a driver meets
#: (crossing assist: only impaired pedestrians, whom it serves).
_PEDESTRIAN_SERVICES = frozenset({"signal_control", "sidewalk_heating"})
_DRIVER_SERVICES = frozenset({"signal_control", "driver_alerts"})


@dataclass
class AttackPlan:
    """The integration graph of a run and the attack replications drawn for it."""

    graph: nx.DiGraph
    outcomes: list[AttackOutcome]
    #: the replication this run simulates (its outages are scheduled), or -1
    replication: int = -1
    #: attacks launched by hand while running (the explorer), their outcomes
    launched: list[AttackOutcome] = field(default_factory=list)

    @property
    def simulated(self) -> AttackOutcome | None:
        """The outcome this run lives through (replication ``replication``)."""
        return self.outcomes[self.replication] if self.replication >= 0 else None


@dataclass
class SecurityResult:
    """What the writers need besides ``metrics["security"]``."""

    graph: nx.DiGraph
    compromised: dict[str, float]
    counterfactual_series: dict[str, np.ndarray] | None = None
    attack_spans: list[Interval] = field(default_factory=list)


def vendor_inputs(
    policy: Policy, sensors: Sequence[Sensor]
) -> tuple[dict[str, bool], dict[str, str]]:
    """``(vendor -> trusted, component kind -> vendor)`` from ``policy.vendors``.

    A vendor running a system supplies that system's sensors and its store.
    """
    vendors: dict[str, bool] = {}
    vendor_of: dict[str, str] = {}
    for system, vendor in policy.vendors.items():
        vendors[vendor.name] = vendors.get(vendor.name, True) and vendor.trusted
        for sensor in sensors:
            if sensor.system == system:
                vendor_of[sensor.name] = vendor.name
        vendor_of[f"{system}_store"] = vendor.name
    return vendors, vendor_of


def install(model: CityModel, replication: int = 0) -> AttackPlan:
    """Build the run's integration graph; with attacks, schedule replication
    ``replication``'s outages (a negative one: draw but schedule nothing)."""
    scenario = model.spec
    sensors = list(model.sensing.sensors.values())
    vendors, vendor_of = vendor_inputs(scenario.policy, sensors)
    graph = build_component_graph(
        sensors,
        model.sensing.links,
        scenario.policy.integration,
        scenario.security,
        len(model.grid.intersections),
        vendors,
        vendor_of,
    )
    if not scenario.attacks:
        return AttackPlan(graph, [])
    check_entries(graph, scenario)
    outcomes = draw_attacks(graph, scenario)
    plan = AttackPlan(graph, outcomes, replication if replication < len(outcomes) else -1)
    if plan.simulated is not None:
        model.attack_plan = plan
        take_down(model, plan.simulated.down)
    return plan


def check_entries(graph: nx.DiGraph, scenario: Scenario) -> None:
    """Every attack's ``entry`` names something in this city's graph.

    Raises:
        ScenarioError: one problem per entry that names nothing, at ``attacks.N.entry``,
            listing what exists (in file ``SCENARIO_SOURCE``: the caller knows which).
    """
    problems = []
    for index, attack in enumerate(scenario.attacks):
        try:
            resolve_entry(graph, attack.entry)
        except TwinError as error:
            problems.append(Problem(SCENARIO_SOURCE, None, f"attacks.{index}.entry", str(error)))
    if problems:
        raise ScenarioError(problems)


def check_city(scenario: Scenario) -> list[str]:
    """Build the city, without running it, for the checks that need its deployed
    sensors (``twin validate``): every attack's entry names something in it (raises as
    :func:`check_entries`); returns warnings about vendors of systems it lacks."""
    from twin.simulation.model import CityModel

    model = CityModel(scenario)
    systems = {sensor.system for sensor in model.sensing.sensors.values()}
    return scenario.policy.vendor_warnings(systems)


#: What stops where a component falls: each function a component serves (the graph's
#: ``services``) -> (running service, the component of it that stops it). Signal
#: control is the controllers' own fail-safe (flashing red).
FUNCTIONS: dict[str, tuple[str, str | None]] = {
    "crossing_assist": ("crossing_assist", None),  # None: the service's own sensor
    "driver_alerts": ("crossing_assist", "roadside_units"),
    "emergency_preemption": ("emergency", "preemption_detectors"),
    "emergency_response": ("emergency", "dispatch"),
    "sidewalk_heating": ("sidewalk_heating", "heating_controller"),
}


def take_down(model: CityModel, down: Mapping[str, Sequence[Interval]]) -> None:
    """Schedule outages inside the run: down controllers flash red (all-way stop); any
    other fallen component stops the functions it serves (a platform: all of them),
    each through its service's ``take_down``."""
    schedule_fail_safes(model.env, model.grid.intersections, down)
    graph = model.attack_plan.graph if hasattr(model, "attack_plan") else None
    for name, spans in down.items():
        if name.startswith(f"{CONTROLLER}:"):
            continue
        known = graph is not None and name in graph
        functions = graph.nodes[name]["component"].services if known else ()  # type: ignore[union-attr]
        targets = {(s.name, name) for s in model.services.values() if name in s.components()}
        for function in functions:
            service_name, component = FUNCTIONS.get(function, ("", None))
            service = model.services.get(service_name)
            if service is None:
                continue
            if component is None:
                own = service.components()
                component = name if name in own else own[0]
            if component in service.components():
                targets.add((service_name, component))
        for service_name, component in sorted(targets):
            for start, end in spans:
                model.services[service_name].take_down(component, max(start, model.env.now), end)


def launch_attack(
    model: CityModel, entry: str, duration_s: float = 3600.0, objective: str = "both"
) -> AttackOutcome:
    """An attack entering at ``entry`` now (the explorer's button): draw its spread from
    a stream of its own and schedule its outages. Returns what it reached."""
    from twin.scenario.security import Attack

    plan: AttackPlan = model.attack_plan
    now = model.env.now
    attack = Attack(at=now, entry=entry, duration=duration_s, objective=objective)  # type: ignore[arg-type]
    security = model.spec.security
    # Child streams after the scenario's replications: launching never changes them.
    rng = random_stream(model.spec.seed, "attacks").spawn(
        security.attack_replications + len(plan.launched) + 1
    )[-1]
    outcome = replicate_attacks(
        plan.graph, [attack], security.lateral_movement_mean, security.restoration_time, 1, rng
    )[0]
    plan.launched.append(outcome)
    take_down(model, outcome.down)
    return outcome


def down_now(plan: AttackPlan, now: float) -> set[str]:
    """Components whose outage (from the simulated replication or a launched attack)
    covers ``now``."""
    outcomes = [*([plan.simulated] if plan.simulated else []), *plan.launched]
    return {
        component
        for outcome in outcomes
        for component, intervals in outcome.down.items()
        if any(start <= now < end for start, end in intervals)
    }


def attack_entries(model: CityModel) -> list[str]:
    """Where an attack can enter this city: every component, then ``vendor:NAME``s."""
    graph = model.attack_plan.graph
    vendors = sorted(
        {f"vendor:{c.vendor}" for c in (graph.nodes[n]["component"] for n in graph) if c.vendor}
    )
    return [*graph.nodes, *vendors]


# -- after the run ------------------------------------------------------------------------


def security_of_run(
    result: RunResult,
    model: CityModel,
    progress: Callable[[float, float], None] | None = None,
) -> None:
    """Fill ``result.metrics["security"]`` and ``result.security`` (see the module doc)."""
    from twin.simulation.runner import collect

    scenario = model.spec
    plan: AttackPlan = model.attack_plan
    graph = plan.graph
    if not scenario.attacks:
        result.metrics["security"] = security_section(scenario, graph, [])
        result.security = SecurityResult(graph, {})
        return
    from twin.simulation.model import CityModel as Model

    baseline_scenario = scenario.model_copy(update={"attacks": []})
    baseline_model = Model(baseline_scenario)
    baseline_model.run_to_end(progress)
    baseline = collect(baseline_model, {})
    simulated = [result]
    for k in range(1, min(scenario.security.simulated_replications, len(plan.outcomes))):
        replica = Model(scenario, attack_replication=k)
        replica.run_to_end(progress)
        simulated.append(collect(replica, {}))
    per_replication: dict[str, list[float | None]] = {
        key: [None] * len(plan.outcomes) for key in SIMULATED_OUTCOMES
    }
    base_eff: Mapping[str, object] = baseline.metrics["efficiency"]  # type: ignore[assignment]
    for k, run in enumerate(simulated):
        eff: Mapping[str, object] = run.metrics["efficiency"]  # type: ignore[assignment]
        for key, metric in (
            ("extra_vehicle_delay_s", "vehicle_delay_s_mean"),
            ("emergency_response_increase_s", "emergency_response_s_mean"),
            ("stranded_crossings_added", "stranded_crossings"),
        ):
            per_replication[key][k] = counterfactual_difference(
                [_number(eff.get(metric))], [_number(base_eff.get(metric))]
            )[0]
    exposure = _Exposure(baseline_model, graph)
    for k, outcome in enumerate(plan.outcomes):
        per_replication["persons_affected"][k] = exposure.persons_affected(outcome.down)
        leaked = exposure.leaked(outcome.leaks)
        per_replication["records_exfiltrated"][k] = leaked[0]
        per_replication["persons_exfiltrated"][k] = leaked[1]
        per_replication["sensitive_persons_exfiltrated"][k] = leaked[2]
    section = security_section(scenario, graph, plan.outcomes, per_replication)
    section["simulated_replications"] = len(simulated)
    section["extra_vehicle_hours"] = _vehicle_hours(result, baseline)
    section["note"] = (
        f"graph outcomes, persons affected and leaks over all {len(plan.outcomes)} "
        f"replications; delay, emergency response and stranded crossings simulated for "
        f"the first {len(simulated)} against one run without the attack (same seed)"
    )
    result.metrics["security"] = section
    spans = [(a.at, a.end_s) for a in scenario.attacks]
    result.security = SecurityResult(graph, plan.outcomes[0].compromised, baseline.series, spans)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _vehicle_hours(attacked: RunResult, baseline: RunResult) -> float:
    """Extra vehicle-hours of delay of the simulated replication 0 (trips started after
    the warm-up, finished ones)."""

    def hours(run: RunResult) -> float:
        trips = run.tables["vehicle_trips"]
        late = trips["start_s"] >= run.scenario.warmup
        delay = trips["end_s"] - trips["start_s"] - trips["freeflow_s"]
        return float(delay[late].sum()) / 3600.0

    return hours(attacked) - hours(baseline)


class _Exposure:
    """Who met what, and what the stores held, in the run without the attack."""

    def __init__(self, model: CityModel, graph: nx.DiGraph) -> None:
        self.graph = graph
        self.n_nodes = len(model.grid.intersections)
        n_residents = len(model.residents)
        crossings = model.crossing_log.arrays()
        passages = model.traffic.passages.arrays()
        owners = model.vehicle_owners
        trip = passages["trip"].astype(np.int64) - 1
        owner = np.where((trip >= 0) & (trip < len(owners)), owners[np.clip(trip, 0, None)], -1)
        owner = np.where(owner < n_residents, owner, -1)
        # One call counts every mode: a crossing at node n is n, a resident's car there
        # n + N, and an impaired resident's crossing (whom crossing assist serves) n + 2N.
        impaired = crossings["impaired"] == 1
        walkers = crossings["resident"].astype(np.int64)
        at = crossings["node"].astype(np.int64)
        self.subject = np.concatenate([walkers, owner, walkers[impaired]])
        self.node = np.concatenate(
            [at, passages["node"].astype(np.int64) + self.n_nodes, at[impaired] + 2 * self.n_nodes]
        )
        self.time_s = np.concatenate(
            [crossings["start_s"], passages["time_s"], crossings["start_s"][impaired]]
        )
        self.model = model
        self._records: Records | None = None
        self._systems: list[str] = []

    def persons_affected(self, down: Mapping[str, Sequence[Interval]]) -> int:
        """Residents whose crossing or car met a disrupted component."""
        by_node: dict[int, list[Interval]] = {}
        for name, spans in down.items():
            component = self.graph.nodes[name]["component"]
            services = set(component.services)
            every = list(range(self.n_nodes))
            if name.startswith(f"{CONTROLLER}:"):
                hit = [component.node, component.node + self.n_nodes]
            else:
                hit = []
                if services & _PEDESTRIAN_SERVICES:
                    hit += every
                if services & _DRIVER_SERVICES:
                    hit += [n + self.n_nodes for n in every]
                if "crossing_assist" in services:
                    hit += [n + 2 * self.n_nodes for n in every]
            for node in hit:
                by_node.setdefault(node, []).extend(spans)
        return persons_affected(self.subject, self.node, self.time_s, by_node)

    def leaked(self, leaks: Mapping[str, Sequence[float]]) -> tuple[int, int, int]:
        """(identifiable records, residents, residents with sensitive records) leaked."""
        if not leaks:
            return 0, 0, 0
        from twin.digital.records import CLASS_NAMES
        from twin.digital.retention import held_mask

        if self._records is None:
            self._records, self._systems, _ = privacy_records(self.model)
        records = self._records
        mask = np.zeros(len(records), dtype=bool)
        for name, times in leaks.items():
            held = self.graph.nodes[name]["component"].holds
            indices = [self._systems.index(s) for s in held if s in self._systems]
            if not indices:
                continue
            in_store = np.isin(records.system, indices)
            for t in times:
                mask |= in_store & held_mask(records, self.model.spec.policy.retention, t)
        taken = records.take(mask)
        classes = np.array(CLASS_NAMES)[taken.cls]
        n_residents = len(self.model.residents)
        person = np.where((taken.subject >= 0) & (taken.person < n_residents), taken.person, -1)
        return (
            records_exfiltrated(classes, taken.subject),
            persons_exfiltrated(classes, person),
            persons_exfiltrated(classes, person, taken.sensitive),
        )


def privacy_records(model: CityModel) -> tuple[Records, list[str], dict[str, object]]:
    """(records, the system names ``records.system`` indexes, privacy metrics) of a model
    that has run and been collected: the digital layer's own, read only.

    The one place that knows how the digital layer is wired: ``twin.digital.run``'s
    ``privacy_of_model`` once the privacy section is in every run, else the earlier
    ``twin.digital.run_privacy.privacy_of_run``.
    """
    import importlib

    sensors = list(model.sensing.sensors.values())
    try:
        wired = importlib.import_module("twin.digital.run")
    except ImportError:
        wired = None
    if wired is not None and hasattr(wired, "privacy_of_model"):
        outcome = wired.privacy_of_model(
            model, model.sensing.log.arrays(), np.array([model.env.now])
        )
        return outcome.records, sorted({s.system for s in sensors}), dict(outcome.metrics)
    from twin.digital.run_privacy import privacy_of_run
    from twin.digital.traffic_monitoring import SYSTEM

    systems = {s.system for s in sensors}
    if model.spec.services.traffic_monitoring.method != "none":
        systems.add(SYSTEM)
    outcome = privacy_of_run(model)
    return outcome.records, sorted(systems), dict(outcome.metrics)


# -- writing ---------------------------------------------------------------------------


def security_files(result: RunResult) -> dict[str, Callable[[Path], object]]:
    """``components.json`` and the plots, by path relative to the results folder."""
    security: SecurityResult | None = getattr(result, "security", None)
    if security is None:
        return {}
    graph, compromised = security.graph, security.compromised
    name, start = result.scenario.name, result.scenario.demand.start_hour
    files: dict[str, Callable[[Path], object]] = {
        "components.json": lambda p: write_components(p, graph, compromised)
    }

    def draw_graph(path: Path) -> None:
        from metrics.security_plots import plot_component_graph

        title = f"{name}: integration graph ({graph.graph['integration']}), replication 0"
        plot_component_graph(graph, compromised, path, title)

    files["plots/component_graph.png"] = draw_graph
    if security.counterfactual_series is not None:
        baseline = security.counterfactual_series

        def draw_timeline(path: Path) -> None:
            from metrics.security_plots import plot_attack_timeline

            restoration = result.scenario.security.restoration_time
            plot_attack_timeline(
                result.series, baseline, security.attack_spans, path, start, restoration
            )

        files["plots/attack_timeline.png"] = draw_timeline
    return files
