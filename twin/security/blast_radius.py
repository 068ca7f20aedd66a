"""The blast radius of a run's attacks: the ``security`` section of metrics.json, counted in
people, against the same seed without the attack.

Two kinds of outcome:

- *drawn*, for every replication, from the integration graph, the replication's draw
  (what fell, when, what it did, what leaked, the response) and the run without the
  attack (who passed where, what the stores held and received): components compromised,
  service-hours lost, detection, persons affected, records and persons exfiltrated;
- *simulated*, for the first ``security.simulated_replications``: the attacked city run
  again, against the run without the attack (common random numbers, so the difference
  is the attack's): extra delay, conflicts and stranded crossings added, emergency
  response added, blocked links added.

Each is a mean with a 95 % interval that never leaves the outcome's range
(``metrics.security.mean_interval``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from metrics.privacy import PSEUDONYMOUS, reidentification_risk
from metrics.security import (
    IDENTIFIABLE_CLASSES,
    components_compromised_share,
    mean_interval,
    persons_affected,
    service_hours_lost,
    services_disrupted,
)
from twin.digital.records import CLASS_NAMES, Records
from twin.security.spread import AttackOutcome, Interval, merge_intervals, replicate_attacks
from twin.services.base import DRIVERS, IMPAIRED_PEDESTRIANS, PEDESTRIANS
from twin.streams import random_stream

if TYPE_CHECKING:
    from twin.scenario import Scenario

__all__ = [
    "DRAWN_OUTCOMES",
    "NO_ATTACKS",
    "SIMULATED_OUTCOMES",
    "Exposure",
    "Leaks",
    "attack_section",
    "draw_attacks",
    "security_section",
]

NO_ATTACKS = "no attacks in this scenario"
#: Simulated outcomes: (key, the efficiency or congestion metric it differences).
SIMULATED_OUTCOMES = (
    ("extra_vehicle_delay_s", "vehicle_delay_s_mean"),
    ("extra_vehicle_hours", "vehicle_delay_h"),
    ("conflicts_added", "vehicle_pedestrian_conflicts"),
    ("stranded_crossings_added", "stranded_crossings"),
    ("emergency_response_added_s", "emergency_response_s_mean"),
    ("blocked_approach_hours_added", "approach_blocked_h"),
)
#: Outcomes drawn for every replication that count people or records (lower bound 0).
DRAWN_OUTCOMES = (
    "persons_affected",
    "records_exfiltrated",
    "records_captured_live",
    "persons_exfiltrated",
    "persons_identified",
    "persons_reidentifiable",
    "persons_captured_live",
    "sensitive_persons_exfiltrated",
)
#: Persons whose re-identification risk is computed per leak (the rest are scaled from it).
RISK_SAMPLE = 100


def draw_attacks(graph: nx.DiGraph, scenario: Scenario) -> list[AttackOutcome]:
    """``security.attack_replications`` draws of the scenario's attacks on ``graph``, from
    the run's ``attacks`` stream only (nothing drawn without attacks)."""
    if not scenario.attacks:
        return []
    security = scenario.security
    return replicate_attacks(
        graph,
        scenario.attacks,
        security,
        security.attack_replications,
        random_stream(scenario.seed, "attacks"),
        security.monitoring,
    )


def security_section(
    scenario: Scenario, graph: nx.DiGraph, outcomes: Sequence[AttackOutcome]
) -> dict[str, object]:
    """The graph-level part of the ``security`` section, with 95 % intervals."""
    total = graph.number_of_nodes()
    if not scenario.attacks:
        return {"attacks": 0, "note": NO_ATTACKS, "components_total": total}
    services_of = {name: graph.nodes[name]["component"].services for name in graph}
    services = {s for name in graph for s in services_of[name]}
    window_h = (scenario.duration - scenario.warmup) / 3600.0
    shares, hours, detected, delays = [], [], [], []
    disrupted: dict[str, int] = {}
    for outcome in outcomes:
        shares.append(components_compromised_share(outcome.compromised, total))
        hours.append(
            service_hours_lost(outcome.down, services_of, scenario.warmup, scenario.duration)
        )
        for service in services_disrupted(outcome.down, services_of):
            disrupted[service] = disrupted.get(service, 0) + 1
        found = [r.detected_s for r in outcome.responses]
        detected.append(float(all(t < scenario.duration for t in found)))
        delays.append(
            max(
                r.detected_s - a.at
                for r, a in zip(outcome.responses, scenario.attacks, strict=True)
            )
            / 3600.0
        )
    return {
        "attacks": len(scenario.attacks),
        "effects": sorted({e for a in scenario.attacks for e in a.effect}),
        "replications": len(outcomes),
        "components_total": total,
        "components_compromised_share": mean_interval(shares, (0.0, 1.0)),
        "services_disrupted": sorted(disrupted),
        "services_disrupted_share": {s: disrupted[s] / len(outcomes) for s in sorted(disrupted)},
        "service_hours_lost": mean_interval(hours, (0.0, len(services) * window_h)),
        "detected_in_run_share": mean_interval(detected, (0.0, 1.0), binary=True),
        "time_to_detect_h": mean_interval(delays, (0.0, None)),
    }


