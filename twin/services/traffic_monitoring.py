"""Traffic monitoring: the sensors cities buy (loops, Bluetooth scanners, ANPR, video analytics).

The methods are strategy classes in ``agents.traffic_monitoring``, each with its
own sensor. What they saw is computed after the run from the vehicle passages
and pedestrian crossings at equipped intersections and added to the sensing
table in bulk. What each method buys in efficiency and costs in exposure is in
docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from agents.sensing import ANONYMOUS, Sensing
from agents.traffic_monitoring import METHODS, MonitoringMethod, Passes
from twin.district.navigation import TravelTimeFeed
from twin.services.base import DRIVERS, BuildContext, Part, Service, Sites, Table, register

if TYPE_CHECKING:
    from twin.scenario import Scenario


def _method(scenario: Scenario) -> MonitoringMethod | None:
    section = scenario.services.traffic_monitoring
    cls = METHODS.get(section.method)
    if cls is None:
        return None
    return cls(
        section.device_share_vehicles,
        section.device_share_pedestrians,
        section.detection_probability,
    )


#: The part that publishes travel times to drivers (apps and message signs).
INFORMATION = "traveller_information"


@register
class TrafficMonitoringService(Service):
    """``services.traffic_monitoring`` at a share of intersections."""

    name = "traffic_monitoring"

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        method = _method(scenario)
        assert method is not None  # built only when enabled
        self.method = method
        self.rng = self.stream("detection")
        n = len(context.streets.intersections)
        #: which intersections carry the sensors: round(share x n) of them, at random
        self.equipped = np.zeros(n, dtype=bool)
        share = scenario.services.traffic_monitoring.share
        self.equipped[self.rng.permutation(n)[: round(share * n)]] = True
        context.sensing.register(method.declaration(self.name, int(self.equipped.sum())))
        section = scenario.services.traffic_monitoring
        #: the travel times it publishes to drivers, if it measures them
        self.feed: TravelTimeFeed | None = None
        if section.travel_times and "travel_times" in method.delivers:
            self.feed = TravelTimeFeed(
                context.env,
                context.streets,
                self.equipped,
                section.update_s,
                method.reidentified_share(),
                "queues" in method.delivers,
                section.navigation_share,
                self.stream("routes"),
            )
            context.sensing.link(self.name, INFORMATION, "travel times for navigation")

    def sensor_sites(self) -> dict[str, Sites]:
        return {self.method.sensor: Sites(nodes=tuple(np.flatnonzero(self.equipped).tolist()))}

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return _method(scenario) is not None

    @classmethod
    def without(cls, scenario: Scenario) -> dict[str, object]:
        # no counts for adaptive control, no travel times for drivers
        return {"services.traffic_monitoring.method": "none"} if cls.enabled(scenario) else {}

    def functions(self) -> dict[str, tuple[str, ...]]:
        information = {INFORMATION: (DRIVERS,)} if self.feed is not None else {}
        return {self.name: (), **information}

    def parts(self) -> tuple[Part, ...]:
        information = (
            (Part(INFORMATION, self.name, (INFORMATION,)),) if self.feed is not None else ()
        )
        return (*super().parts(), *information)

    def navigator(self) -> TravelTimeFeed | None:
        return self.feed

    def idle(self) -> str | None:
        feed = self.feed
        if feed is None or feed.share == 0:
            return None
        if not feed.links:
            return (
                "services.traffic_monitoring publishes travel times but no street has sensors "
                "at both ends: it measures none"
            )
        if not feed.reroutes:
            return (
                "services.traffic_monitoring publishes travel times but no driver re-routed in "
                "the run: no route became worth changing"
            )
        return None

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """Its sensors, store or the publication down: no new travel times until
        ``end_s`` (informed drivers keep the routes they have)."""
        super().take_down(component, functions, start_s, end_s)
        if self.feed is not None:
            self.feed.cut(start_s, end_s)

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        method = _method(scenario)
        if method is None:
            return []
        section, demand = scenario.services.traffic_monitoring, scenario.demand
        key = f"services.traffic_monitoring.method is {section.method}"
        if round(section.share * scenario.city.rows * scenario.city.cols) == 0:
            return [f"{key} but its share is {section.share:g}: no intersection is equipped"]
        if demand.vehicles_per_hour == 0 and not (
            method.sees_walkers and demand.pedestrians_per_hour
        ):
            return [f"{key} but demand.vehicles_per_hour is 0: nothing to monitor"]
        reason = method.cannot_act()
        return [f"{key} but {reason}"] if reason else []

    @classmethod
    def expected_observations(
        cls, scenario: Scenario, vehicle_passages: float, crossings: float
    ) -> float:
        method = _method(scenario)
        if method is None:
            return 0.0
        return (
            method.expected(vehicle_passages, crossings)
            * scenario.services.traffic_monitoring.share
        )

    @classmethod
    def identifies(cls, scenario: Scenario) -> bool:
        method = _method(scenario)
        return method is not None and method.identifiability != ANONYMOUS

    def collect(self, sensing: Sensing, tables: Mapping[str, Table]) -> dict[str, Table]:
        """What the equipped intersections saw, observed in bulk after the run."""
        model = self.context.model
        residents = model.residents  # type: ignore[attr-defined]
        resident_ids = np.array([r.unique_id for r in residents], dtype=np.int64)
        impaired = np.array([r.impaired for r in residents], dtype=bool)
        passages, crossings = tables["vehicle_passages"], tables["crossings"]
        node = np.asarray(passages["node"], dtype=np.int64)
        seen = self.equipped[node] if len(node) else np.zeros(0, dtype=bool)
        trip = np.asarray(passages["trip"], dtype=np.int64)[seen]
        owners = np.asarray(model.vehicle_owners, dtype=np.int64)  # type: ignore[attr-defined]
        drivers = Passes(
            np.asarray(passages["time_s"], dtype=float)[seen],
            node[seen],
            owners[trip - 1] if len(trip) else trip,
        )
        at = np.asarray(crossings["node"], dtype=np.int64)
        crossed = self.equipped[at] if len(at) else np.zeros(0, dtype=bool)
        walkers = Passes(
            np.asarray(crossings["start_s"], dtype=float)[crossed],
            at[crossed],
            np.searchsorted(
                resident_ids, np.asarray(crossings["resident"], dtype=np.int64)[crossed]
            ).astype(np.int64),
        )
        observed = self.method.observe(drivers, walkers, impaired, self.rng)
        # sensing subjects are agents' unique ids; visitors get ids above every agent's
        visitor_base = max((a.unique_id for a in model.agents), default=0) + 1
        n, person = len(resident_ids), observed.person
        subject = np.full(len(person), -1, dtype=np.int64)
        own = (person >= 0) & (person < n)
        subject[own] = resident_ids[person[own]]
        subject[person >= n] = visitor_base + person[person >= n] - n
        sensing.observe_many(
            self.method.sensor,
            observed.time_s,
            subject,
            node=observed.node,
            disability=observed.sensitive,
        )
        return {}
