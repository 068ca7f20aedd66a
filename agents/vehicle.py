"""Vehicle trips: free-flow travel along links, point queues at stop lines.

A vehicle enters its first link from outside the district (waiting outside
while that link is full), drives each link at free-flow speed to the stop
line, leaves when its approach gives it a departure (green, and room on the
next link), and leaves the district along its exit link.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import simpy

from agents.log import ColumnLog

if TYPE_CHECKING:
    from agents.approach import Approach

VEHICLE_TRIP_COLUMNS = (
    "trip",
    "entry",
    "exit",
    "start_s",
    "end_s",
    "freeflow_s",
    "intersections",
    "stops",
)
#: Vehicles passing through an intersection: which legs they cross, and when.
PASSAGE_COLUMNS = ("node", "from_leg", "to_leg", "time_s")
#: Vehicles still in the district (or waiting to enter it) when asked.
UNFINISHED_COLUMNS = ("trip", "start_s", "delay_so_far_s", "inside")

#: A route: the stop lines met, each with the heading the vehicle leaves in (-1: stays).
Route = Sequence[tuple["Approach", int]]
INFINITY = float("inf")


class Traffic:
    """The vehicles currently in the network and the record of finished trips.

    Args:
        env: the simulation clock.
        link_s: free-flow travel time of one block.
        warmup_s: stop-line delays of vehicles arriving earlier are not totalled.
    """

    def __init__(self, env: simpy.Environment, link_s: float, warmup_s: float) -> None:
        self.env = env
        self.link_s = link_s
        self.warmup_s = warmup_s
        self.log = ColumnLog(*VEHICLE_TRIP_COLUMNS)
        self.passages = ColumnLog(*PASSAGE_COLUMNS)
        self.started = 0
        self.active = 0
        #: vehicles waiting outside the district for room on their first link
        self.outside = 0
        #: per active trip: [start_s, delay accrued, arrival at the current
        #: stop line, departure from it (inf while unknown)]
        self._progress: dict[int, list[float]] = {}
        self._outside_trips: set[int] = set()

    @property
    def inside(self) -> int:
        """Vehicles on the district's links now."""
        return self.active - self.outside

    def start_trip(self, entry: int, exit_: int, route: Route) -> None:
        """A vehicle enters the network now at ``entry`` and drives ``route``."""
        self.started += 1
        self.active += 1
        now = self.env.now
        progress = [now, 0.0, now, INFINITY]
        self._progress[self.started] = progress
        self.env.process(self._drive(self.started, entry, exit_, route, progress))

    def unfinished(self) -> dict[str, np.ndarray]:
        """Trips not finished by now, with their delay so far (``UNFINISHED_COLUMNS``).

        Delay so far is the time spent waiting at stop lines and outside the
        district up to now; a vehicle between stop lines has lost nothing on
        its current link yet.
        """
        now = self.env.now
        rows = []
        for trip, (start, accrued, arrived, departure) in self._progress.items():
            if departure == INFINITY:
                so_far = accrued + (now - arrived)
            else:
                so_far = accrued - max(departure - now, 0.0)
            rows.append((trip, start, so_far, float(trip not in self._outside_trips)))
        table = np.array(rows, dtype=float).reshape(-1, 4)
        return {name: table[:, i] for i, name in enumerate(UNFINISHED_COLUMNS)}

    def _drive(
        self, trip: int, entry: int, exit_: int, route: Route, progress: list[float]
    ) -> Generator[simpy.Event, float, None]:
        env = self.env
        timeout, passed = env.timeout, self.passages.append  # hot loop: bind once
        link_s, warmup_s = self.link_s, self.warmup_s
        start = env.now
        stops = 0
        admitted = route[0][0].enter() if route else None
        if admitted is not None:  # the first link is full: wait outside
            self.outside += 1
            self._outside_trips.add(trip)
            yield admitted
            self.outside -= 1
            self._outside_trips.discard(trip)
            progress[1] = env.now - start
            progress[3] = env.now
            stops += 1
        travel_s = link_s
        last = len(route) - 1
        for i, (approach, leaving) in enumerate(route):
            yield timeout(travel_s)  # to the stop line, after leaving the previous one
            arrived = env.now
            progress[2] = arrived
            progress[3] = INFINITY
            departure = approach.arrive(route[i + 1][0] if i < last else None)
            if isinstance(departure, simpy.Event):
                departure = yield departure  # queued: released at a later green
                stops += 1
            progress[1] += departure - arrived
            progress[3] = departure
            if arrived >= warmup_s:
                approach.delay_sum_s += departure - arrived
                approach.delay_count += 1
            passed(approach.node, approach.from_leg, leaving, departure)
            travel_s = departure - env.now + link_s
        yield timeout(travel_s)  # along the exit link and out
        self.active -= 1
        del self._progress[trip]
        freeflow_s = (len(route) + 1) * link_s
        self.log.append(trip, entry, exit_, start, env.now, freeflow_s, len(route), stops)
