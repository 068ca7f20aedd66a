"""Privacy exposure of what a city keeps: pure numpy over plain record tables.

A *record table* is a mapping of column name to equal-length numpy arrays:

- ``time_s``: when the record was observed (s on the run clock);
- ``place``: where, already at the analysis resolution (an integer id);
- ``person``: who it is really about (ground truth, never seen by an
  attacker): residents are ``0 .. n_residents - 1``, visitors larger, ``-1`` nobody;
- ``subject``: the identifier as stored (``-1``: none, e.g. a count);
- ``cls``: identifier class, an index into :data:`CLASSES`;
- ``system``: the system (data owner) that collected it;
- ``store``: the store it sits in; records join only within a store, so
  siloed stores are the systems, federated ones the linked groups of systems
  and an integrated platform is one store;
- ``sensitive``: carries a special-category attribute (e.g. reduced mobility);
- ``untrusted``: reachable by an untrusted vendor.

A *trace* is what an attacker holding a store sees of one identifier: the
records sharing (store, subject). Raw identifiers of one person share a subject
(the person): within a store, a face, the plate registered to them and the phone
seen with them are assumed joinable (co-location linkage); pseudonyms are
minted per store, so they join only within one. A *point* is (place, time bin), the
bin being ``time_resolution_s`` long (default one hour, absolute: date and hour).
Metrics with nothing to measure (no resident observed) are ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Table = Mapping[str, np.ndarray]

CLASSES = ("direct", "persistent", "pseudonymous", "aggregate")
DIRECT, PERSISTENT, PSEUDONYMOUS, AGGREGATE = range(4)
#: Clock hours counted as night for home inference: [22:00, 06:00).
NIGHT_HOURS = (22.0, 6.0)
DAY_S = 86_400.0
#: Points tried first when looking for the most revealing pair of a trace.
RAREST_POINTS = 16

__all__ = [
    "AGGREGATE",
    "CLASSES",
    "DIRECT",
    "PERSISTENT",
    "PSEUDONYMOUS",
    "dense_ids",
    "exposure_over_time",
    "exposure_series",
    "home_inferred",
    "identifiable",
    "identifiable_record_days",
    "linkable_persons",
    "privacy_metrics",
    "reidentification_risk",
    "unicity",
    "wilson_interval",
]


def identifiable(table: Table) -> np.ndarray:
    """Mask of records that single someone out: a non-aggregate class with a subject."""
    return (np.asarray(table["cls"]) != AGGREGATE) & (np.asarray(table["subject"]) >= 0)


def _restrict(table: Table, mask: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(column)[mask] for name, column in table.items()}


def dense_ids(*keys: np.ndarray) -> np.ndarray:
    """Dense ids 0..k-1 of the distinct combinations of integer ``keys``."""
    if len(keys[0]) == 0:
        return np.empty(0, dtype=np.int64)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        column = np.asarray(key, dtype=np.int64)
        low = int(column.min())
        span = int(column.max()) - low + 1
        combined = combined * span + (column - low)  # exact while the product fits int64
    return np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)


class _Traces:
    """Identifiable records grouped into traces and points, with lookups both ways."""

    def __init__(self, table: Table, time_resolution_s: float) -> None:
        self.trace = dense_ids(table["store"], table["subject"])
        bins = np.floor(np.asarray(table["time_s"], dtype=float) / time_resolution_s)
        self.point = dense_ids(table["place"], bins.astype(np.int64))
        self.person = np.asarray(table["person"], dtype=np.int64)
        self.n_traces = int(self.trace.max()) + 1 if len(self.trace) else 0
        self.n_points = int(self.point.max()) + 1 if len(self.point) else 0
        # (trace, point) pairs with multiplicity, sorted by trace then point
        pair, counts = np.unique(self.trace * self.n_points + self.point, return_counts=True)
        self.pair_trace, self.pair_point, self.pair_count = (
            pair // max(self.n_points, 1),
            pair % max(self.n_points, 1),
            counts,
        )
        self.trace_start = np.searchsorted(self.pair_trace, np.arange(self.n_traces + 1))
        # per point, the traces containing it (and those containing it twice or more)
        order = np.argsort(self.pair_point, kind="stable")
        self.by_point = self.pair_trace[order]
        self.by_point_count = self.pair_count[order]
        self.point_start = np.searchsorted(self.pair_point[order], np.arange(self.n_points + 1))
        # the person each trace is about (traces never mix persons in a simulated world)
        self.trace_person = np.full(self.n_traces, -1, dtype=np.int64)
        self.trace_person[self.trace] = self.person
        self.n_person_ids = int(self.trace_person.max(initial=-1)) + 1
        self._traces_by_person = np.argsort(self.trace_person, kind="stable")
        self._sorted_person = self.trace_person[self._traces_by_person]
        # per point, the distinct persons with a trace containing it once / twice or more
        self._persons = [self._persons_by_point(self.pair_count >= k) for k in (1, 2)]

    def _persons_by_point(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        span = int(self.trace_person.max(initial=0)) + 2
        person = self.trace_person[self.pair_trace[chosen]]
        key = np.unique(self.pair_point[chosen] * span + person + 1)
        point, person = key // span, key % span - 1
        return person, np.searchsorted(point, np.arange(self.n_points + 1))

    def persons_with(self, point: int, at_least: int = 1) -> np.ndarray:
        """Distinct persons with a trace holding ``point`` at least ``at_least`` times."""
        persons, start = self._persons[min(at_least, 2) - 1]
        return persons[start[point] : start[point + 1]]

    def traces_with(self, point: int, at_least: int = 1) -> np.ndarray:
        lo, hi = self.point_start[point], self.point_start[point + 1]
        traces = self.by_point[lo:hi]
        return traces if at_least <= 1 else traces[self.by_point_count[lo:hi] >= at_least]

    def points_of(self, trace: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.trace_start[trace], self.trace_start[trace + 1]
        return self.pair_point[lo:hi], self.pair_count[lo:hi]

    def points_of_person(self, person: int) -> np.ndarray:
        """Distinct points of every trace of ``person``."""
        return np.unique(
            np.concatenate(
                [self.points_of(t)[0] for t in self.traces_of_person(person).tolist()]
                or [np.empty(0, np.int64)]
            )
        )

    def traces_of_person(self, person: int) -> np.ndarray:
        lo = np.searchsorted(self._sorted_person, person, side="left")
        hi = np.searchsorted(self._sorted_person, person, side="right")
        return self._traces_by_person[lo:hi]


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial share."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def unicity(
    table: Table | _Traces,
    persons: np.ndarray,
    points: int,
    rng: np.random.Generator,
    time_resolution_s: float = 3600.0,
) -> np.ndarray:
    """Whether each of ``persons`` is singled out by ``points`` random points of their trace.

    The attacker knows ``points`` distinct (place, time bin) points drawn at
    random from everything retained about the person (all of them if fewer)
    and looks for the traces containing all of them: the person is singled out
    when every matching trace is theirs (de Montjoye et al. 2013). Candidates
    are counted as persons: a face and a phone seen at the same points are two
    identifiers of one individual.
    ``table`` holds identifiable records only.
    """
    traces = table if isinstance(table, _Traces) else _Traces(table, time_resolution_s)
    unique = np.zeros(len(persons), dtype=bool)
    for i, person in enumerate(persons.tolist()):
        known = traces.points_of_person(person)
        if len(known) == 0:
            continue
        if len(known) > points:
            known = rng.choice(known, size=points, replace=False)
        matching = traces.traces_with(int(known[0]))
        for point in known[1:].tolist():
            matching = np.intersect1d(matching, traces.traces_with(point), assume_unique=True)
        candidates = np.unique(traces.trace_person[matching])
        unique[i] = len(candidates) == 1 and candidates[0] == person
    return unique


def reidentification_risk(
    table: Table | _Traces, persons: np.ndarray, time_resolution_s: float = 3600.0
) -> np.ndarray:
    """scikit-mobility's ``LocationTimeAttack`` risk with ``knowledge_length=2``, per person.

    For each trace: the maximum, over every 2-point subset (with multiplicity)
    of its points, of 1 / (number of persons with a trace containing that subset
    with multiplicity); a one-record trace uses its single point. A person's risk
    is the maximum over their traces (0 if they have none). ``table`` holds
    identifiable records only.
    """
    traces = table if isinstance(table, _Traces) else _Traces(table, time_resolution_s)
    risk = np.zeros(len(persons))
    for i, person in enumerate(persons.tolist()):
        for trace in traces.traces_of_person(person).tolist():
            risk[i] = max(risk[i], 1.0 / _fewest_matches(traces, trace))
    return risk


def _fewest_matches(traces: _Traces, trace: int) -> int:
    """Fewest persons matching any 2-point background knowledge drawn from ``trace``."""
    pts, counts = traces.points_of(trace)
    if len(pts) == 1 and counts[0] == 1:
        return len(traces.persons_with(int(pts[0])))
    fewest = len(traces.trace_person)
    for point in pts[counts >= 2].tolist():  # the same point twice
        fewest = min(fewest, len(traces.persons_with(point, at_least=2)))
    if len(pts) >= 2 and fewest > 1:
        # the rarest points usually hold the answer; when they single the trace out
        # (one person), no pair can do better and the full count is skipped
        rarity = np.array([len(traces.persons_with(p)) for p in pts.tolist()])
        rarest = pts[np.argsort(rarity, kind="stable")[:RAREST_POINTS]]
        fewest = min(fewest, _fewest_holding_a_pair(traces, rarest))
        if fewest > 1 and len(pts) > RAREST_POINTS:
            fewest = min(fewest, _fewest_holding_a_pair(traces, pts))
    return max(fewest, 1)


def _fewest_holding_a_pair(traces: _Traces, pts: np.ndarray) -> int:
    """Fewest persons holding both points of any pair of distinct ``pts``.

    Counts pairs person by person (sum of k² over the persons holding k >= 2 of
    the points) instead of a dense persons x points product: most candidates
    share only a few points with the trace.
    """
    m = len(pts)
    lists = [traces.persons_with(p) for p in pts.tolist()]
    person = np.concatenate(lists)
    column = np.repeat(np.arange(m), [len(x) for x in lists])
    held = np.bincount(person, minlength=traces.n_person_ids)[person]
    person, column = person[held >= 2], column[held >= 2]
    order = np.argsort(person, kind="stable")
    person, column = person[order], column[order]
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
    sizes = np.diff(np.r_[starts, len(person)])
    group = np.repeat(np.arange(len(starts)), sizes)
    partners = sizes[group] - (np.arange(len(person)) - starts[group]) - 1
    left = np.repeat(np.arange(len(person)), partners)
    first = np.cumsum(partners) - partners
    right = left + 1 + np.arange(len(left)) - np.repeat(first, partners)
    a, b = column[left], column[right]
    counts = np.bincount(np.minimum(a, b) * m + np.maximum(a, b), minlength=m * m)
    upper = np.triu_indices(m, k=1)
    return int(counts[upper[0] * m + upper[1]].min())


def home_inferred(
    table: Table,
    persons: np.ndarray,
    homes: np.ndarray,
    start_hour: float = 0.0,
    night_hours: tuple[float, float] = NIGHT_HOURS,
) -> np.ndarray:
    """Whether a trace reveals each person's home (Golle & Partridge 2009).

    The attacker takes, per trace, the most frequent place among night-time
    records (clock hour in [from, to) wrapping midnight); a tie reveals
    nothing. A person's home is inferred when any of their traces' night-time
    mode is ``homes[person]`` (the home place at the analysis resolution).
    ``table`` holds identifiable records only.
    """
    hour = (start_hour + np.asarray(table["time_s"], dtype=float) / 3600.0) % 24.0
    start, end = night_hours
    night = (hour >= start) | (hour < end) if start > end else (hour >= start) & (hour < end)
    trace = dense_ids(table["store"], table["subject"])
    place = np.asarray(table["place"], dtype=np.int64)[night]
    person = np.asarray(table["person"], dtype=np.int64)[night]
    trace = trace[night]
    inferred = np.zeros(len(persons), dtype=bool)
    if len(trace) == 0:
        return inferred
    keys, counts = np.unique(np.stack([trace, place, person], axis=1), axis=0, return_counts=True)
    # per trace: the largest count, and whether it is held by one place only
    order = np.lexsort((-counts, keys[:, 0]))
    keys, counts = keys[order], counts[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:, 0] != keys[:-1, 0]
    second = np.zeros(len(keys), dtype=bool)
    second[1:] = ~first[1:] & first[:-1]
    tie = np.zeros(len(keys), dtype=bool)
    tie[np.flatnonzero(second) - 1] = counts[second] == counts[np.flatnonzero(second) - 1]
    revealed = first & ~tie
    homes = np.asarray(homes, dtype=np.int64)
    hits = keys[revealed]
    hits = hits[(hits[:, 2] >= 0) & (hits[:, 2] < len(homes))]
    hits = hits[hits[:, 1] == homes[hits[:, 2]]]
    inferred[np.isin(persons, hits[:, 2])] = True
    return inferred


def linkable_persons(table: Table) -> np.ndarray:
    """Persons with a trace that spans two or more systems (their records can be joined)."""
    trace = dense_ids(table["store"], table["subject"])
    if len(trace) == 0:
        return np.empty(0, dtype=np.int64)
    pairs = np.unique(
        np.stack([trace, np.asarray(table["system"], dtype=np.int64)], axis=1), axis=0
    )
    systems = np.bincount(pairs[:, 0])
    joined = np.flatnonzero(systems >= 2)
    return np.unique(np.asarray(table["person"], dtype=np.int64)[np.isin(trace, joined)])


def _held_intervals(
    time_s: np.ndarray, group: np.ndarray, retention_s: np.ndarray, end_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the merged intervals [from, to) during which it has a record held."""
    keep = retention_s > 0
    start = np.asarray(time_s, dtype=float)[keep]
    stop = np.minimum(start + retention_s[keep], max(end_s, float(start.max(initial=0.0))) + 1.0)
    group = np.asarray(group, dtype=np.int64)[keep]
    if len(start) == 0:
        return np.empty(0), np.empty(0)
    order = np.lexsort((start, group))
    start, stop, group = start[order], stop[order], group[order]
    # offset each group far past the previous so one running maximum merges within groups
    span = float(stop.max() - start.min()) + 1.0
    base = (group - group[0]) * span
    reach = np.maximum.accumulate(stop + base)
    new = np.ones(len(start), dtype=bool)
    new[1:] = (start[1:] + base[1:]) > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(start) - 1)
    return start[first], reach[last] - base[last]


