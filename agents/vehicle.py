"""Vehicle trips: free-flow travel along links, point queues at stop lines.

A vehicle enters its first link from outside the district (waiting outside
while that link is full), drives each link at free-flow speed to the stop
line, leaves when its approach gives it a departure (green, and room on the
next link), and leaves the district along its exit link. Where drivers brake
and accelerate at a finite rate (``Approach.stop_loss_s``), a vehicle held at
a line also loses that time on the link ahead.

Drivers may differ in desired speed (``pace``: their time over a link per
second of the limit's). Then platoons disperse, and no vehicle reaches a stop
line before one that entered its link earlier (no overtaking, as in one lane:
a faster driver catches up and follows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

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
#: Vehicles passing through an intersection: which legs they cross, when, and which trip.
PASSAGE_COLUMNS = ("node", "from_leg", "to_leg", "time_s", "trip")
#: Vehicles still in the district (or waiting to enter it) when asked.
UNFINISHED_COLUMNS = ("trip", "start_s", "delay_so_far_s", "inside")

INFINITY = float("inf")


@dataclass(frozen=True)
class Route:
    """The stop lines a vehicle meets and how it leaves each.

    Attributes:
        stops: the approaches whose stop lines it meets, in order; it enters the
            district on the first one's link.
        out_legs: per stop, the leg of that intersection it leaves by (-1: the route
            ends at this stop line).
        exit_s: free-flow time along its last link, out of the district (0: it ends
            at its last stop line).
        links: the street-graph links it drives.
    """

    stops: tuple[Approach, ...]
    out_legs: tuple[int, ...]
    exit_s: float
    links: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.stops)

    @property
    def freeflow_s(self) -> float:
        """Its travel time with nobody else on the streets."""
        return sum(a.travel_s for a in self.stops) + self.exit_s


class Navigator(Protocol):
    """Live route guidance: informed drivers re-plan at each stop line when it has news."""

    #: changes whenever the travel times it knows change
    epoch: int

    def replan(self, route: Route, index: int, destination: int) -> Route:
        """The cheapest route on now from stop line ``route.stops[index]`` to node
        ``destination``, keeping the links driven so far."""


class VehicleWatcher(Protocol):
    """Told where each vehicle is going, e.g. to draw it (``Traffic.watchers``).

    Optional and read-only: the vehicles behave the same with or without one,
    and with none set each event costs one attribute test.
    """

    def vehicle_moving(
        self, trip: int, route: Route, index: int, leave_s: float, arrive_s: float
    ) -> None:
        """Vehicle ``trip`` leaves at ``leave_s`` (now, or a departure granted for later
        while it waits at its stop line) and reaches stop line ``route.stops[index]`` at
        ``arrive_s`` (``index == len(route)``: the district's edge, where it exits)."""

    def vehicle_waiting(self, trip: int) -> None:
        """Vehicle ``trip`` waits with no departure yet (queued at a stop line, or
        outside the district for room on its first link)."""

    def vehicle_done(self, trip: int) -> None:
        """Vehicle ``trip`` has left the district."""


class Traffic:
    """The vehicles currently in the network and the record of finished trips.

    Args:
        env: the simulation clock.
        warmup_s: stop-line delays of vehicles arriving earlier are not totalled.
        navigator: live route guidance for informed drivers, if any.
        dispersed: drivers differ in desired speed (trips start with their own
            ``pace``), so a faster one may catch up with a slower one and follow it.
    """

    def __init__(
        self,
        env: simpy.Environment,
        warmup_s: float,
        navigator: Navigator | None = None,
        dispersed: bool = False,
    ) -> None:
        self.env = env
        self.warmup_s = warmup_s
        self.navigator = navigator
        self.dispersed = dispersed
        self.log = ColumnLog(*VEHICLE_TRIP_COLUMNS)
        self.passages = ColumnLog(*PASSAGE_COLUMNS)
        self.started = 0
        self.active = 0
        #: vehicles waiting outside the district for room on their first link
        self.outside = 0
        #: the vehicles under way (or waiting to enter), by trip
        self._progress: dict[int, _Vehicle] = {}
        self._outside_trips: set[int] = set()
        #: optional observer of every vehicle's moves (see ``VehicleWatcher``)
        self.watchers: list[VehicleWatcher] = []
        #: called when the last vehicle under way has left, if set
        self.on_empty: Callable[[], object] | None = None

    @property
    def inside(self) -> int:
        """Vehicles on the district's links now."""
        return self.active - self.outside

    def start_trip(
        self,
        entry: int,
        exit_: int,
        route: Route,
        destination: int = -1,
        informed: bool = False,
        pace: float = 1.0,
    ) -> None:
        """A vehicle enters the network now at ``entry`` and drives ``route`` to node
        ``destination``; an ``informed`` driver re-plans on the navigator's news. Its
        driver takes ``pace`` seconds per second of free-flow time at the speed limit."""
        self.started += 1
        self.active += 1
        vehicle = _Vehicle(self, self.started, entry, exit_, route, pace)
        if informed and self.navigator is not None:
            vehicle.destination = destination
            vehicle.epoch = -1
        self._progress[self.started] = vehicle
        vehicle.start()

    def unfinished(self) -> dict[str, np.ndarray]:
        """Trips not finished by now, with their delay so far (``UNFINISHED_COLUMNS``).

        Delay so far is the time spent waiting at stop lines and outside the
        district up to now; a vehicle between stop lines has lost nothing on
        its current link yet.
        """
        now = self.env.now
        rows = []
        for trip, vehicle in self._progress.items():
            start, accrued = vehicle.start_s, vehicle.accrued
            arrived, departure = vehicle.arrived, vehicle.departure
            if departure == INFINITY:
                so_far = accrued + (now - arrived)
            else:
                so_far = accrued - max(departure - now, 0.0)
            rows.append((trip, start, so_far, float(trip not in self._outside_trips)))
        table = np.array(rows, dtype=float).reshape(-1, 4)
        return {name: table[:, i] for i, name in enumerate(UNFINISHED_COLUMNS)}

    def _finish(self, vehicle: _Vehicle) -> None:
        self.active -= 1
        if not self.active and self.on_empty is not None:
            self.on_empty()
            self.on_empty = None
        for watcher in self.watchers:
            watcher.vehicle_done(vehicle.trip)
        del self._progress[vehicle.trip]
        route = vehicle.route
        self.log.append(
            vehicle.trip,
            vehicle.entry,
            vehicle.exit,
            vehicle.start_s,
            self.env.now,
            route.freeflow_s * vehicle.pace,
            len(route),
            vehicle.stops,
        )


class _Vehicle:
    """One trip as a chain of event callbacks (cheaper than a SimPy process):
    enter, drive to each stop line, leave when given a departure, exit.

    Args:
        traffic: the trips' owner (log, clocks, counters).
        trip: trip number.
        entry, exit_: boundary points.
        route: stop lines and leaving headings.
        pace: its driver's time per second of free-flow time at the speed limit.

    For the delay so far: ``accrued`` is the delay of the stop lines left
    behind (and of the wait outside), ``arrived`` the arrival at the current
    stop line and ``departure`` the departure from it (inf while unknown).
    """

    __slots__ = (
        "accrued",
        "arrived",
        "departure",
        "destination",
        "entry",
        "epoch",
        "exit",
        "index",
        "pace",
        "route",
        "start_s",
        "stops",
        "traffic",
        "trip",
    )

    def __init__(
        self,
        traffic: Traffic,
        trip: int,
        entry: int,
        exit_: int,
        route: Route,
        pace: float = 1.0,
    ) -> None:
        self.traffic = traffic
        self.trip = trip
        self.entry = entry
        self.exit = exit_
        self.route = route
        self.pace = pace
        self.start_s = traffic.env.now
        self.stops = 0
        self.index = 0
        self.accrued = 0.0
        self.arrived = self.start_s
        self.departure = INFINITY
        #: an informed driver's destination node (-1: habitual, never re-plans)
        self.destination = -1
        self.epoch = -1

    def start(self) -> None:
        """Onto the first link now, or wait outside while it is full."""
        stops = self.route.stops
        admitted = stops[0].enter() if stops else None
        if admitted is None:
            self._drive()
            return
        traffic = self.traffic
        traffic.outside += 1
        traffic._outside_trips.add(self.trip)
        for watcher in traffic.watchers:
            watcher.vehicle_waiting(self.trip)
        admitted.callbacks.append(self._admitted)

    def _admitted(self, _event: simpy.Event) -> None:
        traffic = self.traffic
        traffic.outside -= 1
        traffic._outside_trips.discard(self.trip)
        now = traffic.env.now
        self.accrued = now - self.start_s
        self.departure = now
        self.stops += 1
        self._drive()

    def _drive(self, wait_s: float = 0.0, lost_s: float = 0.0) -> None:
        """Wait ``wait_s`` (for a departure granted for later), lose ``lost_s`` (braking
        and accelerating back to speed), then drive the link ahead at its driver's
        free-flow speed: to the next stop line, or out of the district."""
        traffic, route, index = self.traffic, self.route, self.index
        if index < len(route.stops):
            ahead = route.stops[index]
            delay_s = wait_s + lost_s + ahead.travel_s * self.pace
            if traffic.dispersed:
                delay_s = self._behind(ahead, wait_s + lost_s, delay_s)
            done = self._at_stop_line
        else:
            delay_s, done = wait_s + lost_s + route.exit_s * self.pace, self._out
        traffic.env.timeout(delay_s).callbacks.append(done)
        if traffic.watchers:
            now = traffic.env.now
            leave, arrive = now + wait_s, now + delay_s
            for watcher in traffic.watchers:
                watcher.vehicle_moving(self.trip, route, index, leave, arrive)

    def _behind(self, ahead: Approach, entry_s: float, delay_s: float) -> float:
        """``delay_s`` (from now to ``ahead``'s stop line, entering its link ``entry_s``
        from now), or longer if the vehicle that entered that link before this one
        reaches the line later: a faster driver follows, it does not pass."""
        now = self.traffic.env.now
        entered = now + entry_s
        if entered >= ahead.last_entry_s:  # departures granted out of order keep theirs
            delay_s = max(delay_s, ahead.last_arrival_s - now)
            ahead.last_entry_s = entered
            ahead.last_arrival_s = now + delay_s
        return delay_s

    def _at_stop_line(self, _event: simpy.Event) -> None:
        navigator = self.traffic.navigator
        if self.destination >= 0 and navigator is not None and navigator.epoch != self.epoch:
            self.route = navigator.replan(self.route, self.index, self.destination)
            self.epoch = navigator.epoch
        stops, index = self.route.stops, self.index
        approach = stops[index]
        self.arrived = arrived = self.traffic.env.now
        self.departure = INFINITY
        departure = approach.arrive(
            stops[index + 1] if index + 1 < len(stops) else None, self.route.out_legs[index]
        )
        if isinstance(departure, simpy.Event):  # queued: released at a later green
            departure.callbacks.append(self._released)
            for watcher in self.traffic.watchers:
                watcher.vehicle_waiting(self.trip)
            return
        self._depart(departure, arrived)

    def _released(self, event: simpy.Event) -> None:
        departure = cast(float, event.value)
        if departure > self.arrived:  # a turner may be let through the instant it arrives
            self.stops += 1
        self._depart(departure, self.arrived)

    def _depart(self, departure: float, arrived: float) -> None:
        traffic, index = self.traffic, self.index
        approach = self.route.stops[index]
        delay = departure - arrived
        self.accrued += delay
        self.departure = departure
        lost = self._stop_loss_s(approach, delay)
        approach.served += 1
        approach.served_delay_s += delay + lost  # a travel time read off the street has both
        if arrived >= traffic.warmup_s:
            approach.delay_sum_s += delay
            approach.delay_count += 1
        leaving = self.route.out_legs[index]
        traffic.passages.append(approach.node, approach.from_leg, leaving, departure, self.trip)
        self.index = index + 1
        self._drive(departure - traffic.env.now, lost)

    def _stop_loss_s(self, approach: Approach, held_s: float) -> float:
        """Time lost braking and accelerating back to speed after being held ``held_s`` at
        ``approach``'s line: a full stop's, or as much as the hold if that is shorter."""
        full_s = approach.stop_loss_s
        return min(held_s, full_s / self.pace) if full_s else 0.0

    def _out(self, _event: simpy.Event) -> None:
        self.traffic._finish(self)
