"""How a compromise spreads along trust paths, and what it takes down and for how long.

The spread is an independent cascade with delays, in the spirit of
CyberBattleSim's lateral movement: once an attacker holds a component, each
trust path out of it is tried once; the try succeeds with the path's
traversal probability times the target's susceptibility (its hardening, worse
for an untrusted vendor), and takes an exponentially distributed time with
the scenario's mean lateral-movement time. A path's two random numbers are a
function of its ends and of the draw's key only, so the same path fares the
same in replication r whatever else the city has (common random numbers across
policies: a policy that adds components does not reshuffle the others' draws).
A component falls at the earliest time any successful chain of tries reaches it,
if that is before the attack ends. All draws come from the run's ``attacks`` stream, so the traffic,
pedestrians and sensors draw exactly what they would without the attack
(common random numbers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from twin.security.graph import resolve_entry
from twin.security.response import Response, draw_response, isolated_components

if TYPE_CHECKING:
    from twin.scenario.security import Attack, Security

__all__ = [
    "DISRUPTING",
    "LASTING",
    "AttackOutcome",
    "Interval",
    "edge_uniforms",
    "merge_intervals",
    "replicate_attacks",
    "spread",
]

Interval = tuple[float, float]


def spread(
    graph: nx.DiGraph,
    entry: str,
    start_s: float,
    end_s: float,
    mean_hop_s: float,
    rng: np.random.Generator,
) -> dict[str, float]:
    """When each component falls (s) in one draw of an attack entering at ``entry``.

    The entry component falls at ``start_s``; the others only if reached before
    ``end_s``. Edges are drawn in the graph's (deterministic) edge order.
    """
    if end_s <= start_s:
        raise ValueError(f"attack ends at {end_s} s, not after its start {start_s} s")
    edges = list(graph.edges(data="traversal"))
    targets = [graph.nodes[v]["component"].susceptibility for _, v, _ in edges]
    p = np.array([t for _, _, t in edges], dtype=float) * np.array(targets, dtype=float)
    try_u, delay_u = edge_uniforms(graph, int(rng.integers(2**63)))
    success = try_u < p
    delays = -mean_hop_s * np.log1p(-delay_u)
    open_paths = nx.DiGraph()
    open_paths.add_nodes_from(graph.nodes)
    for (u, v, _), ok, delay in zip(edges, success.tolist(), delays.tolist(), strict=True):
        if ok:
            open_paths.add_edge(u, v, delay=delay)
    reached = nx.single_source_dijkstra_path_length(
        open_paths, entry, cutoff=end_s - start_s, weight="delay"
    )
    return {name: start_s + t for name, t in reached.items() if start_s + t < end_s}


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-mixed 64-bit number from any 64-bit number."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def edge_uniforms(graph: nx.DiGraph, key: int) -> tuple[np.ndarray, np.ndarray]:
    """Two uniforms in [0, 1) per edge (in edge order), each a function of the edge's ends
    and ``key`` only."""
    names = graph.graph.get("_edge_names")
    if names is None or len(names) != graph.number_of_edges():
        digests = [
            hashlib.blake2b(f"{u}->{v}".encode(), digest_size=8).digest() for u, v in graph.edges
        ]
        names = np.frombuffer(b"".join(digests), dtype=np.uint64).copy()
        graph.graph["_edge_names"] = names
    first = _mix(names ^ np.uint64(key))
    second = _mix(first)
    scale = 2.0**-53
    return (first >> np.uint64(11)) * scale, (second >> np.uint64(11)) * scale


#: Effects that change what fallen components do in the running city.
DISRUPTING = ("fail_safe_flash", "malicious_timing", "false_data", "ransomware")
#: ... of which these last until the component is restored, not only while held.
LASTING = ("fail_safe_flash", "malicious_timing", "ransomware")


@dataclass(frozen=True)
class AttackOutcome:
    """One replication of all of a scenario's attacks.

    Attributes:
        compromised: component -> earliest time it fell (s); an insider compromises nothing.
        effects: effect -> component -> merged intervals during which the effect acts on it.
        isolated: component -> merged intervals during which containment cut it off.
        down: component -> merged intervals during which it does not work as it should
            (any disrupting effect, or isolation).
        leaks: component holding records -> (from, to) windows: the attacker takes what
            it holds at ``from`` and every record written until ``to`` (live capture).
        responses: per attack, its detection, containment and restoration.
    """

    compromised: dict[str, float]
    effects: dict[str, dict[str, list[Interval]]]
    isolated: dict[str, list[Interval]]
    down: dict[str, list[Interval]]
    leaks: dict[str, list[Interval]]
    responses: tuple[Response, ...] = ()


def replicate_attacks(
    graph: nx.DiGraph,
    attacks: Sequence[Attack],
    security: Security,
    replications: int,
    rng: np.random.Generator,
    monitored: bool = False,
) -> list[AttackOutcome]:
    """``replications`` independent draws of every attack: its spread, what each fallen
    component does (the attack's effects), the leaks, detection, containment, restoration.

    Each replication gets its own child stream (``rng.spawn``), so replication
    k's draws do not depend on how many replications are asked for. A
    ``random`` entry is drawn uniformly from all components.

    Raises:
        TwinError: an entry that names nothing in this graph.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, not {replications}")
    entries = [resolve_entry(graph, attack.entry) for attack in attacks]
    return [
        _replication(graph, attacks, entries, security, child, monitored)
        for child in rng.spawn(replications)
    ]


def _replication(
    graph: nx.DiGraph,
    attacks: Sequence[Attack],
    entries: Sequence[list[str]],
    security: Security,
    rng: np.random.Generator,
    monitored: bool,
) -> AttackOutcome:
    compromised: dict[str, float] = {}
    effects: dict[str, dict[str, list[Interval]]] = {}
    isolated: dict[str, list[Interval]] = {}
    leaks: dict[str, list[Interval]] = {}
    responses = []
    for attack, candidates in zip(attacks, entries, strict=True):
        if len(candidates) == 1 or attack.entry != "random":
            starts = candidates
        else:
            starts = [candidates[int(rng.integers(len(candidates)))]]
        response = draw_response(attack, security, rng, monitored)
        responses.append(response)
        ends = response.control_ends_s(attack)
        fallen: dict[str, float] = {}
        for start in starts:
            reached = (
                spread(graph, start, attack.at, ends, security.lateral_movement_mean, rng)
                if ends > attack.at
                else {start: attack.at}
            )
            for name, t in reached.items():
                fallen[name] = min(t, fallen.get(name, t))
        if "insider" not in attack.effect:
            for name, t in fallen.items():
                compromised[name] = min(t, compromised.get(name, t))
        for name, t in fallen.items():
            if ("exfiltrate" in attack.effect or "insider" in attack.effect) and (
                graph.nodes[name]["component"].holds
            ):
                leaks.setdefault(name, []).append((t, ends))
            for effect in attack.effect:
                if effect in DISRUPTING:
                    until = ends + response.restoration_s if effect in LASTING else ends
                    effects.setdefault(effect, {}).setdefault(name, []).append((t, until))
        for name, span in isolated_components(graph, fallen, response).items():
            isolated.setdefault(name, []).append(span)
    merged = {e: {n: merge_intervals(v) for n, v in c.items()} for e, c in effects.items()}
    down: dict[str, list[Interval]] = {}
    for spans in (*merged.values(), isolated):
        for name, intervals in spans.items():
            down.setdefault(name, []).extend(intervals)
    return AttackOutcome(
        compromised,
        merged,
        {n: merge_intervals(v) for n, v in isolated.items()},
        {n: merge_intervals(v) for n, v in down.items()},
        {n: sorted(v) for n, v in leaks.items()},
        tuple(responses),
    )


def merge_intervals(spans: Sequence[Interval]) -> list[Interval]:
    """Union of intervals, sorted, overlapping or touching ones joined."""
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
