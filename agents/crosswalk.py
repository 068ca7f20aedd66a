"""A signalised crosswalk: WALK windows, the curb queue and stranded crossings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from agents.log import ColumnLog

if TYPE_CHECKING:
    import simpy

    from agents.approach import Caller


class Walker(Protocol):
    """What a crosswalk and its detectors know of a pedestrian (``agents.pedestrian.Resident``).

    Declared here so that crosswalks need not import pedestrians (pedestrians use crosswalks).
    """

    unique_id: int
    impaired: bool
    needs_time: bool
    opted_in: bool
    shares: frozenset[str]


class CurbDetector(Protocol):
    """A crossing-assist method watching the curb (``agents.crossing_assist``)."""

    def senses_crossing(self, node: int) -> bool:
        """Whether it also senses everyone on the crossings of intersection ``node`` now
        (radar)."""

    def at_curb(self, crosswalk: Crosswalk, resident: Walker) -> bool:
        """``resident`` reached the curb now; True if recognised as needing more time."""


CROSSING_COLUMNS = (
    "resident",
    "node",
    "crosswalk",
    "impaired",
    "speed_mps",
    "arrive_s",
    "start_s",
    "end_s",
    "first_of_trip",
    "detected",
    "stranded",
)


class Crosswalk:
    """One crosswalk across one leg of an intersection.

    Pedestrians start crossing only while WALK shows (``now < walk_until``);
    the rest wait at the curb for the next WALK. When conflicting traffic gets
    green, everyone still on the crossing is recorded as stranded.

    Args:
        env: the simulation clock.
        node: index of the intersection.
        leg: which leg it crosses (``agents.compass`` direction).
        phase: signal phase whose WALK serves it.
        width_m: curb-to-curb length of the crossing.
        log: table of crossings, shared by all crosswalks.
    """

    def __init__(
        self,
        env: simpy.Environment,
        node: int,
        leg: int,
        phase: int,
        width_m: float,
        log: ColumnLog,
    ) -> None:
        self.env = env
        self.node = node
        self.leg = leg
        self.phase = phase
        self.width_m = width_m
        self.log = log
        self.controller: Caller | None = None
        self.assist: CurbDetector | None = None
        self.walk_start = float("-inf")
        self.walk_until = float("-inf")
        #: someone recognised as slow will cross in this WALK / asked for the next one
        self.extend_this_walk = False
        self._extend_next_walk = False
        self.walk_started: simpy.Event = env.event()
        self.waiting = 0
        self._on_crossing: list[tuple[int, float]] = []
        #: when the last pedestrian to step onto it reaches the far curb: someone is on
        #: it at ``t`` exactly when ``t < clear_s`` (the crossing table's intervals)
        self.clear_s = float("-inf")

    def attach(self, detector: CurbDetector) -> None:
        """Equip this crosswalk with a crossing-assist detector (once, before the run)."""
        self.assist = detector

    @property
    def walking(self) -> bool:
        """True while WALK is displayed."""
        return self.env.now < self.walk_until

    def reach_curb(self, resident: Walker) -> bool:
        """``resident`` arrives at the curb; returns whether the assist service recognised them."""
        if self.assist is None:
            return False
        detected = self.assist.at_curb(self, resident)
        if detected:
            if self.walking:
                self.extend_this_walk = True
            else:
                self._extend_next_walk = True
        return detected or self.assist.senses_crossing(self.node)

    def wait_for_walk(self) -> simpy.Event:
        """Event that fires at the start of the next WALK (placing a call for it)."""
        self.waiting += 1
        if self.controller is not None:
            self.controller.call(self.phase)
        return self.walk_started

    def start_walk(self, walk_s: float) -> None:
        """Show WALK for ``walk_s`` seconds and release the curb queue."""
        now = self.env.now
        self.walk_start = now
        self.walk_until = now + walk_s
        self.extend_this_walk, self._extend_next_walk = self._extend_next_walk, False
        if self._on_crossing:
            self._on_crossing = [entry for entry in self._on_crossing if entry[1] > now]
        if self.waiting:
            self.waiting = 0
            released, self.walk_started = self.walk_started, self.env.event()
            released.succeed()

    def cross(
        self, resident: Walker, speed_mps: float, arrived_s: float, first: bool, detected: bool
    ) -> float:
        """Start crossing now at ``speed_mps``; returns the crossing time in seconds."""
        now = self.env.now
        crossing_s = self.width_m / speed_mps
        row = self.log.append(
            resident.unique_id,
            self.node,
            self.leg,
            resident.impaired,
            speed_mps,
            arrived_s,
            now,
            now + crossing_s,
            first,
            detected,
            0,
        )
        self._on_crossing.append((row, now + crossing_s))
        if now + crossing_s > self.clear_s:
            self.clear_s = now + crossing_s
        return crossing_s

    def conflicting_green(self) -> None:
        """Conflicting traffic gets green now: everyone still on the crossing is stranded."""
        if not self._on_crossing:
            return
        now = self.env.now
        for row, end_s in self._on_crossing:
            if end_s > now:
                self.log.set(row, "stranded", 1)
        self._on_crossing.clear()

    def occupied_until(self) -> float:
        """Time the last pedestrian now on the crossing reaches the far curb, as the
        crossing's own sensor sees it: ``now`` when none watches it or it is down."""
        now = self.env.now
        if self.assist is None or not self.assist.senses_crossing(self.node):
            return now
        return max((end for _, end in self._on_crossing if end > now), default=now)
