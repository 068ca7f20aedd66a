"""Security monitoring (``security.monitoring``): the network logs of every system, kept by a
security operations centre, so that stealthy intrusions are detected sooner.

Its data footprint is its own: every record another system makes of an identified
person also reaches the centre's logs as the device or account identifier the traffic
carried (a persistent identifier), so the centre holds, and can join, what every system
saw. It is also one more component an attacker can reach: every system exports its
logs to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from agents.sensing import ANONYMOUS, DEVICE_ID, EVERYONE, Sensing, Sensor
from twin.services.base import BuildContext, Part, Service, Table, register

if TYPE_CHECKING:
    from twin.scenario import Scenario

__all__ = ["CENTRE", "LOGS", "SecurityMonitoring"]

CENTRE = "security_operations"
LOGS = "network_logs"


@register
class SecurityMonitoring(Service):
    """``security.monitoring``: network logs of every system at a security operations centre."""

    name = "security_monitoring"

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        sensing = context.sensing
        monitored = sorted({s.system for s in sensing.sensors.values()})
        sensing.register(
            Sensor(
                LOGS, self.name, "network_monitoring", EVERYONE, DEVICE_ID, (), CENTRE, 1,
                "to detect intrusions into the city's systems",
            )
        )  # fmt: skip
        for system in monitored:
            sensing.link(system, CENTRE, "security logs")

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return scenario.security.monitoring

    @classmethod
    def expected_observations(
        cls, scenario: Scenario, vehicle_passages: float, crossings: float
    ) -> float:
        from twin.services.base import registered

        return sum(
            other.expected_observations(scenario, vehicle_passages, crossings)
            for other in registered()
            if other is not cls and other.enabled(scenario)
        )

    @classmethod
    def identifies(cls, scenario: Scenario) -> bool:
        from twin.services.base import registered

        return any(
            other.identifies(scenario)
            for other in registered()
            if other is not cls and other.enabled(scenario)
        )

    def parts(self) -> tuple[Part, ...]:
        return (
            Part(LOGS, CENTRE, (self.name,)),  # the collectors on each system's network
            Part(CENTRE, CENTRE, (self.name,), keeps_records=True),
        )

    def collect(self, sensing: Sensing, tables: Mapping[str, Table]) -> dict[str, Table]:
        """Every observation of an identified person by another system reaches the logs."""
        observed = sensing.log.arrays()
        logs = sensing.sensor_names().index(LOGS)
        seen = (
            (observed["identifiability"] != ANONYMOUS)
            & (observed["subject"] >= 0)
            & (observed["sensor"] != logs)
        )
        sensing.observe_many(
            LOGS,
            np.asarray(observed["time_s"])[seen],
            np.asarray(observed["subject"])[seen],
            node=np.asarray(observed["node"])[seen],
        )
        return {}
