"""Traffic monitoring: the sensors cities buy (loops, Bluetooth scanners, ANPR, video analytics).

The sensors never act on the city: signal control uses its own detector calls,
which loops already provide. So what they saw is computed after the run from
the vehicle passages and pedestrian crossings at equipped intersections
(``twin.digital.traffic_monitoring``) and added to the sensing table in bulk.
What each method buys in efficiency (nothing here) and costs in exposure is in
docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from agents.sensing import Sensing, Sensor
from twin.digital.analysis import privacy_streams
from twin.digital.traffic_monitoring import (
    SENSORS,
    SYSTEM,
    MonitoringSettings,
    equipped_nodes,
    traffic_observations,
)
from twin.services.base import BuildContext, Service, Table, register

if TYPE_CHECKING:
    from twin.scenario import Scenario


@register
class TrafficMonitoringService(Service):
    """``services.traffic_monitoring`` at a share of intersections."""

    name = "traffic_monitoring"

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        section = scenario.services.traffic_monitoring
        self.settings = MonitoringSettings(**section.model_dump())
        self.rng = privacy_streams(scenario.seed)[0]
        self.equipped = equipped_nodes(self.rng, len(context.grid.intersections), section.share)
        sensor, observes, identifiability, attributes = SENSORS[section.method]
        self.sensor = sensor
        context.sensing.register(
            Sensor(
                sensor,
                self.name,
                section.method,
                observes,
                identifiability,
                attributes,
                SYSTEM,
                int(self.equipped.sum()),
            )
        )

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return scenario.services.traffic_monitoring.method != "none"

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        section = scenario.services.traffic_monitoring
        if not cls.enabled(scenario):
            return []
        key = f"services.traffic_monitoring.method is {section.method}"
        demand = scenario.demand
        if round(section.share * scenario.city.rows * scenario.city.cols) == 0:
            return [f"{key} but its share is {section.share:g}: no intersection is equipped"]
        sees_walkers = section.method in ("bluetooth", "video_analytics")
        if demand.vehicles_per_hour == 0 and not (sees_walkers and demand.pedestrians_per_hour):
            return [f"{key} but demand.vehicles_per_hour is 0: nothing to monitor"]
        if section.method == "bluetooth":
            if section.detection_probability == 0:
                return [f"{key} but detection_probability is 0: no device is ever read"]
            if section.device_share_vehicles == 0 and section.device_share_pedestrians == 0:
                return [f"{key} but nobody carries a discoverable device (both device shares 0)"]
        return []

    @classmethod
    def expected_observations(
        cls, scenario: Scenario, vehicle_passages: float, crossings: float
    ) -> float:
        section = scenario.services.traffic_monitoring
        if section.method == "bluetooth":
            seen = (
                vehicle_passages * section.device_share_vehicles
                + crossings * section.device_share_pedestrians
            ) * section.detection_probability
        elif section.method == "video_analytics":
            seen = vehicle_passages + crossings
        else:
            seen = vehicle_passages if cls.enabled(scenario) else 0.0
        return seen * section.share

    def collect(self, sensing: Sensing, tables: Mapping[str, Table]) -> dict[str, Table]:
        """What the equipped intersections saw, observed in bulk after the run."""
        model = self.context.model
        residents = model.residents  # type: ignore[attr-defined]
        resident_ids = np.array([r.unique_id for r in residents], dtype=np.int64)
        impaired = np.array([r.impaired for r in residents], dtype=bool)
        seen = traffic_observations(
            self.settings,
            tables["vehicle_passages"],
            model.vehicle_owners,  # type: ignore[attr-defined]
            tables["crossings"],
            resident_ids,
            impaired,
            self.equipped,
            self.rng,
        )
        # sensing subjects are agents' unique ids; visitors get ids above every agent's
        visitor_base = max((a.unique_id for a in model.agents), default=0) + 1
        n, person = len(resident_ids), seen.person
        subject = np.full(len(person), -1, dtype=np.int64)
        own = (person >= 0) & (person < n)
        subject[own] = resident_ids[person[own]]
        subject[person >= n] = visitor_base + person[person >= n] - n
        sensing.observe_many(
            self.sensor, seen.time_s, subject, node=seen.place, disability=seen.sensitive
        )
        return {}
