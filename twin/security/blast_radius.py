"""The blast radius of a run's attacks: the ``security`` section of metrics.json.

From the integration graph and the attack replications (what fell, when, what
leaked) and from the run without the attack (who met what, what the stores
held): every outcome here is computed, none simulated. The simulated outcomes
(extra delay, emergency response, stranded crossings) are handed in per
replication by the runner, which ran the cities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from metrics.security import (
    components_compromised_share,
    counterfactual_difference,
    mean_interval,
    persons_affected,
    persons_exfiltrated,
    records_exfiltrated,
    service_hours_lost,
    services_disrupted,
)
from twin.digital.records import CLASS_NAMES, Records
from twin.digital.retention import held_mask
from twin.security.spread import AttackOutcome, Interval, replicate_attacks
from twin.services.base import DRIVERS, IMPAIRED_PEDESTRIANS, PEDESTRIANS
from twin.streams import random_stream

if TYPE_CHECKING:
    from twin.scenario import Scenario

__all__ = [
    "NO_ATTACKS",
    "SIMULATED_OUTCOMES",
    "Exposure",
    "attack_section",
    "draw_attacks",
    "leaked",
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


class Exposure:
    """Who met what, and what the stores held, in the run without the attack.

    Args:
        crossings: the counterfactual's crossings table.
        passages: its vehicle passages table.
        owners: person of each vehicle trip (trip k is ``owners[k - 1]``).
        n_residents: residents are persons ``0 .. n_residents - 1``.
        n_nodes: intersections.
        audiences: function -> who meets its outage (``Service.functions``).
        graph: the integration graph (each component's functions and intersection).
    """

    def __init__(
        self,
        crossings: Mapping[str, np.ndarray],
        passages: Mapping[str, np.ndarray],
        owners: np.ndarray,
        n_residents: int,
        n_nodes: int,
        audiences: Mapping[str, Sequence[str]],
        graph: nx.DiGraph,
    ) -> None:
        self.graph = graph
        self.audiences = audiences
        self.n_nodes = n_nodes
        trip = passages["trip"].astype(np.int64) - 1
        owner = np.where((trip >= 0) & (trip < len(owners)), owners[np.clip(trip, 0, None)], -1)
        owner = np.where(owner < n_residents, owner, -1)
        # One call counts every audience: a crossing at node n is n, a resident's car
        # there n + N, and an impaired resident's crossing n + 2N.
        impaired = crossings["impaired"] == 1
        walkers = crossings["resident"].astype(np.int64)
        at = crossings["node"].astype(np.int64)
        self.subject = np.concatenate([walkers, owner, walkers[impaired]])
        self.node = np.concatenate(
            [at, passages["node"].astype(np.int64) + n_nodes, at[impaired] + 2 * n_nodes]
        )
        self.time_s = np.concatenate(
            [crossings["start_s"], passages["time_s"], crossings["start_s"][impaired]]
        )

    def persons_affected(self, down: Mapping[str, Sequence[Interval]]) -> int:
        """Residents whose crossing or car met a disrupted function: at the fallen
        component's own intersection, or anywhere for a component serving them all."""
        offset = {PEDESTRIANS: 0, DRIVERS: 1, IMPAIRED_PEDESTRIANS: 2}
        by_node: dict[int, list[Interval]] = {}
        for name, spans in down.items():
            component = self.graph.nodes[name]["component"]
            where = [component.node] if component.node >= 0 else range(self.n_nodes)
            whom = {a for f in component.services for a in self.audiences.get(f, ())}
            for audience in sorted(whom):
                for node in where:
                    by_node.setdefault(node + offset[audience] * self.n_nodes, []).extend(spans)
        return persons_affected(self.subject, self.node, self.time_s, by_node)


def leaked(
    graph: nx.DiGraph,
    records: Records,
    systems: Sequence[str],
    retention: object,
    n_residents: int,
    leaks: Mapping[str, Sequence[float]],
) -> tuple[int, int, int]:
    """(identifiable records, residents, residents with sensitive records) taken from the
    stores that leaked, each at the times given (what it held then)."""
    if not leaks:
        return 0, 0, 0
    mask = np.zeros(len(records), dtype=bool)
    for name, times in leaks.items():
        held = graph.nodes[name]["component"].holds
        indices = [systems.index(s) for s in held if s in systems]
        if not indices:
            continue
        in_store = np.isin(records.system, indices)
        for t in times:
            mask |= in_store & held_mask(records, retention, t)
    taken = records.take(mask)
    classes = np.array(CLASS_NAMES)[taken.cls]
    person = np.where((taken.subject >= 0) & (taken.person < n_residents), taken.person, -1)
    return (
        records_exfiltrated(classes, taken.subject),
        persons_exfiltrated(classes, person),
        persons_exfiltrated(classes, person, taken.sensitive),
    )


def attack_section(
    scenario: Scenario,
    graph: nx.DiGraph,
    outcomes: Sequence[AttackOutcome],
    simulated: Sequence[Mapping[str, object]],
    baseline: Mapping[str, object],
    exposure: Exposure,
    leak: Callable[[Mapping[str, Sequence[float]]], tuple[int, int, int]],
) -> dict[str, object]:
    """The ``security`` section of an attacked run.

    Args:
        scenario: the attacked scenario.
        graph: its integration graph.
        outcomes: every replication's draw of the attacks.
        simulated: ``efficiency`` of the first replications, simulated (0 is the run).
        baseline: ``efficiency`` of the same scenario and seed without the attacks.
        exposure: who met what in the run without the attacks.
        leak: (records, residents, sensitive residents) taken, given a draw's leaks.
    """
    per_replication: dict[str, list[float | None]] = {
        key: [None] * len(outcomes) for key in SIMULATED_OUTCOMES
    }
    for k, efficiency in enumerate(simulated):
        for key, metric in (
            ("extra_vehicle_delay_s", "vehicle_delay_s_mean"),
            ("emergency_response_increase_s", "emergency_response_s_mean"),
            ("stranded_crossings_added", "stranded_crossings"),
        ):
            per_replication[key][k] = counterfactual_difference(
                [_number(efficiency.get(metric))], [_number(baseline.get(metric))]
            )[0]
    for k, outcome in enumerate(outcomes):
        per_replication["persons_affected"][k] = exposure.persons_affected(outcome.down)
        taken = leak(outcome.leaks)
        per_replication["records_exfiltrated"][k] = taken[0]
        per_replication["persons_exfiltrated"][k] = taken[1]
        per_replication["sensitive_persons_exfiltrated"][k] = taken[2]
    section = security_section(scenario, graph, outcomes, per_replication)
    section["simulated_replications"] = len(simulated)
    return section


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
