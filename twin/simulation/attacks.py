"""Attacks in a running city: its integration graph, the draws of its attacks, their outages.

:func:`install` is called once the services are built (``CityModel``): the graph
from the services' declared parts, sensors and links and the ``policy`` section;
with attacks, their spread drawn from the run's own ``attacks`` stream and one
replication's outages scheduled inside the simulation. The explorer launches
attacks by hand with :func:`launch_attack`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from twin.errors import SCENARIO_SOURCE, Problem, ScenarioError, TwinError
from twin.scenario.vendors import VendorModel, vendor_model
from twin.security.blast_radius import draw_attacks
from twin.security.effects import apply_outcome
from twin.security.graph import build_component_graph, resolve_entry
from twin.security.spread import AttackOutcome, replicate_attacks
from twin.streams import random_stream

if TYPE_CHECKING:
    import networkx as nx

    from twin.scenario import Scenario
    from twin.simulation.model import CityModel

__all__ = [
    "AttackPlan",
    "attack_entries",
    "check_entries",
    "city_graph",
    "city_vendors",
    "down_now",
    "install",
    "launch_attack",
]


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


def city_vendors(model: CityModel) -> VendorModel:
    """The vendor model of a built city (``twin.scenario.vendors``): its policy, sensors
    and declared links."""
    return vendor_model(
        model.spec.policy,
        {name: sensor.system for name, sensor in model.sensing.sensors.items()},
        [(link.source, link.target) for link in model.sensing.links],
    )


def city_graph(model: CityModel) -> nx.DiGraph:
    """The integration graph of a built city: its services' parts, sensors and links."""
    scenario = model.spec
    return build_component_graph(
        [part for service in model.services.values() for part in service.parts()],
        list(model.sensing.sensors.values()),
        model.sensing.links,
        scenario.policy.integration,
        scenario.security,
        len(model.streets.intersections),
        city_vendors(model),
    )


def install(model: CityModel, replication: int = 0) -> AttackPlan:
    """Build the run's integration graph; with attacks, schedule replication
    ``replication``'s outages (a negative one: draw but schedule nothing)."""
    scenario = model.spec
    graph = city_graph(model)
    if not scenario.attacks:
        return AttackPlan(graph, [])
    check_entries(graph, scenario)
    outcomes = draw_attacks(graph, scenario)
    plan = AttackPlan(graph, outcomes, replication if replication < len(outcomes) else -1)
    if plan.simulated is not None:
        apply_outcome(model.services, graph, plan.simulated, model.env.now)
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


def launch_attack(
    model: CityModel,
    entry: str,
    duration_s: float = 3600.0,
    effect: tuple[str, ...] = ("fail_safe_flash", "exfiltrate"),
) -> AttackOutcome:
    """An attack entering at ``entry`` now (the explorer's button): draw its spread from
    a stream of its own and schedule its effects. Returns what it reached."""
    from twin.scenario.security import Attack

    plan = model.attack_plan
    now = model.env.now
    attack = Attack(at=now, entry=entry, duration=duration_s, effect=effect)  # type: ignore[arg-type]
    security = model.spec.security
    # Child streams after the scenario's replications: launching never changes them.
    rng = random_stream(model.spec.seed, "attacks").spawn(
        security.attack_replications + len(plan.launched) + 1
    )[-1]
    outcome = replicate_attacks(plan.graph, [attack], security, 1, rng, security.monitoring)[0]
    plan.launched.append(outcome)
    apply_outcome(model.services, plan.graph, outcome, now)
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


def attack_entries(plan: AttackPlan) -> list[str]:
    """Where an attack can enter this city: every component, then ``vendor:NAME``s."""
    graph = plan.graph
    vendors = sorted(
        {f"vendor:{c.vendor}" for c in (graph.nodes[n]["component"] for n in graph) if c.vendor}
    )
    return [*graph.nodes, *vendors]