def exposure_series(
    time_s: np.ndarray,
    group: np.ndarray,
    retention_s: np.ndarray,
    sample_times_s: np.ndarray,
    end_s: float,
) -> np.ndarray:
    """Distinct ``group`` values with at least one record held at each sample time.

    A record observed at ``t0`` with retention ``R`` is held at ``t`` when
    ``t - R < t0 <= t``; ``retention_s`` is per record (``inf``: forever).
    """
    starts, stops = _held_intervals(time_s, group, np.asarray(retention_s, float), end_s)
    starts, stops = np.sort(starts), np.sort(stops)
    t = np.asarray(sample_times_s, dtype=float)
    return np.searchsorted(starts, t, side="right") - np.searchsorted(stops, t, side="right")


def identifiable_record_days(time_s: np.ndarray, retention_s: np.ndarray, end_s: float) -> float:
    """Integral over the run of the records held, in record-days."""
    held = np.clip(end_s - np.asarray(time_s, dtype=float), 0.0, None)
    return float(np.minimum(held, np.asarray(retention_s, dtype=float)).sum() / DAY_S)


def _share(count: int, total: int, observed: bool) -> float | None:
    if not observed:
        return None
    return count / total if total else 0.0


def privacy_metrics(
    observed: Table,
    stored: Table,
    retention_s: np.ndarray,
    n_residents: int,
    homes: np.ndarray,
    opted_in: np.ndarray,
    end_s: float,
    rng: np.random.Generator,
    time_resolution_s: float = 3600.0,
    start_hour: float = 0.0,
    sample_persons: int = 500,
) -> dict[str, Any]:
    """The ``privacy`` block of ``metrics.json``.

    Args:
        observed: every observation of the run, before anonymisation (``person`` set).
        stored: the records put into stores, after anonymisation.
        retention_s: retention of each record of ``stored`` (s; ``inf`` forever);
            the records held at ``end_s`` are those observed in (end - R, end].
        n_residents: residents are persons ``0 .. n_residents - 1``.
        homes: home place of each resident, at the analysis resolution.
        opted_in: whether each resident consented.
        end_s: end of the run.
        rng: draws the sampled persons and the unicity points.
        sample_persons: unicity and risk are computed on at most this many
            exposed residents (drawn at random); the 95 % interval is reported.
    """
    person_observed = np.asarray(observed["person"], dtype=np.int64)
    residents_observed = bool(((person_observed >= 0) & (person_observed < n_residents)).any())
    stored_time = np.asarray(stored["time_s"], dtype=float)
    retention_s = np.asarray(retention_s, dtype=float)
    kept = (stored_time > end_s - retention_s) & (stored_time <= end_s)
    ident_stored = identifiable(stored)
    held = _restrict(stored, kept & ident_stored)  # one copy: the identifiable records held
    person = held["person"]
    resident = (person >= 0) & (person < n_residents)
    exposed = np.unique(person[resident])
    sensitive = np.unique(person[resident & held["sensitive"].astype(bool)])
    sample = exposed
    if len(exposed) > sample_persons:
        sample = np.sort(rng.choice(exposed, size=sample_persons, replace=False))
    result: dict[str, Any] = {
        "records_observed": len(person_observed),
        "identifiable_records_stored": int(ident_stored.sum()),
        "identifiable_records_retained": len(person),
        "identifiable_record_days": identifiable_record_days(
            stored_time[ident_stored], retention_s[ident_stored], end_s
        ),
        "persons_exposed": len(exposed),
        "persons_exposed_share": len(exposed) / n_residents if n_residents else None,
        "sensitive_persons_exposed": len(sensitive),
        "nonconsenting_persons_exposed": int((~np.asarray(opted_in, bool)[exposed]).sum()),
        "untrusted_vendor_records": int((np.asarray(stored["untrusted"], bool) & kept).sum()),
        "sampled_persons": len(sample),
    }
    if len(person) == 0:  # nothing identifiable retained: no trace to analyse
        empty = 0.0 if residents_observed else None
        result.update(
            dict.fromkeys(("unicity_p2", "unicity_p4", "reidentification_risk_mean"), empty)
        )
        result.update(unicity_p2_ci95=None, unicity_p4_ci95=None)
        result.update(home_inferred_share=empty, linkable_persons_share=empty)
        return result
    traces = _Traces(held, time_resolution_s)  # built once for unicity and risk
    for points in (2, 4):
        singled = unicity(traces, sample, points, rng)
        share = _share(int(singled.sum()), len(sample), residents_observed)
        low, high = wilson_interval(int(singled.sum()), len(sample))
        result[f"unicity_p{points}"] = share
        result[f"unicity_p{points}_ci95"] = (
            [low, high] if share is not None and len(sample) else None
        )
    risk = reidentification_risk(traces, sample)
    result["reidentification_risk_mean"] = (
        (float(risk.mean()) if len(sample) else 0.0) if residents_observed else None
    )
    homes_found = home_inferred(held, exposed, homes, start_hour)
    result["home_inferred_share"] = _share(int(homes_found.sum()), len(exposed), residents_observed)
    linked = linkable_persons(held)
    linked = linked[(linked >= 0) & (linked < n_residents)]
    result["linkable_persons_share"] = (
        len(linked) / n_residents if residents_observed and n_residents else None
    )
    return result


def exposure_over_time(
    observed: Table,
    retention_s: np.ndarray,
    n_residents: int,
    sample_times_s: np.ndarray,
    end_s: float,
    systems: Sequence[str],
) -> dict[str, np.ndarray]:
    """Residents exposed at each sample time, in total and per system."""
    mask = identifiable(observed)
    person = np.asarray(observed["person"], dtype=np.int64)
    mask &= (person >= 0) & (person < n_residents)
    time_s, retention = np.asarray(observed["time_s"])[mask], np.asarray(retention_s)[mask]
    system = np.asarray(observed["system"], dtype=np.int64)[mask]
    series = {
        "time_s": np.asarray(sample_times_s, dtype=float),
        "persons_exposed": exposure_series(time_s, person[mask], retention, sample_times_s, end_s),
    }
    for index, name in enumerate(systems):
        own = system == index
        series[f"persons_exposed_{name}"] = exposure_series(
            time_s[own], person[mask][own], retention[own], sample_times_s, end_s
        )
    return series
