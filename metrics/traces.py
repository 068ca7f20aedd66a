"""Traces and re-identification: unicity per trace (de Montjoye) and LocationTimeAttack risk.

A *trace* is what an attacker holding a store sees of one identifier: the
identifiable records sharing (store, subject). A *point* is (place, time bin). Every
function takes a table of identifiable records only (see ``metrics.privacy``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from metrics.distinct import dense_ids, distinct

Table = Mapping[str, np.ndarray]
#: Points tried first when looking for the most revealing pair of a trace.
RAREST_POINTS = 16
#: Every pair is searched among at most this many of a trace's rarest points: exact for
#: traces of up to this many distinct points; beyond, a lower bound of the risk (dense
#: traces of a month would otherwise cost the square of their points per candidate).
PAIR_SEARCH_POINTS = 64
#: Partners looked at for a pair only the owner holds (the rarest points of a trace).
ALONE_SEARCH_POINTS = 256

__all__ = [
    "PAIR_SEARCH_POINTS",
    "RAREST_POINTS",
    "Traces",
    "reidentification_risk",
    "trace_unicity",
    "unicity",
    "wilson_interval",
]


class Traces:
    """Identifiable records grouped into traces and points, with lookups both ways."""

    def __init__(self, table: Table, time_resolution_s: float) -> None:
        self.trace = dense_ids(table["store"], table["subject"])
        bins = np.floor(np.asarray(table["time_s"], dtype=float) / time_resolution_s)
        self.point = dense_ids(table["place"], bins.astype(np.int64))
        person = np.asarray(table["person"], dtype=np.int64)
        self.n_traces = int(self.trace.max()) + 1 if len(self.trace) else 0
        self.n_points = int(self.point.max()) + 1 if len(self.point) else 0
        # (trace, point) pairs with multiplicity, sorted by trace then point
        pair, counts = np.unique(self.trace * self.n_points + self.point, return_counts=True)
        self.pair_trace, self.pair_point, self.pair_count = (
            pair // max(self.n_points, 1),
            pair % max(self.n_points, 1),
            counts,
        )
        del pair
        self.trace_start = np.searchsorted(self.pair_trace, np.arange(self.n_traces + 1))
        # per point, the traces containing it
        order = np.argsort(self.pair_point, kind="stable")
        self.by_point = self.pair_trace[order]
        self.point_start = np.searchsorted(self.pair_point[order], np.arange(self.n_points + 1))
        # the person each trace is about (traces never mix persons in a simulated world)
        self.trace_person = np.full(self.n_traces, -1, dtype=np.int64)
        self.trace_person[self.trace] = person
        self.n_person_ids = int(self.trace_person.max(initial=-1)) + 1
        self._traces_by_person = np.argsort(self.trace_person, kind="stable")
        self._sorted_person = self.trace_person[self._traces_by_person]
        # per point, the distinct persons with a trace containing it once / twice or more
        self._persons = [self._persons_by_point(self.pair_count >= k) for k in (1, 2)]

    def _persons_by_point(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        span = int(self.trace_person.max(initial=0)) + 2
        person = self.trace_person[self.pair_trace[chosen]]
        key = distinct(self.pair_point[chosen] * span + person + 1)
        point, person = key // span, key % span - 1
        return person, np.searchsorted(point, np.arange(self.n_points + 1))

    def holders(self, points: np.ndarray) -> np.ndarray:
        """How many distinct persons hold each of ``points``."""
        start = self._persons[0][1]
        return start[points + 1] - start[points]

    def persons_with(self, point: int, at_least: int = 1) -> np.ndarray:
        """Distinct persons with a trace holding ``point`` at least ``at_least`` times."""
        persons, start = self._persons[min(at_least, 2) - 1]
        return persons[start[point] : start[point + 1]]

    def traces_with(self, point: int) -> np.ndarray:
        return self.by_point[self.point_start[point] : self.point_start[point + 1]]

    def points_of(self, trace: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.trace_start[trace], self.trace_start[trace + 1]
        return self.pair_point[lo:hi], self.pair_count[lo:hi]

    def traces_of_person(self, person: int) -> np.ndarray:
        lo = np.searchsorted(self._sorted_person, person, side="left")
        hi = np.searchsorted(self._sorted_person, person, side="right")
        return self._traces_by_person[lo:hi]

    def singled_out(self, trace: int, known: np.ndarray) -> bool:
        """Whether every trace holding all ``known`` points is about ``trace``'s person."""
        matching = self.traces_with(int(known[0]))
        for point in known[1:].tolist():
            matching = np.intersect1d(matching, self.traces_with(point), assume_unique=True)
        candidates = np.unique(self.trace_person[matching])
        return len(candidates) == 1 and candidates[0] == self.trace_person[trace]


def _traces(table: Table | Traces, time_resolution_s: float) -> Traces:
    return table if isinstance(table, Traces) else Traces(table, time_resolution_s)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial share."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def trace_unicity(
    table: Table | Traces,
    traces: np.ndarray,
    points: Sequence[int],
    rng: np.random.Generator,
    time_resolution_s: float = 3600.0,
) -> dict[int, np.ndarray]:
    """Per trace and per number of points p: singled out by p random points of that trace.

    De Montjoye et al. (2013): the attacker knows p distinct points drawn at random
    from one identifier's trace (all of them if it has fewer) and looks for the traces
    holding all of them; the trace is singled out when every matching trace is about
    its person (a face and a phone of one person seen together are one candidate).
    The points for each p are the first p of one random draw of ``max(points)``, so a
    trace singled out by fewer points is singled out by more: p2 never exceeds p4.
    """
    index = _traces(table, time_resolution_s)
    most = max(points)
    result = {p: np.zeros(len(traces), dtype=bool) for p in points}
    for i, trace in enumerate(np.asarray(traces, dtype=np.int64).tolist()):
        pts = index.points_of(trace)[0]
        if len(pts) == 0:
            continue
        drawn = rng.permutation(pts)[:most]
        for p in points:
            result[p][i] = index.singled_out(trace, drawn[:p])
    return result


