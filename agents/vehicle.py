"""Vehicle trips: free-flow travel along links, point queues at stop lines."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

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
#: Vehicles passing through an intersection: which legs they cross, when, and which trip.
PASSAGE_COLUMNS = ("node", "from_leg", "to_leg", "time_s", "trip")

#: A route: the stop lines met, each with the heading the vehicle leaves in (-1: stays).
Route = Sequence[tuple["Approach", int]]


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

    def start_trip(self, entry: int, exit_: int, route: Route) -> None:
        """A vehicle enters the network now at ``entry`` and drives ``route``."""
        self.started += 1
        self.active += 1
        self.env.process(self._drive(self.started, entry, exit_, route))

    def _drive(
        self, trip: int, entry: int, exit_: int, route: Route
    ) -> Generator[simpy.Event, float, None]:
        env = self.env
        timeout, passed = env.timeout, self.passages.append  # hot loop: bind once
        link_s, warmup_s = self.link_s, self.warmup_s
        start = env.now
        stops = 0
        travel_s = link_s
        for approach, leaving in route:
            yield timeout(travel_s)  # to the stop line, after leaving the previous one
            arrived = env.now
            departure = approach.arrive()
            if isinstance(departure, simpy.Event):
                departure = yield departure  # queued: released at a later green
                stops += 1
            if arrived >= warmup_s:
                approach.delay_sum_s += departure - arrived
                approach.delay_count += 1
            passed(approach.node, approach.from_leg, leaving, departure, trip)
            travel_s = departure - env.now + link_s
        yield timeout(travel_s)  # along the exit link and out
        self.active -= 1
        freeflow_s = (len(route) + 1) * link_s
        self.log.append(trip, entry, exit_, start, env.now, freeflow_s, len(route), stops)
