"""Signal control: the controllers, their stop-line detectors and traffic management.

Always on (``signals``). Its parts are what an attack on the signals reaches: each
signalised intersection's controller (which keeps the records of the sensors wired to
it), with actuated or adaptive control each one's stop-line detectors, and the
traffic management centre other systems reach the controllers through.

What its data buys: actuated control gives green where its own detectors see
vehicles; adaptive (max-pressure) control also needs every intersection's queues
joined through traffic management, a data path the integration policy must allow
(federated or integrated; siloed keeps every intersection on its own) and an outage
of the centre, a store or hub on the way, or a detector cuts. Cut, an intersection
actuates on its own detectors; with those down it runs its fixed plan. A fallen
controller trips its conflict monitor and flashes red: an all-way stop until restored.
A held controller (or the centre, for all of them) can instead run a plan chosen
to hurt (``mistime``), or have its detectors report what hurts (``spoof``, through
``tamper`` and the district's ``readings``, which actuated and adaptive control read).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from agents.readings import Readings
from agents.sensing import ANONYMOUS, NOBODY, Sensor
from twin.services.base import (
    DRIVERS,
    PEDESTRIANS,
    BuildContext,
    Part,
    Service,
    Sites,
    register,
)

if TYPE_CHECKING:
    import simpy

    from twin.scenario import Scenario

__all__ = ["CONTROLLERS", "SignalControl"]

CONTROLLERS = "signal_controllers"
CENTRE = "traffic_management"
DETECTORS = "stop_line_detectors"


@register
class SignalControl(Service):
    """The signal controllers (``signals``) and the traffic management centre."""

    name = "signal_control"

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        streets = context.streets
        #: signalised intersections (each has a controller)
        self.signalised = tuple(i.node for i in streets.intersections if i.controller)
        self.detecting = scenario.signals.control != "fixed" and bool(self.signalised)
        sensing = context.sensing
        sensing.link(CENTRE, CONTROLLERS, "signal timing plans")
        if self.detecting:
            sensing.register(
                Sensor(
                    DETECTORS,
                    self.name,
                    "inductive_loops",
                    NOBODY,
                    ANONYMOUS,
                    (),
                    CONTROLLERS,
                    len(self.signalised),
                    "to give green where vehicles wait",
                )
            )
            sensing.link(DETECTORS, CONTROLLERS, "vehicles waiting at the stop line")
            if streets.signal_data.network:
                sensing.link(DETECTORS, CENTRE, "queues for network-wide control")
        #: what the detectors report (spoofed by ``false_data``); every controller and
        #: the network's pressures read it
        self.readings = Readings(context.env)
        streets.signal_data.readings = self.readings
        for intersection in streets.intersections:
            if intersection.controller is not None:
                intersection.controller.readings = self.readings

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return True

    @classmethod
    def without(cls, scenario: Scenario) -> dict[str, object]:
        # the district's control; a local plan keeps its own
        if scenario.signals.control == "fixed":
            return {}
        return {"signals.control": "fixed"}

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        signals, policy = scenario.signals, scenario.policy
        if signals.control == "adaptive" and policy.integration == "siloed":
            return [
                "signals.control is adaptive but policy.integration is siloed: no traffic "
                "management joins the detectors, so every intersection actuates on its own"
            ]
        return []

    def functions(self) -> dict[str, tuple[str, ...]]:
        return {self.name: (PEDESTRIANS, DRIVERS)}

    def idle(self) -> str | None:
        controllers = [i.controller for i in self.context.streets.intersections if i.controller]
        network = self.context.streets.signal_data.network
        if network and not any(c.network_greens for c in controllers):
            return "signals.control is adaptive but no green was chosen on network data"
        return None

    def parts(self) -> tuple[Part, ...]:
        detectors = (
            (Part(DETECTORS, "traffic", (self.name,), sites=self.signalised),)
            if self.detecting
            else ()
        )
        return (
            Part(
                CONTROLLERS,
                "traffic",
                (self.name,),
                sites=self.signalised,
                keeps_records=True,
                reached_through=CENTRE,
            ),
            Part(CENTRE, "traffic", (self.name,)),
            *detectors,
        )

    def sensor_sites(self) -> dict[str, Sites]:
        return {DETECTORS: Sites(nodes=self.signalised)} if self.detecting else {}

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """A fallen controller ``signal_controllers:i`` flashes red from ``start_s`` to
        ``end_s`` (an all-way stop), then resumes its plan; fallen detectors at ``i`` give
        their controller (and the network) no data; the centre, or a store, gateway or
        platform on the way, cuts the network's data: each intersection actuates locally."""
        super().take_down(component, functions, start_s, end_s)
        kind, _, index = component.partition(":")
        data = self.context.streets.signal_data
        if kind == CONTROLLERS and index:
            self.flash(int(index), start_s, end_s)
        elif kind == DETECTORS and index:
            data.cut(start_s, end_s, int(index))
        else:
            data.cut(start_s, end_s)

    def mistime(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """A held controller runs the attacker's plan; a held centre pushes it to every
        controller (timing plans are what it sends them)."""
        Service.take_down(self, component, functions, start_s, end_s)  # the record only
        for node in self._nodes(component):
            self.malicious_plan(node, start_s, end_s)

    def spoof(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """A held controller's detectors, or every one a held centre reads, report what
        hurts: the phase serving the most vehicles empty, the others full."""
        Service.take_down(self, component, functions, start_s, end_s)  # the record only
        kind, _, index = component.partition(":")
        nodes = [int(index)] if kind == DETECTORS and index else self._nodes(component)
        for node in nodes:
            self.tamper(node, start_s, end_s)

    def _nodes(self, component: str) -> list[int]:
        """The intersections whose control ``component`` decides."""
        kind, _, index = component.partition(":")
        if kind == CONTROLLERS and index:
            return [int(index)]
        return list(range(len(self.context.streets.intersections))) if kind == CENTRE else []

    def _busiest_phase(self, node: int) -> int:
        """The phase that has served and holds the most vehicles at ``node``."""
        controller = self.context.streets.intersections[node].controller
        assert controller is not None
        load = [
            sum(a.delay_count + len(a.waiting) for a in approaches)
            for approaches in controller.approaches
        ]
        return max(range(len(load)), key=lambda p: (load[p], -p))

    def malicious_plan(self, node: int, start_s: float, end_s: float) -> None:
        """From ``start_s`` to ``end_s`` intersection ``node`` runs the plan that hurts
        most among those its conflict monitor passes: the phase serving the most vehicles
        (judged when the attack starts) gets the programmed minimum green, every other
        phase ``security.malicious_max_green``."""
        env = self.context.env
        controller = self.context.streets.intersections[node].controller
        if controller is None:
            return  # an all-way stop has no timing to set

        def attack() -> Generator[simpy.Event, object, None]:
            yield env.timeout(max(start_s - env.now, 0.0))
            starved = self._busiest_phase(node)
            longest = self.scenario.security.malicious_max_green
            greens = tuple(
                controller.timing.min_green_s if p == starved else longest
                for p in range(controller.phases)
            )
            controller.take_over(env.now, end_s, greens)

        env.process(attack())

    def tamper(
        self,
        node: int,
        start_s: float,
        end_s: float,
        full: tuple[int, ...] | None = None,
        empty: tuple[int, ...] | None = None,
    ) -> None:
        """Spoof the detectors at intersection ``node`` from ``start_s`` to ``end_s``: the
        links ``full`` report a standing queue, ``empty`` nothing (default, chosen when
        the attack starts: the busiest phase's approaches empty, the others' full). The
        controller is called to the phases that now look occupied, and hears the truth
        again at ``end_s``."""
        env = self.context.env
        controller = self.context.streets.intersections[node].controller
        if controller is None:
            return

        def attack() -> Generator[simpy.Event, object, None]:
            yield env.timeout(max(start_s - env.now, 0.0))
            if full is None or empty is None:
                starved = self._busiest_phase(node)
                links = [[a.link for a in approaches] for approaches in controller.approaches]
                shown = [k for p, ls in enumerate(links) if p != starved for k in ls]
                hidden = links[starved]
            else:
                shown, hidden = list(full), list(empty)
            self.readings.spoof(env.now, end_s, shown, hidden)
            controller.recheck_calls()
            yield env.timeout(max(end_s - env.now, 0.0))
            controller.recheck_calls()

        env.process(attack())

    def flash(self, node: int, start_s: float, end_s: float) -> None:
        """Intersection ``node``'s controller flashes red from ``start_s`` to ``end_s``."""
        env, streets = self.context.env, self.context.streets
        controller = streets.intersections[node].controller
        if controller is None:
            return  # an all-way stop already: nothing to fall back to
        controller.fail_safe(max(start_s, env.now), end_s, streets.all_way_stop(node))