def unicity(
    table: Table | Traces,
    persons: np.ndarray,
    points: int,
    rng: np.random.Generator,
    time_resolution_s: float = 3600.0,
) -> np.ndarray:
    """Per person: singled out through at least one of their traces by ``points`` random
    points of that trace (:func:`trace_unicity`, trace by trace)."""
    index = _traces(table, time_resolution_s)
    singled = np.zeros(len(persons), dtype=bool)
    for i, person in enumerate(np.asarray(persons, dtype=np.int64).tolist()):
        own = index.traces_of_person(person)
        if len(own):
            singled[i] = bool(trace_unicity(index, own, (points,), rng)[points].any())
    return singled


def reidentification_risk(
    table: Table | Traces, persons: np.ndarray, time_resolution_s: float = 3600.0
) -> np.ndarray:
    """scikit-mobility's ``LocationTimeAttack`` risk with ``knowledge_length=2``, per person.

    For each trace: the maximum, over every 2-point subset (with multiplicity)
    of its points, of 1 / (number of persons with a trace containing that subset
    with multiplicity); a one-record trace uses its single point. A person's risk
    is the maximum over their traces (0 if they have none). Exact for traces of up to
    :data:`PAIR_SEARCH_POINTS` distinct points, and for any trace with a pair only its
    person holds; otherwise the pairs among its rarest points (a lower bound).
    """
    index = _traces(table, time_resolution_s)
    risk = np.zeros(len(persons))
    for i, person in enumerate(np.asarray(persons, dtype=np.int64).tolist()):
        for trace in index.traces_of_person(person).tolist():
            risk[i] = max(risk[i], 1.0 / _fewest_matches(index, trace))
    return risk


def _fewest_matches(traces: Traces, trace: int) -> int:
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
        order = np.argsort(traces.holders(pts), kind="stable")
        # a pair only the owner holds, looked for among the rarest points (any one found
        # is real; none found leaves the exact count to decide)
        among = pts[order[:ALONE_SEARCH_POINTS]]
        owner = int(traces.trace_person[trace])
        if _pairs_alone(traces, among, np.arange(min(RAREST_POINTS, len(among))), owner):
            return 1
        rarest = pts[order[:RAREST_POINTS]]
        fewest = min(fewest, _fewest_holding_a_pair(traces, rarest))
        if fewest > 1 and len(pts) > RAREST_POINTS:
            searched = pts[order[:PAIR_SEARCH_POINTS]]
            fewest = min(fewest, _fewest_holding_a_pair(traces, searched))
    return max(fewest, 1)


def _holding_bits(traces: Traces, holders: Sequence[np.ndarray]) -> np.ndarray:
    """Per person id, one bit per list of ``holders`` (at most 64) they are in."""
    if len(holders) > 64:
        raise ValueError("at most 64 points (one bit each)")
    bits = np.zeros(traces.n_person_ids, dtype=np.uint64)
    for bit, persons in enumerate(holders):
        bits[persons] |= np.uint64(1 << bit)
    return bits


def _flags(bits: np.ndarray, width: int) -> np.ndarray:
    """``bits`` unpacked: one row per value, its lowest ``width`` bits as 0/1 columns."""
    as_bytes = bits.astype("<u8").view(np.uint8).reshape(-1, 8)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :width]


def _pairs_alone(traces: Traces, pts: np.ndarray, first: np.ndarray, owner: int) -> bool:
    """Whether some pair of ``pts`` with one point among ``pts[first]`` is held by the
    owner alone: a point q that nobody else holding p also holds.

    Linear in the holders of the trace's points, so a long trace (whose pairs are nearly
    all unique) is settled without counting every pair: each other person carries one
    bit per point of ``first`` they hold, and the bits are summed point by point.
    """
    lists = [traces.persons_with(p) for p in pts.tolist()]
    bits = _holding_bits(traces, [lists[p] for p in first.tolist()])
    person = np.concatenate(lists)
    column = np.repeat(np.arange(len(pts)), [len(x) for x in lists])
    held = bits[person]
    chosen = (held != 0) & (person != owner)
    column = column[chosen]  # still in order of the points
    # covered[q, b]: other persons holding both point q and the b-th first point
    covered = np.zeros((len(pts), len(first)), dtype=np.int64)
    if len(column):
        starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
        flags = _flags(held[chosen], len(first))
        covered[column[starts]] = np.add.reduceat(flags, starts, axis=0, dtype=np.int64)
    covered[first, np.arange(len(first))] = 1  # a point with itself is not a pair
    return bool((covered == 0).any())


def _fewest_holding_a_pair(traces: Traces, pts: np.ndarray) -> int:
    """Fewest persons holding both points of any pair of distinct ``pts`` (at most 64).

    Each person holding any of the points carries one bit per point; the pair counts
    are the product of that persons x points table with itself.
    """
    bits = _holding_bits(traces, [traces.persons_with(p) for p in pts.tolist()])
    flags = _flags(bits[np.flatnonzero(bits)], len(pts)).astype(np.float64)
    counts = flags.T @ flags  # exact: counts stay far below 2**53
    return int(counts[np.triu_indices(len(pts), k=1)].min())
