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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import numpy as np

from twin.security.graph import resolve_entry

__all__ = [
    "AttackOutcome",
    "Interval",
    "disruption_schedule",
    "exfiltration_times",
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


@dataclass(frozen=True)
class AttackOutcome:
    """One replication of all of a scenario's attacks.

    Attributes:
        compromised: component -> earliest time it fell (s).
        down: component -> merged intervals during which it does not work (s).
        leaks: component holding records -> times at which its contents leaked (s).
    """

    compromised: dict[str, float]
    down: dict[str, list[Interval]]
    leaks: dict[str, list[float]]


class _AttackLike(Protocol):
    """What :func:`replicate_attacks` reads of a scenario attack (``twin.scenario.Attack``)."""

    @property
    def at(self) -> float: ...
    @property
    def entry(self) -> str: ...
    @property
    def objective(self) -> str: ...
    @property
    def end_s(self) -> float: ...


def replicate_attacks(
    graph: nx.DiGraph,
    attacks: Sequence[_AttackLike],
    mean_hop_s: float,
    restoration_s: float,
    replications: int,
    rng: np.random.Generator,
) -> list[AttackOutcome]:
    """``replications`` independent draws of every attack's spread.

    Each replication gets its own child stream (``rng.spawn``), so replication
    k's draws do not depend on how many replications are asked for. A
    ``random`` entry is drawn uniformly from all components.

    Raises:
        TwinError: an entry that names nothing in this graph.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, not {replications}")
    entries = [resolve_entry(graph, attack.entry) for attack in attacks]
    outcomes = []
    for child in rng.spawn(replications):
        compromised: dict[str, float] = {}
        down: dict[str, list[Interval]] = {}
        leaks: dict[str, list[float]] = {}
        for attack, candidates in zip(attacks, entries, strict=True):
            if len(candidates) == 1 or attack.entry != "random":
                starts = candidates
            else:
                starts = [candidates[int(child.integers(len(candidates)))]]
            fallen: dict[str, float] = {}
            for start in starts:
                for name, t in spread(
                    graph, start, attack.at, attack.end_s, mean_hop_s, child
                ).items():
                    fallen[name] = min(t, fallen.get(name, t))
            for name, t in fallen.items():
                compromised[name] = min(t, compromised.get(name, t))
            if attack.objective in ("disrupt", "both"):
                for name, interval in disruption_schedule(
                    fallen, attack.end_s, restoration_s
                ).items():
                    down.setdefault(name, []).append(interval)
            if attack.objective in ("exfiltrate", "both"):
                for name, t in exfiltration_times(graph, fallen).items():
                    leaks.setdefault(name, []).append(t)
        outcomes.append(
            AttackOutcome(
                compromised,
                {name: merge_intervals(spans) for name, spans in down.items()},
                {name: sorted(times) for name, times in leaks.items()},
            )
        )
    return outcomes


def disruption_schedule(
    fallen: Mapping[str, float], attack_end_s: float, restoration_s: float
) -> dict[str, Interval]:
    """Per fallen component, (down_from, down_to): from its fall until the attack ends
    plus the restoration time."""
    if restoration_s < 0:
        raise ValueError(f"restoration time must be non-negative, not {restoration_s}")
    return {name: (t, attack_end_s + restoration_s) for name, t in fallen.items()}


def exfiltration_times(graph: nx.DiGraph, fallen: Mapping[str, float]) -> dict[str, float]:
    """Per fallen component that stores records, the time its contents leak (its fall)."""
    return {name: t for name, t in fallen.items() if graph.nodes[name]["component"].holds}


def merge_intervals(spans: Sequence[Interval]) -> list[Interval]:
    """Union of intervals, sorted, overlapping or touching ones joined."""
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
