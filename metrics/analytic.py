"""Closed-form references the simulation is validated against (docs/references.md)."""

from __future__ import annotations

import math


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


# --- Signalised control delay (HCM 6th ed. Ch. 19) ------------------------------------------


def hcm_signal_delay(
    cycle_s: float,
    effective_green_s: float,
    flow_vph: float,
    saturation_vph: float,
    analysis_h: float = 0.25,
    k: float = 0.5,
) -> float:
    """Control delay (s/veh) of a lane group at a signal: uniform plus incremental delay,
    HCM 6th ed. Eq. 19-19 to 19-26 with no initial queue, no upstream filtering (I = 1)
    and, by default, pretimed control (k = 0.5).

    ``d1 = 0.5 C (1 - g/C)^2 / (1 - min(1, X) g/C)``,
    ``d2 = 900 T [(X - 1) + sqrt((X - 1)^2 + 8 k X / (c T))]`` with ``c = s g / C``.
    """
    lam = effective_green_s / cycle_s
    capacity = saturation_vph * lam
    x = flow_vph / capacity
    uniform = 0.5 * cycle_s * (1 - lam) ** 2 / (1 - min(1.0, x) * lam)
    incremental = (
        900 * analysis_h * ((x - 1) + math.sqrt((x - 1) ** 2 + 8 * k * x / (capacity * analysis_h)))
    )
    return uniform + incremental
