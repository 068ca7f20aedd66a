"""Ambulances: dispatch, a drive with lights (and signal preemption), the way back.

Without preemption an ambulance with lights waits for its green like other
traffic, but a share ``yield_share`` of the vehicles queued ahead pull aside,
and once it has reached the stop line in green it is not stopped by the
yellow. With local preemption each controller ahead is asked for green when
its detector sees the ambulance ``lead_s`` away (or as it leaves the previous
intersection, if that is closer) and holds it until the ambulance has passed. With
corridor preemption the dispatch system, which sees the ambulance and the signals
at once, asks every controller on the route in turn, ``corridor_lead_s`` before the
ambulance is due there at free flow, so the queues ahead have cleared when it
arrives; while that data path is cut, local preemption works alone. The drive back
is without lights: an ordinary vehicle in the queues.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import simpy

from agents.log import ColumnLog

if TYPE_CHECKING:
    from agents.approach import Approach
    from agents.signal import Preemption, SignalController
    from agents.vehicle import Route

EMERGENCY_COLUMNS = (
    "incident",
    "node",
    "call_s",
    "dispatch_s",
    "arrive_s",
    "turnout_s",
    "drive_s",
    "signal_delay_s",
    "intersections",
)


@runtime_checkable
class AmbulanceWatcher(Protocol):
    """Told when each ambulance drives, e.g. to draw it (``EmergencyService.watchers``).

    Optional and read-only: the ambulances behave the same with or without one.
    """

    def ambulance_driving(self, incident: int, route: Route, lights: bool) -> None:
        """The ambulance answering ``incident`` sets off now along ``route`` (to the
        incident with lights, or back to the station without)."""

    def ambulance_stopped(self, incident: int) -> None:
        """The ambulance answering ``incident`` is at the scene, or back at the station."""


class EmergencyService:
    """A station's ambulances answering incidents.

    Args:
        env: the simulation clock.
        controllers: signal controller of each signalised intersection, by node.
        ambulances: fleet size.
        turnout_s: dispatch to wheels rolling.
        on_scene_s: time at the incident.
        lead_s: preemption detection lead (time at free flow), or None without preemption.
        corridor_lead_s: corridor preemption: how long before the ambulance is due at
            each intersection the dispatch system asks for its green (None: no corridor).
        yield_share: share of the queue ahead that pulls aside for lights and siren.
        manual_dispatch_s: extra time to assign an ambulance to a call taken while the
            dispatch system is down (by voice and paper, ``dispatch_down``).
    """

    def __init__(
        self,
        env: simpy.Environment,
        controllers: Mapping[int, SignalController],
        ambulances: int,
        turnout_s: float,
        on_scene_s: float,
        lead_s: float | None,
        yield_share: float,
        manual_dispatch_s: float,
        corridor_lead_s: float | None = None,
    ) -> None:
        self.env = env
        self.controllers = controllers
        self.fleet = simpy.Resource(env, capacity=ambulances)
        self.turnout_s = turnout_s
        self.on_scene_s = on_scene_s
        self.lead_s = lead_s
        self.corridor_lead_s = corridor_lead_s
        self.yield_share = yield_share
        self.manual_dispatch_s = manual_dispatch_s
        self.log = ColumnLog(*EMERGENCY_COLUMNS)
        self.calls = 0
        self.on_the_road = 0
        #: optional observer of the ambulances' drives (see ``AmbulanceWatcher``)
        self.watchers: list[AmbulanceWatcher] = []
        #: intervals (start, end) during which preemption does not work (a cyberattack)
        self.preemption_down: list[tuple[float, float]] = []
        #: intervals (start, end) during which calls are dispatched by hand (a cyberattack)
        self.dispatch_down: list[tuple[float, float]] = []
        #: intervals (start, end) during which the corridor's data path is cut
        self.corridor_down: list[tuple[float, float]] = []
        #: drives made with a corridor cleared ahead
        self.corridor_drives = 0

    def corridor_works(self) -> bool:
        """Whether dispatch can clear a corridor ahead now (else local preemption)."""
        now = self.env.now
        return self.corridor_lead_s is not None and not any(
            a <= now < b for a, b in self.corridor_down
        )

    def preemption_works(self) -> bool:
        """Whether ambulances can ask for green now."""
        now = self.env.now
        return self.lead_s is not None and not any(a <= now < b for a, b in self.preemption_down)

    def call(self, node: int, route_out: Route, route_back: Route) -> None:
        """An incident at intersection ``node`` is called in now."""
        self.calls += 1
        self.env.process(self._respond(self.calls, node, route_out, route_back))

    def _respond(
        self, incident: int, node: int, route_out: Route, route_back: Route
    ) -> Generator[simpy.Event, object, None]:
        env = self.env
        call = env.now
        if any(a <= call < b for a, b in self.dispatch_down):
            yield env.timeout(self.manual_dispatch_s)
        with self.fleet.request() as ambulance:
            yield ambulance
            dispatch = env.now
            self.on_the_road += 1
            yield env.timeout(self.turnout_s)
            rolling = env.now
            for watcher in self.watchers:
                watcher.ambulance_driving(incident, route_out, True)
            signal_delay = yield from self._drive_with_lights(route_out)
            for watcher in self.watchers:
                watcher.ambulance_stopped(incident)
            self.log.append(
                incident,
                node,
                call,
                dispatch,
                env.now,
                self.turnout_s,
                env.now - rolling,
                signal_delay,
                max(len(route_out) - 1, 0),
            )
            yield env.timeout(self.on_scene_s)
            for watcher in self.watchers:
                watcher.ambulance_driving(incident, route_back, False)
            yield from self._drive_back(route_back)
            for watcher in self.watchers:
                watcher.ambulance_stopped(incident)
            self.on_the_road -= 1

    def _drive_with_lights(self, route: Route) -> Generator[simpy.Event, object, float]:
        """Drive to the last stop line of ``route``; returns the time lost at signals."""
        env, stops = self.env, route.stops
        if not stops:
            yield env.timeout(route.exit_s)
            return 0.0
        asked: dict[int, simpy.Process] = {}
        if self.corridor_works():
            self.corridor_drives += 1
            due = env.now
            for k, approach in enumerate(stops[:-1]):
                due += approach.travel_s
                asked[k] = env.process(self._corridor_request(approach, due))
        lost = 0.0
        for k, approach in enumerate(stops[:-1]):
            link_s = approach.travel_s
            controller = self.controllers.get(approach.node)
            request: Preemption | None = None
            if k in asked:
                yield env.timeout(link_s)
                if not asked[k].triggered:  # due at free flow: asked by now, to the second
                    yield asked[k]
                request = asked[k].value
            elif controller is not None and self.lead_s is not None and self.preemption_works():
                early = max(link_s - self.lead_s, 0.0)
                if early:
                    yield env.timeout(early)
                request = controller.preempt(approach.phase)
                yield env.timeout(link_s - early)
            else:
                yield env.timeout(link_s)
            arrived = env.now
            # at an all-way stop (or a signal flashing red) it stops and goes; else it
            # waits for green
            if controller is not None and not approach.in_green and not controller.flashing:
                yield approach.next_green()
            ahead = approach.queued_ahead() * (1.0 - self.yield_share)
            departure = max(env.now, approach.window_start) + ahead * approach.headway_s
            if departure > env.now:
                yield env.timeout(departure - env.now)
            lost += departure - arrived
            if request is not None:
                request.released.succeed()
        yield env.timeout(stops[-1].travel_s)
        return lost

    def _corridor_request(
        self, approach: Approach, due_s: float
    ) -> Generator[simpy.Event, object, Preemption | None]:
        """Ask ``approach``'s controller for its green ``corridor_lead_s`` before ``due_s``."""
        env = self.env
        assert self.corridor_lead_s is not None
        ask = due_s - self.corridor_lead_s
        if ask > env.now:
            yield env.timeout(ask - env.now)
        controller = self.controllers.get(approach.node)
        return controller.preempt(approach.phase) if controller is not None else None

    def _drive_back(self, route: Route) -> Generator[simpy.Event, object, None]:
        env, stops = self.env, route.stops
        travel_s = stops[0].travel_s if stops else route.exit_s
        for i, approach in enumerate(stops[:-1]):
            yield env.timeout(travel_s)
            ticket = approach.arrive()
            departure = (yield ticket) if isinstance(ticket, simpy.Event) else ticket
            assert isinstance(departure, float)
            travel_s = departure - env.now + stops[i + 1].travel_s
        yield env.timeout(travel_s)
