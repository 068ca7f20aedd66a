"""Crossing assist (more time for slow pedestrians) and driver alerts.

The sensing methods are strategy classes in ``agents.crossing_assist``; each
says which signal timing it needs, so this module never lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from agents.crossing_assist import METHODS, AssistMethod
from agents.sensing import ANONYMOUS, NOBODY, OPTED_IN
from metrics.labels import COUNT, MetricLabel
from metrics.safety import vehicle_pedestrian_conflicts
from twin.services.base import (
    DRIVERS,
    IMPAIRED_PEDESTRIANS,
    BuildContext,
    Control,
    Part,
    Service,
    Sites,
    SummaryRow,
    Table,
    register,
)

if TYPE_CHECKING:
    import simpy

    from agents.crosswalk import Crosswalk, Walker
    from twin.scenario import Scenario


ALERTS = "driver_alerts"


@register
class CrossingAssistService(Service):
    """``services.crossing_assist`` on every crosswalk, and ``services.driver_alerts``."""

    name = "crossing_assist"
    metric_keys = ("conflicts_avoided_by_alerts",)
    labels: ClassVar[Mapping[str, MetricLabel]] = {
        "conflicts_avoided_by_alerts": MetricLabel(
            "conflicts avoided by driver alerts", "", "higher", COUNT
        )
    }
    controls = (
        Control(
            "crossing_assist",
            "services.crossing_assist",
            "Crossing assist",
            "Gives slow pedestrians a longer WALK when it detects them. A push button or "
            "opt-in app only helps those who use it; a camera sees everyone, faces included; "
            "radar sees motion without identity.",
        ),
    )

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        services = scenario.services
        crosswalks = [c for i in context.streets.intersections for c in i.crosswalks]
        self.method = METHODS[services.crossing_assist](
            self.name,
            context.sensing,
            self.stream("detection"),
            crosswalks=len(crosswalks),
            push_button_use=services.push_button_use,
            camera_recall=services.camera_recall,
            camera_false_positive_rate=services.camera_false_positive_rate,
        )
        if services.driver_alerts:
            system = self.method.system
            context.sensing.link(system, "roadside_units", "slow pedestrian on the crossing")
            context.sensing.link("roadside_units", "connected_vehicles", "driver alerts")
        #: the method as the crosswalks see it: it recognises nobody while taken down
        self.detector = FallibleDetector(self.method, context.env)
        for crosswalk in crosswalks:
            crosswalk.attach(self.detector)

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return scenario.services.crossing_assist != "none"

    @classmethod
    def without(cls, scenario: Scenario) -> dict[str, object]:
        if not cls.enabled(scenario):
            return {}
        return {"services.crossing_assist": "none", "services.driver_alerts": False}

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        services = scenario.services
        key = f"services.crossing_assist is {services.crossing_assist}"
        if not cls.enabled(scenario):
            return []
        if scenario.demand.pedestrians_per_hour == 0:
            return [f"{key} but demand.pedestrians_per_hour is 0: nobody to assist"]
        method = METHODS[services.crossing_assist]
        if method.observes == OPTED_IN and scenario.policy.consent.opt_in_rate == 0:
            return [f"{key} but policy.consent.opt_in_rate is 0: nobody has the app"]
        return []

    @classmethod
    def expected_observations(
        cls, scenario: Scenario, vehicle_passages: float, crossings: float
    ) -> float:
        method = METHODS.get(scenario.services.crossing_assist)
        if method is None or method.observes == NOBODY:
            return 0.0
        if method.observes == OPTED_IN:
            return crossings * scenario.policy.consent.opt_in_rate
        return crossings

    @classmethod
    def identifies(cls, scenario: Scenario) -> bool:
        method = METHODS.get(scenario.services.crossing_assist)
        return method is not None and method.identifiability != ANONYMOUS

    @classmethod
    def signal_timing(cls, scenario: Scenario) -> dict[str, float]:
        services = scenario.services
        method = METHODS.get(services.crossing_assist)
        if method is None:
            return {}
        changes = {}
        if method.extends_for_detected:
            changes["assist_speed_mps"] = services.assist_speed_mps
        if method.extends_while_occupied:
            changes["radar_max_extension_s"] = services.radar_max_extension_s
        return changes

    @classmethod
    def metrics_when_off(cls, scenario: Scenario) -> dict[str, object]:
        return {"conflicts_avoided_by_alerts": 0}  # no alerts: none avoided

    @classmethod
    def summary_rows(cls, scenario: Scenario) -> tuple[SummaryRow, ...]:
        if not scenario.services.driver_alerts:
            return ()
        return (SummaryRow("conflicts_avoided_by_alerts", "  avoided by driver alerts", "{:,.0f}"),)

    def idle(self) -> str | None:
        controllers = [i.controller for i in self.context.streets.intersections if i.controller]
        extends = self.method.extends_for_detected or self.method.extends_while_occupied
        if extends and not any(c.extensions for c in controllers):
            return (
                f"services.crossing_assist is {self.method.method} but no green was "
                "lengthened in the run: nobody on its crossings needed more time"
            )
        return None

    def sensor_sites(self) -> dict[str, Sites]:
        crosswalks = tuple(
            (c.node, c.leg) for i in self.context.streets.intersections for c in i.crosswalks
        )
        return {self.method.sensor: Sites(crosswalks=crosswalks)}

    def functions(self) -> dict[str, tuple[str, ...]]:
        alerts = {ALERTS: (DRIVERS,)} if self.scenario.services.driver_alerts else {}
        return {self.name: (IMPAIRED_PEDESTRIANS,), **alerts}

    def parts(self) -> tuple[Part, ...]:
        alerts = (
            (Part("roadside_units", "v2x", (ALERTS,)), Part("connected_vehicles", "v2x", (ALERTS,)))
            if self.scenario.services.driver_alerts
            else ()
        )
        return (*super().parts(), *alerts)

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """Detection down: the crosswalks recognise nobody (the sensors still draw, so
        other crossings keep their random numbers), at one intersection when the fallen
        component is that intersection's; alerts down: no driver is alerted."""
        super().take_down(component, functions, start_s, end_s)
        if self.name in functions:
            _, _, index = component.partition(":")
            node = int(index) if index.isdigit() else None
            self.detector.down.append((start_s, end_s, node))

    def metrics(self, tables: Mapping[str, Table]) -> dict[str, object]:
        services = self.scenario.services
        if not services.driver_alerts:
            return {"conflicts_avoided_by_alerts": 0}
        passages = tables["vehicle_passages"]
        uniforms = self.stream("alert_compliance").random(len(passages["time_s"]))
        for outage in self.outages:
            if ALERTS in outage.functions:
                silent = (passages["time_s"] >= outage.start_s) & (
                    passages["time_s"] < outage.end_s
                )
                uniforms[silent] = 1.0  # nobody alerted, so nobody yields to an alert
        conflicts, avoided = vehicle_pedestrian_conflicts(
            passages, tables["crossings"], self.scenario.warmup, services.alert_compliance, uniforms
        )
        return {"vehicle_pedestrian_conflicts": conflicts, "conflicts_avoided_by_alerts": avoided}


class FallibleDetector:
    """A crossing-assist method that recognises nobody while it is down (``CurbDetector``)."""

    def __init__(self, method: AssistMethod, env: simpy.Environment) -> None:
        self.method = method
        self.env = env
        #: (from, to, intersection or None for all) when it recognises nobody
        self.down: list[tuple[float, float, int | None]] = []

    def up(self, node: int | None = None) -> bool:
        """Whether detection works now (at intersection ``node``, or everywhere)."""
        now = self.env.now
        return not any(a <= now < b and n in (None, node) for a, b, n in self.down)

    @property
    def on_crossing(self) -> bool:
        return self.method.on_crossing

    @on_crossing.setter
    def on_crossing(self, value: bool) -> None:
        self.method.on_crossing = value

    def senses_crossing(self, node: int) -> bool:
        """Whether it senses everyone on the crossings of intersection ``node`` now."""
        return self.method.on_crossing and self.up(node)

    def at_curb(self, crosswalk: Crosswalk, resident: Walker) -> bool:
        detected = self.method.at_curb(crosswalk, resident)  # draws as it would
        return detected and self.up(crosswalk.node)
