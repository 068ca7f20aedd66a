"""Blast radius of a cyberattack: pure functions on plain data.

Inputs are what the attack replications produce (which components fell, when
each was down, what leaked) and, for the counterfactual, per-replication
outcome values of the attacked run and of the same run without the attack
(common random numbers: only the attack's own stream differs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from metrics import statistics

__all__ = [
    "IDENTIFIABLE_CLASSES",
    "components_compromised_share",
    "counterfactual_difference",
    "leaked_rows",
    "mean_interval",
    "persons_affected",
    "persons_exfiltrated",
    "records_exfiltrated",
    "service_hours_lost",
    "services_disrupted",
]

#: Identifier classes that name a person across records (the digital layer's classes).
#: Rotating pseudonyms and aggregates do not, on their own.
IDENTIFIABLE_CLASSES = ("direct", "persistent")

Interval = tuple[float, float]


def mean_interval(
    values: Iterable[float | None],
    bounds: tuple[float | None, float | None] = (None, None),
    binary: bool = False,
) -> dict[str, object]:
    """Mean and 95 % interval of per-replication values, never outside ``bounds``.

    Returns ``{"mean", "ci_low", "ci_high", "n", "method"}`` (``metrics.statistics.
    mean_interval``: exact binomial for 0/1 outcomes, bootstrap-t for skewed ones);
    ``None`` values are dropped; with no values every figure is None, with one the
    interval is None.
    """
    interval = statistics.mean_interval([v for v in values if v is not None], bounds, binary)
    return {
        "mean": interval.mean,
        "ci_low": interval.low,
        "ci_high": interval.high,
        "n": interval.n,
        "method": interval.method,
    }


def components_compromised_share(compromised: Iterable[str], components_total: int) -> float | None:
    """Share of the district's components that fell (None without components)."""
    if components_total <= 0:
        return None
    fallen = set(compromised)
    if len(fallen) > components_total:
        raise ValueError(f"{len(fallen)} components fell out of only {components_total}")
    return len(fallen) / components_total


def services_disrupted(
    down: Mapping[str, Sequence[Interval]], services_of: Mapping[str, Iterable[str]]
) -> list[str]:
    """Services that depend on at least one component that was down (sorted)."""
    return sorted({s for name, spans in down.items() if spans for s in services_of[name]})


def service_hours_lost(
    down: Mapping[str, Sequence[Interval]],
    services_of: Mapping[str, Iterable[str]],
    start_s: float,
    end_s: float,
) -> float:
    """Sum over services of the hours, within [start_s, end_s), when any component it
    depends on was down (a service is lost once however many of its components fell)."""
    if end_s < start_s:
        raise ValueError(f"window ends at {end_s} s before it starts at {start_s} s")
    per_service: dict[str, list[Interval]] = {}
    for name, spans in down.items():
        for service in services_of[name]:
            per_service.setdefault(service, []).extend(spans)
    total_s = 0.0
    for spans in per_service.values():
        clipped = sorted((max(a, start_s), min(b, end_s)) for a, b in spans)
        covered_to = start_s
        for a, b in clipped:
            if b > max(a, covered_to):
                total_s += b - max(a, covered_to)
                covered_to = b
    return total_s / 3600.0


def records_exfiltrated(identifier_class: np.ndarray, subject: np.ndarray) -> int:
    """Records in the leaked table that name someone (identifiable class and a subject)."""
    return int(np.count_nonzero(_identifiable(identifier_class, subject)))


def persons_exfiltrated(
    identifier_class: np.ndarray, subject: np.ndarray, sensitive: np.ndarray | None = None
) -> int:
    """Distinct people identifiable in the leaked table; with ``sensitive``, only
    those with at least one sensitive (e.g. disability) record leaked."""
    keep = _identifiable(identifier_class, subject)
    if sensitive is not None:
        keep &= np.asarray(sensitive, dtype=bool)
    return int(np.unique(np.asarray(subject)[keep]).size)


def _identifiable(identifier_class: np.ndarray, subject: np.ndarray) -> np.ndarray:
    classes, subjects = np.asarray(identifier_class), np.asarray(subject)
    if classes.shape != subjects.shape:
        raise ValueError(f"columns differ in length: {classes.shape} vs {subjects.shape}")
    return np.isin(classes, IDENTIFIABLE_CLASSES) & (subjects >= 0)


def counterfactual_difference(
    attacked: Sequence[float | None], baseline: Sequence[float | None]
) -> list[float | None]:
    """Attacked minus baseline, replication by replication (None where either is None)."""
    if len(attacked) != len(baseline):
        raise ValueError(f"{len(attacked)} attacked values but {len(baseline)} baseline values")
    return [
        None if a is None or b is None else a - b for a, b in zip(attacked, baseline, strict=True)
    ]


def leaked_rows(
    time_s: np.ndarray, retention_s: np.ndarray | float, leak_times_s: Sequence[float]
) -> np.ndarray:
    """Mask of the records a store leaks when it falls at each of ``leak_times_s``.

    A store holds, at time t, the records written in (t - R, t] where R is the
    record's retention (per row, or one value): what a fallen store can give
    away is exactly what retention left in it. Zero retention leaks nothing.
    """
    times = np.asarray(time_s, dtype=float)
    retention = np.broadcast_to(np.asarray(retention_s, dtype=float), times.shape)
    if (retention < 0).any():
        raise ValueError("retention must be non-negative")
    leaked = np.zeros(times.shape, dtype=bool)
    for t in leak_times_s:
        leaked |= (times > t - retention) & (times <= t)
    return leaked


def persons_affected(
    subject: np.ndarray,
    node: np.ndarray,
    time_s: np.ndarray,
    down_by_node: Mapping[int, Sequence[Interval]],
) -> int:
    """Distinct people (subject >= 0) who passed a node while its component was down."""
    subjects, nodes, times = (np.asarray(a) for a in (subject, node, time_s))
    hit = np.zeros(subjects.shape, dtype=bool)
    for where, spans in down_by_node.items():
        at = nodes == where
        for start, end in spans:
            hit |= at & (times >= start) & (times < end)
    return int(np.unique(subjects[hit & (subjects >= 0)]).size)