class Exposure:
    """Who met what in the run without the attack.

    Args:
        crossings: the run's crossings table.
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


class StoreIndex:
    """One store's records in time order, whole and per retention period, so what it held
    at an instant and what it received in a window are slices."""

    def __init__(self, rows: np.ndarray, time_s: np.ndarray, retention_s: np.ndarray) -> None:
        rows = rows[np.argsort(time_s[rows], kind="stable")]
        self.rows, self.time_s = rows, time_s[rows]
        #: (retention period, its rows in time order, their times)
        self.by_retention: list[tuple[float, np.ndarray, np.ndarray]] = []
        for period in np.unique(retention_s[rows]).tolist():
            same = rows[retention_s[rows] == period]
            self.by_retention.append((period, same, time_s[same]))

    def held_at(self, instant: float) -> list[np.ndarray]:
        """The rows held at ``instant``: written by then and not yet deleted."""
        held = []
        for period, rows, time in self.by_retention:
            lo = np.searchsorted(time, instant - period, side="right")
            held.append(rows[lo : np.searchsorted(time, instant, side="right")])
        return held

    def written(self, start: float, end: float) -> np.ndarray:
        """The rows written in (``start``, ``end``]."""
        lo, hi = np.searchsorted(self.time_s, (start, end), side="right")
        return self.rows[lo:hi]


@dataclass
class Leaks:
    """What the stores held and received in the run without the attack, and what a leak
    of them gives away.

    Args:
        graph: the integration graph (the systems each component holds).
        records: every record the stores received (``twin.digital``).
        retention_s: how long each record is kept.
        systems: the system names ``records.system`` indexes.
        n_residents: residents are persons ``0 .. n_residents - 1``.
        time_resolution_s: the privacy analysis's time bin (the attacker's points).
    """

    graph: nx.DiGraph
    records: Records
    retention_s: np.ndarray
    systems: Sequence[str]
    n_residents: int
    time_resolution_s: float = 3600.0
    _person: np.ndarray = field(init=False, repr=False)
    _identifiable: np.ndarray = field(init=False, repr=False)
    _named: np.ndarray = field(init=False, repr=False)
    _sensitive: np.ndarray = field(init=False, repr=False)
    _pseudonymous: np.ndarray = field(init=False, repr=False)
    _in_store: dict[tuple[int, ...], StoreIndex] = field(init=False, repr=False)
    _nothing: dict[str, int | float] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        records = self.records
        classes = np.array(CLASS_NAMES)[records.cls]
        #: per record: the resident it is about (-1: nobody, or a visitor)
        self._person = np.where(
            (records.subject >= 0) & (records.person < self.n_residents), records.person, -1
        )
        self._identifiable = np.isin(classes, IDENTIFIABLE_CLASSES) & (records.subject >= 0)
        self._named = _named(classes, self._person)
        self._sensitive = self._named & records.sensitive.astype(bool)
        self._pseudonymous = (records.cls == PSEUDONYMOUS) & (self._person >= 0)
        self._in_store = {}

    def _store(self, name: str) -> StoreIndex | None:
        """The records component ``name``'s stores hold (None: it holds none)."""
        held = self.graph.nodes[name]["component"].holds
        key = tuple(sorted(self.systems.index(s) for s in held if s in self.systems))
        if not key:
            return None
        if key not in self._in_store:
            mine = np.flatnonzero(np.isin(self.records.system, key))
            self._in_store[key] = StoreIndex(mine, self.records.time_s, self.retention_s)
        return self._in_store[key]

    def taken(self, leaks: Mapping[str, Sequence[Interval]], seed: int) -> dict[str, int | float]:
        """Records and persons taken in one replication's leaks: each window (from, to) of
        a store gives what it held at ``from`` and every record written until ``to``."""
        windows: dict[StoreIndex, list[Interval]] = {}
        for name, spans in leaks.items():
            store = self._store(name)
            if store is not None and spans:
                windows.setdefault(store, []).extend(spans)
        if not windows:
            if self._nothing is None:
                nothing = np.zeros(len(self.records), dtype=bool)
                self._nothing = self._count(nothing, nothing, seed)
            return dict(self._nothing)
        stored = np.zeros(len(self.records), dtype=bool)
        live = np.zeros(len(self.records), dtype=bool)
        for store, spans in windows.items():
            # overlapping windows joined: one starting inside another takes nothing more
            # (what the store held at its start was held at the earlier start or written since)
            for start, end in merge_intervals(spans):
                for rows in store.held_at(start):
                    stored[rows] = True
                live[store.written(start, end)] = True
        return self._count(stored, live, seed)

    def most(self) -> dict[str, float]:
        """Each leak outcome's largest possible value: everything the stores received."""
        named = self._residents(self._named)
        reidentifiable = len(self._residents(self._pseudonymous))
        records = float(np.count_nonzero(self._identifiable))
        return {
            "records_exfiltrated": records,
            "records_captured_live": records,
            "persons_identified": float(len(named)),
            "persons_captured_live": float(len(named)),
            "persons_reidentifiable": float(reidentifiable),
            "persons_exfiltrated": float(len(named) + reidentifiable),
            "sensitive_persons_exfiltrated": float(len(self._residents(self._sensitive))),
        }

    def _residents(self, mask: np.ndarray) -> set[int]:
        """The residents the records in ``mask`` are about (every one of them names one)."""
        seen = np.zeros(self.n_residents, dtype=bool)
        seen[self._person[mask]] = True
        return set(np.flatnonzero(seen).tolist())

    def _count(self, stored: np.ndarray, live: np.ndarray, seed: int) -> dict[str, int | float]:
        taken = stored | live
        named = self._residents(taken & self._named)
        expected = self._reidentified(taken & self._pseudonymous, named, seed)
        return {
            "records_exfiltrated": int(np.count_nonzero(taken & self._identifiable)),
            "records_captured_live": int(np.count_nonzero(live & self._identifiable)),
            "persons_identified": len(named),
            "persons_reidentifiable": expected,
            "persons_exfiltrated": len(named) + expected,
            "persons_captured_live": len(self._residents(live & self._named)),
            "sensitive_persons_exfiltrated": len(self._residents(taken & self._sensitive)),
        }

    def _reidentified(self, mask: np.ndarray, identified: set[int], seed: int) -> float:
        """Expected persons re-identified from the pseudonymised records in ``mask``: the
        sum of their re-identification risk (``metrics.privacy``: an attacker knowing two
        points of a person's whereabouts), for persons not already named in the leak;
        computed on at most ``RISK_SAMPLE`` of them and scaled."""
        if not mask.any():
            return 0.0
        table = self.records.take(mask).table()
        persons = np.setdiff1d(
            np.fromiter(self._residents(mask), np.int64), np.fromiter(identified, np.int64)
        )
        if len(persons) == 0:
            return 0.0
        sample = persons
        if len(persons) > RISK_SAMPLE:
            sample = np.sort(np.random.default_rng(seed).choice(persons, RISK_SAMPLE, False))
        risk = reidentification_risk(table, sample, self.time_resolution_s)
        return float(risk.mean()) * len(persons)


