"""All-way stop control: the HCM 6th edition Chapter 21 method (the reference the simulated
all-way stop is validated against, and the tables it discharges by).

Steps (HCM Exhibit 21-10): demand per lane; the geometry group of each approach
(Exhibit 21-11, from the lanes of the subject, opposing and conflicting approaches and
whether the intersection has four legs); the turning and heavy-vehicle headway adjustment
(Eq. 21-13, Exhibit 21-12); from an initial departure headway of 3.2 s, each lane's degree
of utilisation x = v h / 3600 (Eq. 21-14, capped at 1), the probability of every
combination of vehicles present on the other approaches' lanes (Eq. 21-15), the
probability adjustment for their correlation (Eqs. 21-16 to 21-26, alpha = 0.01), the
saturation headway of each combination's degree-of-conflict case (Eq. 21-27,
Exhibit 21-15) and their expectation, the departure headway (Eq. 21-28), iterated to a
fixed point; capacity by raising the subject lane's flow until x = 1 (Step 12); service
time t_s = h_d - m (Eq. 21-29) and control delay (Eq. 21-30, with the analysis period T).

Approaches are given around the intersection, so approach i faces approach i + 2 and
meets approaches i + 1 and i + 3 from the sides; at a three-leg intersection one of the
four is empty. Lanes per approach: one or two (the HCM's 64-combination framework); the
three-lane framework (512 combinations) is not implemented.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ALPHA",
    "GEOMETRY_GROUPS",
    "INITIAL_HEADWAY_S",
    "Lane",
    "LaneResult",
    "analyse",
    "base_headway_s",
    "control_delay_s",
    "degree_of_conflict",
    "departure_headways",
    "geometry_group",
    "headway_adjustment_s",
    "intersection_delay_s",
    "lane_capacity_vph",
    "move_up_s",
]

GEOMETRY_GROUPS = ("1", "2", "3a", "3b", "4a", "4b", "5", "6")
#: Departure headway the iteration starts from (s): HCM Step 5, not a headway of any lane.
INITIAL_HEADWAY_S = 3.2
#: Correlation of the conflict states (HCM Eqs. 21-21 to 21-25; 0 ignores it).
ALPHA = 0.01
#: Combinations in each degree-of-conflict case 2-5 of the 64-combination framework: the
#: divisors of HCM Eqs. 21-22 to 21-25.
_CASE_COMBINATIONS = (1, 3, 6, 27, 27)
#: Exhibit 21-15, geometry groups 1-4b: base saturation headway (s) of cases 1-5.
_BASE_BY_CASE = {
    "1": (3.9, 4.7, 5.8, 7.0, 9.6),
    "2": (3.9, 4.7, 5.8, 7.0, 9.6),
    "3a": (4.0, 4.8, 5.9, 7.1, 9.7),
    "3b": (4.3, 5.1, 6.2, 7.4, 10.0),
    "4a": (4.0, 4.8, 5.9, 7.1, 9.7),
    "4b": (4.5, 5.3, 6.4, 7.6, 10.2),
}
#: Exhibit 21-15, groups 5 and 6: base saturation headway (s) by case and by the number of
#: vehicles on the opposing and conflicting lanes: (up to this many vehicles, headway).
_BASE_BY_VEHICLES = {
    "5": (
        ((99, 4.5),),
        ((1, 5.0), (99, 6.2)),
        ((1, 6.4), (99, 7.2)),
        ((2, 7.6), (3, 7.8), (99, 9.0)),
        ((4, 9.7), (5, 10.0), (99, 11.5)),
    ),
    "6": (
        ((99, 4.5),),
        ((1, 6.0), (2, 6.8), (99, 7.4)),
        ((1, 6.6), (2, 7.3), (99, 7.8)),
        ((2, 8.1), (3, 8.7), (4, 9.6), (99, 12.3)),
        ((3, 10.0), (4, 11.1), (5, 11.4), (99, 13.3)),
    ),
}


def geometry_group(
    subject_lanes: int, opposing_lanes: int, conflicting_lanes: int, four_leg: bool = True
) -> str:
    """The geometry group (Exhibit 21-11) of an approach.

    Args:
        subject_lanes: lanes of the subject approach (1-3).
        opposing_lanes: lanes of the approach facing it (0: none).
        conflicting_lanes: lanes of the conflicting approach with more of them (note a);
            at least 1 is assumed (a leg with no conflicting approach counts as one lane).
        four_leg: the intersection has four legs (else three).
    """
    s, o, c = subject_lanes, opposing_lanes, max(1, conflicting_lanes)
    if s < 1 or o < 0 or c > 3 or o > 3 or s > 3:
        raise ValueError(f"lanes {subject_lanes}, {opposing_lanes}, {conflicting_lanes} not 1-3")
    if s == 1:
        if o <= 1:
            return {1: "1", 2: "2"}.get(c, "5")
        if o == 2:
            if c == 3:
                return "6"
            return ("4" if four_leg else "3") + ("a" if c == 1 else "b")
        return "5" if c == 1 else "6"
    if s == 2:
        return "5" if o <= 2 and c <= 2 else "6"
    return "5" if o <= 1 or c == 1 else "6"


def move_up_s(group: str) -> float:
    """Move-up time m (s): 2.0 s for groups 1-4b, 2.3 s for 5 and 6 (Eq. 21-29)."""
    return 2.3 if group in ("5", "6") else 2.0


def headway_adjustment_s(
    group: str, left_share: float = 0.0, right_share: float = 0.0, heavy_share: float = 0.0
) -> float:
    """h_adj = h_LT P_LT + h_RT P_RT + h_HV P_HV (s), Eq. 21-13 with Exhibit 21-12:
    h_LT 0.2 s (groups 1-4b) or 0.5 s (5, 6), h_RT -0.6 s or -0.7 s, h_HV 1.7 s."""
    for name, share in (("left", left_share), ("right", right_share), ("heavy", heavy_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name}_share {share} is outside [0, 1]")
    wide = group in ("5", "6")
    return (
        (0.5 if wide else 0.2) * left_share
        - (0.7 if wide else 0.6) * right_share
        + (1.7 * heavy_share)
    )


def degree_of_conflict(opposing: bool, conflicting: int) -> int:
    """Degree-of-conflict case (1-5): 1 nobody else; 2 the opposing approach only; 3 one
    conflicting approach only; 4 two of the three; 5 all three (Exhibits 21-5 to 21-7)."""
    if not 0 <= conflicting <= 2:
        raise ValueError(f"conflicting approaches must be 0, 1 or 2, not {conflicting}")
    others = int(opposing) + conflicting
    if others == 1:
        return 2 if opposing else 3
    return {0: 1, 2: 4, 3: 5}[others]


def base_headway_s(group: str, case: int, vehicles: int = 1) -> float:
    """Base saturation headway (s) of a degree-of-conflict ``case`` (Exhibit 21-15);
    groups 5 and 6 also depend on the ``vehicles`` on the opposing and conflicting lanes."""
    if group in _BASE_BY_CASE:
        return _BASE_BY_CASE[group][case - 1]
    for most, headway in _BASE_BY_VEHICLES[group][case - 1]:
        if vehicles <= most:
            return headway
    raise ValueError(f"no headway for group {group}, case {case}")  # unreachable: 99 caps


@dataclass(frozen=True)
class Lane:
    """One lane of an approach: its demand flow rate and the shares of its movements."""

    flow_vph: float
    left_share: float = 0.0
    right_share: float = 0.0
    heavy_share: float = 0.0


@dataclass(frozen=True)
class LaneResult:
    """What the method gives for one lane."""

    group: str
    adjustment_s: float
    departure_headway_s: float
    utilisation: float
    service_time_s: float
    control_delay_s: float


def _groups(approaches: Sequence[Sequence[Lane]], four_leg: bool) -> list[str]:
    groups = []
    for i, lanes in enumerate(approaches):
        if not lanes:
            groups.append("")
            continue
        conflicting = max(len(approaches[(i + 1) % 4]), len(approaches[(i + 3) % 4]))
        groups.append(
            geometry_group(len(lanes), len(approaches[(i + 2) % 4]), conflicting, four_leg)
        )
    return groups


def _check(approaches: Sequence[Sequence[Lane]]) -> bool:
    if len(approaches) != 4:
        raise ValueError(f"give four approaches around the intersection, not {len(approaches)}")
    if any(len(lanes) > 2 for lanes in approaches):
        raise ValueError("approaches of three lanes need the 512-combination framework")
    if any(lane.flow_vph < 0 for lanes in approaches for lane in lanes):
        raise ValueError("flows must be non-negative")
    return sum(1 for lanes in approaches if lanes) == 4


def _lane_headway(
    utilisation: Sequence[Sequence[float]], approach: int, group: str, adjustment_s: float
) -> float:
    """Eq. 21-28: the expected saturation headway of a lane of ``approach`` over the
    combinations of vehicles present on the other approaches' lanes."""
    sides = [utilisation[(approach + k) % 4] for k in (2, 1, 3)]  # opposing, two conflicting
    lanes = [(side, x) for side, xs in enumerate(sides) for x in xs if x > 0]
    states = []
    by_case = [0.0] * 5
    for present in itertools.product((False, True), repeat=len(lanes)):
        p = math.prod(x if here else 1 - x for (_, x), here in zip(lanes, present, strict=True))
        occupied = [False, False, False]
        for (side, _), here in zip(lanes, present, strict=True):
            occupied[side] |= here
        case = degree_of_conflict(occupied[0], occupied[1] + occupied[2])
        states.append((p, case, sum(present)))
        by_case[case - 1] += p
    _, c2, c3, c4, c5 = by_case
    adjust = (
        ALPHA * (c2 + 2 * c3 + 3 * c4 + 4 * c5),
        ALPHA * (c3 + 2 * c4 + 3 * c5 - c2),
        ALPHA * (c4 + 2 * c5 - 3 * c3),
        ALPHA * (c5 - 6 * c4),
        -ALPHA * 10 * c5,
    )
    return sum(
        (p + adjust[case - 1] / _CASE_COMBINATIONS[case - 1])
        * (base_headway_s(group, case, vehicles) + adjustment_s)
        for p, case, vehicles in states
    )


