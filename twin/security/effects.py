"""Attack effects inside the running simulation: what a disruption schedule does to agents.

Only the signal controllers are wired so far: each down interval of
``signal_controllers:i`` makes intersection i flash red (an all-way stop,
HCM 6th ed. Ch. 21 headways) and then resume its plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from agents.all_way_stop import FlashingRed
from metrics.analytic import AWSC_CASE_HEADWAY_S
from twin.security.graph import CONTROLLER

if TYPE_CHECKING:
    import simpy

    from agents.intersection import Intersection

__all__ = ["AWSC_STOP_S", "schedule_fail_safes"]

#: Time lost by a vehicle that has to stop at an otherwise empty all-way stop (s): the
#: constant the HCM adds to all-way-stop control delay for deceleration and acceleration.
AWSC_STOP_S = 5.0


def schedule_fail_safes(
    env: simpy.Environment,
    intersections: Sequence[Intersection],
    down: Mapping[str, Sequence[tuple[float, float]]],
    adjustment_s: float = 0.0,
) -> int:
    """Make each down signal controller flash red for its intervals; return how many.

    ``down`` is an :class:`~twin.security.spread.AttackOutcome`'s ``down``: component
    name -> merged (down_from, down_to) intervals. Call before the run reaches them.
    """
    scheduled = 0
    for name, spans in down.items():
        kind, _, index = name.partition(":")
        if kind != CONTROLLER:
            continue
        intersection = intersections[int(index)]
        for start, end in spans:
            red = FlashingRed(
                env, intersection.approaches, AWSC_CASE_HEADWAY_S, adjustment_s, AWSC_STOP_S
            )
            intersection.controller.fail_safe(max(start, env.now), end, red)
            scheduled += 1
    return scheduled
