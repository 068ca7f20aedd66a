"""What a signal controller runs on and what interrupts it: the district's timing, the
network data adaptive control reads, and the causes that take the program over (an
ambulance's preemption, a fail-safe flash, an attacker's plan)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import simpy

    from agents.all_way_stop import FlashingRed

__all__ = ["ControlData", "FailSafe", "Preemption", "SignalTiming", "Takeover", "lead_in"]


@dataclass(frozen=True)
class SignalTiming:
    """Timing of every controller in the district (seconds)."""

    control: str  # "fixed" | "actuated" | "adaptive"
    green_s: tuple[float, ...]  # fixed-time green per phase, in phase order
    yellow_s: float
    all_red_s: float
    walk_s: float
    clearance_s: float  # flashing DON'T WALK
    startup_lost_s: float
    min_green_s: float
    max_green_s: float
    passage_s: float
    #: adaptive: a phase's pressure must beat the current one's by this many vehicles
    switch_margin: float = 2.0
    #: adaptive: a pedestrian waiting longer than this is served next (s)
    max_pedestrian_wait_s: float = 120.0
    #: crossing assist: extended clearance timed for this speed (0: no assist)
    assist_speed_mps: float = 0.0
    #: radar: longest extension while someone is on the crossing (0: no radar)
    radar_max_extension_s: float = 0.0

    @property
    def cycle_s(self) -> float:
        """Fixed-time cycle length."""
        return sum(self.green_s) + len(self.green_s) * (self.yellow_s + self.all_red_s)


@dataclass
class Preemption:
    """An emergency vehicle's request for green on ``phase``; ``released`` when it has passed."""

    phase: int
    released: simpy.Event
    served: bool = False


class ControlData(Protocol):
    """What a controller's detectors and the traffic management network deliver to it
    (the signal control service: it knows which data paths are up)."""

    def detects(self, node: int) -> bool:
        """Whether intersection ``node``'s own detectors work now."""

    def coordinated(self, node: int) -> bool:
        """Whether network data (its neighbours' queues, through traffic management)
        reaches intersection ``node`` now."""

    def pressures(self, node: int) -> Sequence[float]:
        """Max-pressure weight of each phase of ``node`` now (vehicles)."""


@dataclass(frozen=True)
class FailSafe:
    """A compromised controller flashes red (all-way stop) until ``end_s``."""

    end_s: float
    flashing: FlashingRed


@dataclass(frozen=True)
class Takeover:
    """An attacker runs its own fixed-time plan (``green_s`` per phase) until ``end_s``."""

    end_s: float
    green_s: tuple[float, ...]


def lead_in(timing: SignalTiming, offset_s: float) -> list[tuple[int, float, bool, float]]:
    """A fixed plan's intervals from time 0 to its offset (phase, green, WALK shown, span):
    the cycle is each phase's green and clearance in order; the offset puts phase 0's
    onset at ``offset_s``, so time 0 falls ``offset_s`` before it. Intervals cut so short
    that WALK and its clearance would not fit show no WALK; a green of 0 or less is an
    interval inside the yellow and all-red."""
    clear_s = timing.yellow_s + timing.all_red_s
    position = timing.cycle_s - offset_s  # where in the cycle time 0 falls
    start = 0.0
    plan = []
    for phase, green in enumerate(timing.green_s):
        end = start + green + clear_s
        if end > position:
            span = end - max(start, position)
            green_s = span - clear_s
            walk = green_s >= timing.walk_s + timing.clearance_s
            plan.append((phase, green_s, walk, span))
        start = end
    return plan