def departure_headways(
    approaches: Sequence[Sequence[Lane]],
    four_leg: bool | None = None,
    tolerance_s: float = 1e-6,
) -> list[list[float]]:
    """Departure headway (s) of every lane (Steps 5-11), iterated from 3.2 s.

    Args:
        approaches: lanes of the four approaches around the intersection (one empty at
            a three-leg intersection).
        four_leg: whether it has four legs (default: whether all four approaches exist).
        tolerance_s: the iteration stops when no headway moves by more than this.
    """
    all_four = _check(approaches)
    legs4 = all_four if four_leg is None else four_leg
    groups = _groups(approaches, legs4)
    adjust = [
        [headway_adjustment_s(groups[i], lane.left_share, lane.right_share, lane.heavy_share)
         for lane in lanes]
        for i, lanes in enumerate(approaches)
    ]  # fmt: skip
    headways = [[INITIAL_HEADWAY_S] * len(lanes) for lanes in approaches]
    for _ in range(1000):
        utilisation = [
            [min(1.0, lane.flow_vph * h / 3600.0) for lane, h in zip(lanes, hs, strict=True)]
            for lanes, hs in zip(approaches, headways, strict=True)
        ]
        new = [[_lane_headway(utilisation, i, groups[i], a) for a in adjust[i]] for i in range(4)]
        change = max(
            (abs(a - b) for hs, old in zip(new, headways, strict=True)
             for a, b in zip(hs, old, strict=True)),
            default=0.0,
        )  # fmt: skip
        headways = new
        if change < tolerance_s:
            return headways
    raise ValueError("all-way-stop departure headways did not converge")