def _named(classes: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Records that name a resident on their own (a direct or persistent identifier)."""
    return np.isin(classes, ("direct", "persistent")) & (person >= 0)


def attack_section(
    scenario: Scenario,
    graph: nx.DiGraph,
    outcomes: Sequence[AttackOutcome],
    attacked: Sequence[Mapping[str, float | None]],
    baseline: Mapping[str, float | None],
    exposure: Exposure,
    leaks: Leaks,
) -> dict[str, object]:
    """The ``security`` section of an attacked run.

    Args:
        scenario: the attacked scenario.
        graph: its integration graph.
        outcomes: every replication's draw of the attacks.
        attacked: the simulated replications' metrics (``SIMULATED_OUTCOMES``' second
            names), replication 0 first.
        baseline: the same metrics of the run without the attacks.
        exposure: who met what in the run without the attacks.
        leaks: what its stores held and received.
    """
    section = security_section(scenario, graph, outcomes)
    most = {"persons_affected": float(leaks.n_residents), **leaks.most()}
    drawn: dict[str, list[float]] = {key: [] for key in DRAWN_OUTCOMES}
    for k, outcome in enumerate(outcomes):
        drawn["persons_affected"].append(exposure.persons_affected(outcome.down))
        for key, value in leaks.taken(outcome.leaks, seed=k).items():
            drawn[key].append(float(value))
    for key, values in drawn.items():
        section[key] = mean_interval(values, (0.0, most[key]))
    differences: dict[str, list[float | None]] = {key: [] for key, _ in SIMULATED_OUTCOMES}
    for run in attacked:
        for key, metric in SIMULATED_OUTCOMES:
            a, b = run.get(metric), baseline.get(metric)
            differences[key].append(None if a is None or b is None else a - b)
    for key, diffs in differences.items():
        section[key] = mean_interval(diffs)
    section["attacked"] = {
        metric: mean_interval([run.get(metric) for run in attacked], (0.0, None))
        for _, metric in SIMULATED_OUTCOMES
    }
    section["simulated_replications"] = len(attacked)
    section["note"] = (
        f"drawn over all {len(outcomes)} replications: components, service-hours, detection, "
        f"persons affected and leaks; simulated for the first {len(attacked)}: delay, "
        "conflicts, stranded crossings, emergency response and blocked approaches, each "
        "attacked minus the same seed without the attack (efficiency is that run)"
    )
    return section
