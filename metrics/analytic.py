"""Closed-form references the simulation is validated against (docs/references.md)."""

from __future__ import annotations


def webster_delay(
    cycle_s: float, effective_green_s: float, flow_vph: float, saturation_vph: float
) -> float:
    """Webster's (1958) mean delay per vehicle (s) at a fixed-time approach.

    ``d = c(1-λ)²/[2(1-λx)] + x²/[2q(1-x)] - 0.65 (c/q²)^(1/3) x^(2+5λ)``
    with λ = g/c, q the flow (veh/s) and x = q/(λs) < 1.
    """
    lam = effective_green_s / cycle_s
    q = flow_vph / 3600.0
    s = saturation_vph / 3600.0
    x = q / (lam * s)
    if not 0 < x < 1:
        raise ValueError(f"degree of saturation {x:.3f} is outside (0, 1)")
    uniform = cycle_s * (1 - lam) ** 2 / (2 * (1 - lam * x))
    random = x**2 / (2 * q * (1 - x))
    correction = 0.65 * (cycle_s / q**2) ** (1 / 3) * x ** (2 + 5 * lam)
    return uniform + random - correction


def degree_of_saturation(
    cycle_s: float, effective_green_s: float, flow_vph: float, saturation_vph: float
) -> float:
    """x = q / (λ s)."""
    return flow_vph / (effective_green_s / cycle_s * saturation_vph)


def pedestrian_signal_delay(cycle_s: float, walk_s: float) -> float:
    """Mean wait (s) at the curb for WALK, pedestrians arriving at random: (C - g)² / 2C.

    HCM 2000 Eq. 18-5 with g the time during which pedestrians may start
    crossing (here the WALK interval).
    """
    return (cycle_s - walk_s) ** 2 / (2 * cycle_s)


def pedestrian_los(delay_s: float) -> str:
    """HCM 2000 pedestrian level of service (A-F) for a signal delay."""
    for grade, limit in (("A", 10), ("B", 20), ("C", 30), ("D", 40), ("E", 60)):
        if delay_s < limit:
            return grade
    return "F"


# --- All-way stop (a signal in flashing red) ---------------------------------------------
#
# HCM 6th ed. Ch. 21 (AWSC), simplified to one lane per approach on a four-leg
# intersection (geometry group 1), as in the NCHRP 08-135 guidebook summary:
# an approach's departure headway is a saturation headway that depends on which
# other approaches are occupied (the "degree-of-conflict" case), plus the turning
# and heavy-vehicle adjustment of HCM Eq. 21-13. The HCM's probability adjustment
# for the degree-of-conflict states is left out: states are weighted by the plain
# product of the other approaches' degrees of utilisation.

#: Initial departure headway of the HCM iteration (s).
AWSC_INITIAL_HEADWAY_S = 3.2
#: Geometry group 1 saturation-headway adjustments (s): left turn, right turn, heavy vehicle.
AWSC_ADJUSTMENT_S = (0.2, -0.6, 1.7)
#: Geometry group 1 base saturation headway (s) by degree-of-conflict case 1-5.
AWSC_CASE_HEADWAY_S = (3.9, 4.7, 5.8, 7.0, 9.6)


def awsc_case(opposing: bool, conflicting: int) -> int:
    """Degree-of-conflict case (1-5) of a subject approach.

    Args:
        opposing: whether the opposing approach has a vehicle waiting.
        conflicting: how many of the two conflicting (left and right) approaches do (0-2).

    Case 1: nobody else; 2: the opposing approach only; 3: one conflicting
    approach only; 4: two other approaches; 5: all three.
    """
    if not 0 <= conflicting <= 2:
        raise ValueError(f"conflicting approaches must be 0, 1 or 2, not {conflicting}")
    others = int(opposing) + conflicting
    if others <= 1:
        return 1 + others + (1 if conflicting else 0)
    return 2 + others


def awsc_headway_adjustment(
    left_share: float = 0.0, right_share: float = 0.0, heavy_share: float = 0.0
) -> float:
    """h_adj = 0.2 P_LT - 0.6 P_RT + 1.7 P_HV (s), HCM Eq. 21-13, geometry group 1."""
    for name, share in (("left", left_share), ("right", right_share), ("heavy", heavy_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name}_share {share} is outside [0, 1]")
    lt, rt, hv = AWSC_ADJUSTMENT_S
    return lt * left_share + rt * right_share + hv * heavy_share


def awsc_saturation_headway(opposing: bool, conflicting: int, adjustment_s: float = 0.0) -> float:
    """Departure headway (s) of an approach while the given others are occupied."""
    return AWSC_CASE_HEADWAY_S[awsc_case(opposing, conflicting) - 1] + adjustment_s


def awsc_departure_headways(
    flows_vph: tuple[float, float, float, float],
    adjustment_s: float = 0.0,
    tolerance_s: float = 1e-6,
    max_iterations: int = 500,
) -> tuple[float, float, float, float]:
    """Mean departure headway (s) of each approach of a four-leg all-way stop.

    ``flows_vph`` are given around the intersection (N, E, S, W), so approach
    i's opposing approach is i + 2 and its conflicting ones i ± 1. Starting
    from 3.2 s, each approach's headway is the expected saturation headway over
    the eight occupied/empty states of the other three approaches, each occupied
    with probability x_j = v_j h_j / 3600 (capped at 1), iterated to a fixed point.
    """
    if any(v < 0 for v in flows_vph):
        raise ValueError(f"flows must be non-negative, not {flows_vph}")
    headways = [AWSC_INITIAL_HEADWAY_S] * 4
    for _ in range(max_iterations):
        x = [min(1.0, v * h / 3600.0) for v, h in zip(flows_vph, headways, strict=True)]
        new = [_expected_headway(x, i, adjustment_s) for i in range(4)]
        if max(abs(a - b) for a, b in zip(new, headways, strict=True)) < tolerance_s:
            return (new[0], new[1], new[2], new[3])
        headways = new
    raise ValueError(f"all-way-stop headways did not converge for flows {flows_vph}")


def _expected_headway(x: list[float], i: int, adjustment_s: float) -> float:
    p_opp, p_left, p_right = x[(i + 2) % 4], x[(i + 1) % 4], x[(i + 3) % 4]
    total = 0.0
    for opposing in (False, True):
        for left in (False, True):
            for right in (False, True):
                weight = (
                    (p_opp if opposing else 1 - p_opp)
                    * (p_left if left else 1 - p_left)
                    * (p_right if right else 1 - p_right)
                )
                total += weight * awsc_saturation_headway(opposing, left + right, adjustment_s)
    return total


def awsc_capacity_vph(
    flows_vph: tuple[float, float, float, float], subject: int = 0, adjustment_s: float = 0.0
) -> float:
    """Capacity (veh/h) of approach ``subject``: the flow at which its utilisation reaches 1.

    The other approaches keep their flows. With the subject saturated (x = 1),
    the others' headways follow from the fixed point, and the subject's capacity
    is 3600 / its headway.
    """
    if not 0 <= subject < 4:
        raise ValueError(f"subject approach must be 0-3, not {subject}")
    headways = [AWSC_INITIAL_HEADWAY_S] * 4
    for _ in range(500):
        x = [min(1.0, v * h / 3600.0) for v, h in zip(flows_vph, headways, strict=True)]
        x[subject] = 1.0
        new = [_expected_headway(x, i, adjustment_s) for i in range(4)]
        if max(abs(a - b) for a, b in zip(new, headways, strict=True)) < 1e-9:
            return 3600.0 / new[subject]
        headways = new
    raise ValueError(f"all-way-stop capacity did not converge for flows {flows_vph}")
