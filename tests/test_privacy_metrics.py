"""Privacy metrics on small record sets, every answer worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.privacy import (
    AGGREGATE,
    DIRECT,
    PSEUDONYMOUS,
    exposure_series,
    home_inferred,
    identifiable_record_days,
    linkable_persons,
    privacy_metrics,
    reidentification_risk,
    trace_unicity,
    unicity,
    wilson_interval,
)
from metrics.traces import Traces

H = 3600.0
COLUMNS = ("time_s", "place", "person", "subject", "cls", "system", "store", "sensitive")


def table(rows):
    """Rows of (hour, place, person, subject, cls, system, store, sensitive)."""
    data = {name: np.array([row[i] for row in rows]) for i, name in enumerate(COLUMNS)}
    data["time_s"] = data["time_s"].astype(float) * H + 60.0  # a minute into the hour
    data["sensitive"] = data["sensitive"].astype(bool)
    data["untrusted"] = np.zeros(len(rows), dtype=bool)
    return data


def direct(hour, place, person, system=0, store=0, sensitive=0):
    return (hour, place, person, person, DIRECT, system, store, sensitive)


# a = (place 1, hour 0), b = (place 2, hour 1), c = (place 5, hour 1)
A, B, C, D, E = range(5)
TRACES = table(
    [
        direct(0, 1, A),
        direct(1, 2, A),
        direct(0, 1, B),
        direct(1, 2, B),
        direct(0, 1, C),
        direct(1, 5, C),
        direct(0, 1, D),
        direct(0, 1, E),
        direct(0, 1, E),  # E passes a twice
        direct(1, 2, E),
    ]
)
PERSONS = np.array([A, B, C, D, E])


def test_unicity_by_hand() -> None:
    # Everyone has at most 2 distinct points, so the attacker knows all of them:
    # A and B share {a, b} with E; C alone has {a, c}; D's {a} is in every trace;
    # E's distinct points {a, b} are also A's and B's (unicity ignores multiplicity).
    rng = np.random.default_rng(0)
    for points in (2, 4):
        singled = unicity(TRACES, PERSONS, points, rng)
        assert singled.tolist() == [False, False, True, False, False]


def test_unicity_draws_the_known_points_at_random() -> None:
    # F has points a, b, d = (place 3, hour 2); only F has d. Two known points are one of
    # {a,b} (matches A, B, E, F), {a,d}, {b,d} (F alone): unique with probability 2/3.
    rows = [direct(0, 1, 5), direct(1, 2, 5), direct(2, 3, 5)]
    data = table([(int(r[0] // H), *r[1:]) for r in _rows(TRACES)] + rows)
    rng = np.random.default_rng(1)
    hits = sum(bool(unicity(data, np.array([5]), 2, rng)[0]) for _ in range(600))
    # binomial(600, 2/3): sd = sqrt(600 * 2/9) = 11.5; allow 4 sd
    assert abs(hits - 400) < 46


def _rows(data):
    return list(zip(*[data[c].tolist() for c in COLUMNS], strict=True))


def test_risk_by_hand() -> None:
    # A: only subset {a, b}, found in A, B, E -> 1/3; B likewise.
    # C: {a, c} only in C -> 1.  D: a single record a, in all five traces -> 1/5.
    # E: {a, a} (a twice) only in E -> 1.
    risk = reidentification_risk(TRACES, PERSONS)
    assert risk == pytest.approx([1 / 3, 1 / 3, 1.0, 1 / 5, 1.0])


def test_risk_takes_the_most_revealing_pair() -> None:
    # G has a, b and d; {a,b} is in A, B, E, G (1/4) but {a,d} only in G -> 1.
    rows = [*_rows(TRACES)]
    data = table([(int(r[0] // H), *r[1:]) for r in rows] + [direct(0, 1, 6), direct(1, 2, 6)])
    assert reidentification_risk(data, np.array([6]))[0] == pytest.approx(1 / 4)
    data = table(
        [(int(r[0] // H), *r[1:]) for r in rows]
        + [direct(0, 1, 6), direct(1, 2, 6), direct(2, 3, 6)]
    )
    assert reidentification_risk(data, np.array([6]))[0] == pytest.approx(1.0)


def test_rotating_pseudonyms_hide_a_multi_day_trace() -> None:
    # H's two points fall on two days; raw, one trace holds both (unique, risk 1);
    # with a new pseudonym each day, no single trace holds both (not singled out) and
    # each one-point trace is shared with X, who passed the same places at the same hours.
    raw = table([direct(8, 1, 7), direct(32, 2, 7), direct(8, 1, 8), direct(32, 2, 9)])
    rotated = table(
        [
            (8, 1, 7, 100, PSEUDONYMOUS, 0, 0, 0),
            (32, 2, 7, 101, PSEUDONYMOUS, 0, 0, 0),
            (8, 1, 8, 102, PSEUDONYMOUS, 0, 0, 0),
            (32, 2, 9, 103, PSEUDONYMOUS, 0, 0, 0),
        ]
    )
    rng = np.random.default_rng(0)
    assert unicity(raw, np.array([7]), 2, rng).tolist() == [True]
    assert unicity(rotated, np.array([7]), 2, rng).tolist() == [False]
    assert reidentification_risk(raw, np.array([7]))[0] == 1.0
    assert reidentification_risk(rotated, np.array([7]))[0] == pytest.approx(1 / 2)


def test_home_inference_by_hand() -> None:
    homes = np.array([7, 8, 9, 6])
    data = table(
        [
            direct(23, 7, 0),  # person 0: night at 7 twice, at 3 once; days at 3
            direct(26, 7, 0),
            direct(25, 3, 0),
            direct(10, 3, 0),
            direct(11, 3, 0),
            direct(12, 3, 0),
            direct(23, 4, 1),  # person 1: night mode is 4, not home 8
            direct(27, 4, 1),
            direct(26, 8, 1),
            direct(1, 9, 2),  # person 2: a tie at night between 9 and 5 reveals nothing
            direct(2, 5, 2),
            direct(12, 6, 3),  # person 3: seen by day only
        ]
    )
    found = home_inferred(data, np.arange(4), homes, start_hour=0.0)
    assert found.tolist() == [True, False, False, False]
    # starting the clock at 12:00 turns person 3's record into 00:00, at home
    assert home_inferred(data, np.array([3]), homes, start_hour=12.0).tolist() == [True]


def test_linkability_needs_a_shared_store() -> None:
    rows = [direct(1, 1, 0, system=0), direct(2, 2, 0, system=1), direct(1, 1, 1, system=0)]
    integrated = table([(*r[:6], 0, r[7]) for r in rows])
    siloed = table([(*r[:6], r[5], r[7]) for r in rows])
    assert linkable_persons(integrated).tolist() == [0]
    assert linkable_persons(siloed).tolist() == []


def test_exposure_series_and_record_days_by_hand() -> None:
    time_s = np.array([0.0, 5.0, 20.0])
    group = np.array([0, 0, 1])
    retention = np.array([10.0, 10.0, math.inf])
    # person 0 held over [0, 15): the record at 5 s leaves at 15 s; person 1 from 20 s on
    counts = exposure_series(time_s, group, retention, np.array([0.0, 14.9, 15.0, 25.0]), 30.0)
    assert counts.tolist() == [1, 1, 0, 1]
    assert exposure_series(time_s, group, np.zeros(3), np.array([5.0]), 30.0).tolist() == [0]
    days = identifiable_record_days(np.array([0.0, 43_200.0]), np.full(2, 86_400.0), 86_400.0)
    assert days == pytest.approx(1.5)


def test_wilson_interval() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)


def _metrics(observed, stored, n_residents=5):
    stored = {**stored, "consented": np.isin(stored["person"], [A, C, E])}
    return privacy_metrics(
        observed,
        stored,
        retention_s=np.full(len(stored["time_s"]), math.inf),
        n_residents=n_residents,
        homes=np.zeros(n_residents, dtype=int),
        end_s=48 * H,
        rng=np.random.default_rng(0),
        impaired=np.zeros(n_residents, dtype=bool),
    )


def test_privacy_metrics_on_the_hand_built_traces() -> None:
    result = _metrics(TRACES, TRACES)
    assert result["records_observed"] == 10
    assert result["persons_exposed"] == 5
    assert result["persons_exposed_share"] == 1.0
    assert result["nonconsenting_persons_exposed"] == 2  # B and D
    assert result["unicity_p2"] == pytest.approx(1 / 5)  # one trace per person here
    assert result["unicity_p2_persons"] == pytest.approx(1 / 5)
    assert result["reidentification_risk_mean"] == pytest.approx((2 / 3 + 2 + 1 / 5) / 5)
    assert result["linkable_persons_share"] == 0.0
    # faces name everyone with certainty, whatever the attack's risk
    assert result["directly_identified"] == 5
    assert result["expected_reidentified"] == pytest.approx(5.0)


def test_nothing_to_measure_is_null_and_counts_only_expose_nobody() -> None:
    empty = table([direct(0, 1, 0)])
    empty = {k: v[:0] for k, v in empty.items()}
    result = _metrics(empty, empty)
    assert result["unicity_p2"] is None and result["home_inferred_share"] is None
    counts = table([(0, 1, -1, -1, AGGREGATE, 0, 0, 0)])
    result = _metrics(TRACES, counts)
    assert result["persons_exposed"] == 0
    assert result["unicity_p2"] == 0.0 and result["unicity_p4"] == 0.0
    assert result["linkable_persons_share"] == 0.0
    assert result["reidentification_risk_mean"] == 0.0


def _brute_force_risk(data, person):
    """LocationTimeAttack, knowledge_length=2, by enumerating subsets (the definition)."""
    from collections import Counter
    from itertools import combinations

    points = list(
        zip(data["place"].tolist(), (data["time_s"] // H).astype(int).tolist(), strict=True)
    )
    traces: dict[int, Counter] = {}
    owner: dict[int, int] = {}
    for point, subject, who in zip(
        points, data["subject"].tolist(), data["person"].tolist(), strict=True
    ):
        traces.setdefault(subject, Counter())[point] += 1
        owner[subject] = who
    best = 0.0
    for subject, trace in traces.items():
        if owner[subject] != person:
            continue
        visits = list(trace.elements())
        subsets = (
            [Counter(c) for c in combinations(visits, 2)] if len(visits) >= 2 else [Counter(visits)]
        )
        for knowledge in subsets:
            matching = {
                owner[s] for s, t in traces.items() if all(t[p] >= n for p, n in knowledge.items())
            }
            best = max(best, 1.0 / len(matching))
    return best


@pytest.mark.parametrize(("hours", "places", "records"), [(4, 3, 90), (8, 5, 400)])
def test_risk_equals_the_definition_on_random_traces(hours, places, records) -> None:
    # the second case gives traces of more than RAREST_POINTS distinct points
    rng = np.random.default_rng(5)
    rows = [
        direct(int(rng.integers(0, hours)), int(rng.integers(0, places)), int(rng.integers(0, 12)))
        for _ in range(records)
    ]
    data = table(rows)
    persons = np.unique(data["person"])
    risk = reidentification_risk(data, persons)
    expected = [_brute_force_risk(data, p) for p in persons.tolist()]
    assert risk == pytest.approx(expected)


def test_the_most_revealing_pair_may_involve_a_common_point() -> None:
    # O holds p1..p17 (p_k = place k at hour k). X holds p1..p16, so every pair of those
    # is held by O and X (1/2). Y and Z also hold p17, which makes it the most common
    # point, yet the pair (p1, p17) is held by O alone: risk 1.
    owner, x, y, z = range(4)
    rows = [direct(k, k, owner) for k in range(1, 18)]
    rows += [direct(k, k, x) for k in range(1, 17)]
    rows += [direct(17, 17, y), direct(17, 17, z)]
    risk = reidentification_risk(table(rows), np.array([owner, x]))
    # X: every pair of X's points is also O's -> 1/2
    assert risk == pytest.approx([1.0, 0.5])


def pseudo(hour, place, person, subject):
    return (hour, place, person, subject, PSEUDONYMOUS, 0, 0, 0)


def _singled_out_share(data, trace_rows, points):
    """De Montjoye by brute force: the share of ``points``-subsets of one trace's distinct
    points whose matching traces all belong to its person."""
    from itertools import combinations

    point = list(
        zip(data["place"].tolist(), (data["time_s"] // H).astype(int).tolist(), strict=True)
    )
    held: dict[int, set] = {}
    owner: dict[int, int] = {}
    for p, subject, who in zip(
        point, data["subject"].tolist(), data["person"].tolist(), strict=True
    ):
        held.setdefault(subject, set()).add(p)
        owner[subject] = who
    mine = sorted(held[trace_rows])
    subsets = list(combinations(mine, min(points, len(mine))))
    hits = 0
    for known in subsets:
        matching = {owner[s] for s, pts in held.items() if set(known) <= pts}
        hits += matching == {owner[trace_rows]}
    return hits / len(subsets)


def test_unicity_per_trace_equals_the_brute_force_with_several_pseudonyms_per_person() -> None:
    # persons 0-3 with two or three pseudonyms each (daily rotation): person 0's day-1
    # trace shares points with person 1's, person 2 repeats person 0's day-2 places
    rows = [
        pseudo(8, 1, 0, 10), pseudo(9, 2, 0, 10), pseudo(17, 3, 0, 10), pseudo(18, 4, 0, 10),
        pseudo(32, 1, 0, 11), pseudo(41, 5, 0, 11),
        pseudo(8, 1, 1, 20), pseudo(9, 2, 1, 20), pseudo(17, 6, 1, 20),
        pseudo(32, 1, 1, 21), pseudo(33, 2, 1, 21), pseudo(56, 3, 1, 22),
        pseudo(32, 1, 2, 30), pseudo(41, 5, 2, 30), pseudo(42, 6, 2, 30),
        pseudo(8, 1, 3, 40), pseudo(17, 3, 3, 40), pseudo(18, 4, 3, 40), pseudo(19, 2, 3, 40),
    ]  # fmt: skip
    data = table(rows)
    traces = Traces(data, H)
    subjects = np.unique(data["subject"])  # trace t is the t-th subject (store 0)
    expected = {p: np.array([_singled_out_share(data, s, p) for s in subjects]) for p in (2, 4)}
    runs = 400
    hits = {p: np.zeros(len(subjects)) for p in (2, 4)}
    rng = np.random.default_rng(11)
    for _ in range(runs):
        singled = trace_unicity(traces, np.arange(len(subjects)), (2, 4), rng)
        assert not (singled[2] & ~singled[4]).any()  # more points never single out fewer
        for p in (2, 4):
            hits[p] += singled[p]
    for p in (2, 4):
        sd = np.sqrt(runs * expected[p] * (1 - expected[p]))
        assert np.all(np.abs(hits[p] - runs * expected[p]) <= 4 * sd + 1e-9), (p, hits[p])
    # the person view: singled out through any of their traces (same draws)
    for person in range(4):
        own = traces.traces_of_person(person)
        by_trace = trace_unicity(traces, own, (2,), np.random.default_rng(person))[2]
        by_person = unicity(traces, np.array([person]), 2, np.random.default_rng(person))
        assert by_person.tolist() == [bool(by_trace.any())]


def test_rotation_never_makes_p2_exceed_p4_in_the_metrics() -> None:
    rng = np.random.default_rng(4)
    rows = [
        pseudo(int(day * 24 + rng.integers(7, 20)), int(rng.integers(0, 6)), who, who * 10 + day)
        for who in range(30)
        for day in range(5)
        for _ in range(4)
    ]
    data = table(rows)
    result = _metrics(data, data, n_residents=30)
    assert result["unicity_p2"] <= result["unicity_p4"]
    assert result["unicity_p2_persons"] <= result["unicity_p4_persons"]
