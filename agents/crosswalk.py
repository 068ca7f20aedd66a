"""A signalised crosswalk: WALK windows, the curb queue and stranded crossings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.log import ColumnLog

if TYPE_CHECKING:
    import simpy

    from agents.approach import Caller

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
        self.walk_until = float("-inf")
        self.walk_started: simpy.Event = env.event()
        self.waiting = 0
        self._on_crossing: list[tuple[int, float]] = []

    @property
    def walking(self) -> bool:
        """True while WALK is displayed."""
        return self.env.now < self.walk_until

    def wait_for_walk(self) -> simpy.Event:
        """Event that fires at the start of the next WALK (placing a call for it)."""
        self.waiting += 1
        if self.controller is not None:
            self.controller.call(self.phase)
        return self.walk_started

    def start_walk(self, walk_s: float) -> None:
        """Show WALK for ``walk_s`` seconds and release the curb queue."""
        now = self.env.now
        self.walk_until = now + walk_s
        self._on_crossing = [entry for entry in self._on_crossing if entry[1] > now]
        if self.waiting:
            self.waiting = 0
            released, self.walk_started = self.walk_started, self.env.event()
            released.succeed()

    def cross(
        self, resident: int, impaired: bool, speed_mps: float, arrived_s: float, first: bool
    ) -> float:
        """Start crossing now; returns the crossing time in seconds."""
        now = self.env.now
        crossing_s = self.width_m / speed_mps
        row = self.log.append(
            resident,
            self.node,
            self.leg,
            impaired,
            speed_mps,
            arrived_s,
            now,
            now + crossing_s,
            first,
            0,
        )
        self._on_crossing.append((row, now + crossing_s))
        return crossing_s

    def conflicting_green(self) -> int:
        """Conflicting traffic gets green now: mark and count the stranded."""
        now = self.env.now
        stranded = 0
        for row, end_s in self._on_crossing:
            if end_s > now:
                self.log.set(row, "stranded", 1)
                stranded += 1
        self._on_crossing.clear()
        return stranded

    def occupied_until(self) -> float:
        """Time the last pedestrian now on the crossing reaches the far curb."""
        now = self.env.now
        return max((end for _, end in self._on_crossing if end > now), default=now)