def control_delay_s(
    headway_s: float, utilisation: float, group: str = "1", analysis_h: float = 0.25
) -> float:
    """Eq. 21-30: ``t_s + 900 T [(x - 1) + sqrt((x - 1)^2 + h x / (450 T))] + 5`` (s)."""
    x, t = utilisation, analysis_h
    service = headway_s - move_up_s(group)
    return service + 900 * t * ((x - 1) + math.sqrt((x - 1) ** 2 + headway_s * x / (450 * t))) + 5


def analyse(
    approaches: Sequence[Sequence[Lane]], four_leg: bool | None = None, analysis_h: float = 0.25
) -> list[list[LaneResult]]:
    """Every lane's geometry group, adjustment, departure headway, utilisation, service
    time and control delay (Steps 3-14)."""
    all_four = _check(approaches)
    legs4 = all_four if four_leg is None else four_leg
    groups = _groups(approaches, legs4)
    headways = departure_headways(approaches, legs4)
    results = []
    for i, lanes in enumerate(approaches):
        row = []
        for lane, h in zip(lanes, headways[i], strict=True):
            group = groups[i]
            x = lane.flow_vph * h / 3600.0
            adj = headway_adjustment_s(group, lane.left_share, lane.right_share, lane.heavy_share)
            row.append(
                LaneResult(
                    group, adj, h, x, h - move_up_s(group), control_delay_s(h, x, group, analysis_h)
                )
            )
        results.append(row)
    return results


def intersection_delay_s(
    approaches: Sequence[Sequence[Lane]], four_leg: bool | None = None, analysis_h: float = 0.25
) -> float:
    """Flow-weighted control delay of the intersection (Eqs. 21-31 and 21-32)."""
    results = analyse(approaches, four_leg, analysis_h)
    flows = [lane.flow_vph for lanes in approaches for lane in lanes]
    delays = [r.control_delay_s for row in results for r in row]
    return sum(f * d for f, d in zip(flows, delays, strict=True)) / sum(flows)


def lane_capacity_vph(
    approaches: Sequence[Sequence[Lane]], approach: int, lane: int = 0, four_leg: bool | None = None
) -> float:
    """Capacity (veh/h) of one lane (Step 12): its flow raised until x = 1, the other
    lanes at their flows (their headways follow). Found by bisection to 0.1 veh/h."""
    low, high = 0.0, 3600.0
    while high - low > 0.1:
        trial = (low + high) / 2
        changed = [list(lanes) for lanes in approaches]
        changed[approach][lane] = _with_flow(changed[approach][lane], trial)
        h = departure_headways(changed, four_leg, tolerance_s=1e-7)[approach][lane]
        low, high = (trial, high) if trial * h / 3600.0 < 1.0 else (low, trial)
    return (low + high) / 2


def _with_flow(lane: Lane, flow_vph: float) -> Lane:
    return Lane(flow_vph, lane.left_share, lane.right_share, lane.heavy_share)
