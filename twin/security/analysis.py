"""The ``security`` section of metrics.json, from the graph and the attack replications.

This is the glue the run calls once its services have declared their sensors
and links. Outcomes that need the attacked simulation itself (extra delay,
persons affected, records leaked from the stores' contents) are passed in per
replication by the caller; until the run executes attacks they are None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import networkx as nx

from metrics.security import (
    components_compromised_share,
    mean_interval,
    service_hours_lost,
    services_disrupted,
)
from twin.security.graph import build_component_graph
from twin.security.spread import AttackOutcome, replicate_attacks
from twin.streams import random_stream

if TYPE_CHECKING:
    from agents.sensing import Link, Sensor
    from twin.scenario import Scenario

__all__ = [
    "NO_ATTACKS",
    "SIMULATED_OUTCOMES",
    "attack_outcomes",
    "draw_attacks",
    "security_section",
]

NO_ATTACKS = "no attacks in this scenario"
#: Outcomes measured on the attacked simulation against the counterfactual (lead wires them).
SIMULATED_OUTCOMES = (
    "persons_affected",
    "records_exfiltrated",
    "persons_exfiltrated",
    "sensitive_persons_exfiltrated",
    "extra_vehicle_delay_s",
    "emergency_response_increase_s",
    "stranded_crossings_added",
)


def attack_outcomes(
    scenario: Scenario,
    sensors: Iterable[Sensor],
    links: Iterable[Link],
    intersections: int,
    integration: str,
    vendors: Mapping[str, bool] | None = None,
) -> tuple[nx.DiGraph, list[AttackOutcome]]:
    """The integration graph and ``security.attack_replications`` draws of the attacks.

    Draws come from the run's ``attacks`` stream only. With no attacks the
    list is empty and nothing is drawn.
    """
    security = scenario.security
    graph = build_component_graph(sensors, links, integration, security, intersections, vendors)
    return graph, draw_attacks(graph, scenario)


def draw_attacks(graph: nx.DiGraph, scenario: Scenario) -> list[AttackOutcome]:
    """``security.attack_replications`` draws of the scenario's attacks on ``graph``, from
    the run's ``attacks`` stream only (nothing drawn without attacks)."""
    if not scenario.attacks:
        return []
    security = scenario.security
    return replicate_attacks(
        graph,
        scenario.attacks,
        security.lateral_movement_mean,
        security.restoration_time,
        security.attack_replications,
        random_stream(scenario.seed, "attacks"),
    )


def security_section(
    scenario: Scenario,
    graph: nx.DiGraph,
    outcomes: Sequence[AttackOutcome],
    simulated: Mapping[str, Sequence[float | None]] | None = None,
) -> dict[str, object]:
    """The ``security`` section: graph-level blast radius with 95 % intervals, plus the
    simulated outcomes given per replication in ``simulated`` (None where absent)."""
    total = graph.number_of_nodes()
    if not scenario.attacks:
        return {"attacks": 0, "note": NO_ATTACKS, "components_total": total}
    services_of = {name: graph.nodes[name]["component"].services for name in graph}
    shares, hours, disrupted = [], [], set()
    for outcome in outcomes:
        shares.append(components_compromised_share(outcome.compromised, total))
        hours.append(
            service_hours_lost(outcome.down, services_of, scenario.warmup, scenario.duration)
        )
        disrupted.update(services_disrupted(outcome.down, services_of))
    section: dict[str, object] = {
        "attacks": len(scenario.attacks),
        "replications": len(outcomes),
        "components_total": total,
        "components_compromised_share": mean_interval(shares),
        "services_disrupted": sorted(disrupted),
        "service_hours_lost": mean_interval(hours),
    }
    given = simulated or {}
    for key in SIMULATED_OUTCOMES:
        section[key] = mean_interval(given.get(key, ()))
    return section
