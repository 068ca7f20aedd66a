"""Signal controllers: fixed-time and actuated two-phase programs with WALK.

A controller acts only at interval boundaries. At the onset of a phase's green
it opens that phase's approaches (effective green = displayed green + yellow -
start-up lost time, starting after the lost time), shows WALK on that phase's
crosswalks, and, since conflicting traffic is released, marks pedestrians
still on the other phase's crosswalks as stranded.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.compass import EW_PHASE, NS_PHASE, PHASES, other_phase
from agents.log import ColumnLog

if TYPE_CHECKING:
    import simpy

    from agents.approach import Approach
    from agents.crosswalk import Crosswalk

SIGNAL_COLUMNS = ("node", "phase", "onset_s", "green_end_s", "walk_s")


@dataclass(frozen=True)
class SignalTiming:
    """Timing of every controller in the district (seconds)."""

    control: str  # "fixed" | "actuated"
    green_s: tuple[float, float]  # fixed-time green per phase (NS, EW)
    yellow_s: float
    all_red_s: float
    walk_s: float
    clearance_s: float  # flashing DON'T WALK
    startup_lost_s: float
    min_green_s: float
    max_green_s: float
    passage_s: float

    @property
    def cycle_s(self) -> float:
        """Fixed-time cycle length."""
        return sum(self.green_s) + 2 * (self.yellow_s + self.all_red_s)


class SignalController:
    """Runs one intersection's signal program as a SimPy process.

    Args:
        env: the simulation clock.
        node: index of the intersection.
        timing: the program's timing.
        approaches: the approaches served by each phase, indexed by phase.
        crosswalks: the crosswalks served by each phase, indexed by phase.
        log: table of served phases, shared by all controllers.
    """

    def __init__(
        self,
        env: simpy.Environment,
        node: int,
        timing: SignalTiming,
        approaches: Sequence[Sequence[Approach]],
        crosswalks: Sequence[Sequence[Crosswalk]],
        log: ColumnLog,
    ) -> None:
        self.env = env
        self.node = node
        self.timing = timing
        self.approaches = approaches
        self.crosswalks = crosswalks
        self.log = log
        self.phase = NS_PHASE
        self.onset_s = 0.0
        self.green_end_s = 0.0
        self.stranded = 0
        self._calls = [False, False]
        self._conflict: simpy.Event | None = None
        self._walk_served = False
        actuated = timing.control == "actuated"
        for phase in PHASES:
            for approach in approaches[phase]:
                approach.controller = self if actuated else None
            for crosswalk in crosswalks[phase]:
                crosswalk.controller = self if actuated else None
        env.process(self._actuated() if actuated else self._fixed())

    def state(self) -> tuple[int, str]:
        """(phase, 'green' | 'yellow' | 'red') now, for displays."""
        now = self.env.now
        if now < self.green_end_s:
            return self.phase, "green"
        if now < self.green_end_s + self.timing.yellow_s:
            return self.phase, "yellow"
        return self.phase, "red"

    def call(self, phase: int) -> None:
        """Someone is waiting for ``phase`` (detector or push button)."""
        self._calls[phase] = True
        if self._conflict is not None and phase != self.phase:
            self._conflict.succeed()
            self._conflict = None

    # -- programs ---------------------------------------------------------

    def _fixed(self) -> Generator[simpy.Event, object, None]:
        timing = self.timing
        while True:
            for phase in PHASES:
                green_s = timing.green_s[phase]
                self._begin_green(phase, walk=True, provisional_end=green_s)
                self.green_end_s = self.onset_s + green_s
                yield self.env.timeout(green_s + timing.yellow_s + timing.all_red_s)
                self._log_phase()

    def _actuated(self) -> Generator[simpy.Event, object, None]:
        timing = self.timing
        env = self.env
        phase = NS_PHASE
        while True:
            walk = any(c.waiting for c in self.crosswalks[phase])
            min_s = max(timing.min_green_s, timing.walk_s + timing.clearance_s if walk else 0.0)
            cap_s = timing.max_green_s  # max-green timer, from onset (or from a later call)
            self._begin_green(phase, walk=walk, provisional_end=cap_s)
            self.green_end_s = float("inf")
            onset = self.onset_s
            approaches = self.approaches[phase]
            while True:
                gap_end = max(a.last_departure for a in approaches) + timing.passage_s
                end = min(max(gap_end, onset + min_s), onset + cap_s)
                if end > env.now:
                    yield env.timeout(end - env.now)
                    continue
                if self._calls[other_phase(phase)]:
                    break
                # Nobody waits for the other phase: stay green.
                if not any(a.waiting for a in approaches):
                    for approach in approaches:
                        approach.extend(float("inf"))
                    self._conflict = env.event()
                    yield self._conflict
                cap_s = env.now - onset + timing.max_green_s
                for approach in approaches:
                    approach.window_end = onset + cap_s + timing.yellow_s
                    approach.extend(approach.window_end)
            self.green_end_s = env.now
            for approach in approaches:
                approach.window_end = min(approach.window_end, env.now + timing.yellow_s)
            yield env.timeout(timing.yellow_s + timing.all_red_s)
            self._log_phase()
            self._calls[phase] = any(a.waiting for a in approaches) or any(
                c.waiting for c in self.crosswalks[phase]
            )
            if self._calls[other_phase(phase)] or not self._calls[phase]:
                phase = other_phase(phase)

    # -- helpers -----------------------------------------------------------

    def _begin_green(self, phase: int, walk: bool, provisional_end: float) -> None:
        """Green onset: release traffic and pedestrians, detect stranded crossings."""
        now = self.env.now
        timing = self.timing
        if phase != self.phase:
            for crosswalk in self.crosswalks[other_phase(phase)]:
                self.stranded += crosswalk.conflicting_green()
        self.phase = phase
        self.onset_s = now
        self._calls[phase] = False
        self._walk_served = walk
        if walk:
            for crosswalk in self.crosswalks[phase]:
                crosswalk.start_walk(timing.walk_s)
        for approach in self.approaches[phase]:
            approach.open(now + timing.startup_lost_s, now + provisional_end + timing.yellow_s)

    def _log_phase(self) -> None:
        walk = self.timing.walk_s if self._walk_served else 0.0
        self.log.append(self.node, self.phase, self.onset_s, self.green_end_s, walk)


__all__ = ["EW_PHASE", "NS_PHASE", "SignalController", "SignalTiming"]
