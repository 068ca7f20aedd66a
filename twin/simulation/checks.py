"""What ``twin validate`` and ``twin run`` check before a scenario runs: services that
cannot act, and what only the built city can tell (attack entries, policy settings the
deployed sensors make moot).

Light to import: the city (and with it Mesa) is imported only when there is something
only it can check.
"""

from __future__ import annotations

from twin.scenario import Scenario
from twin.services import registered

__all__ = ["check_city", "scenario_warnings"]


def scenario_warnings(scenario: Scenario) -> list[str]:
    """One line per service setting that is on but cannot act in ``scenario``."""
    return [line for cls in registered() for line in cls.warnings(scenario)]


def needs_city(scenario: Scenario) -> bool:
    """Whether :func:`check_city` has anything to check: attacks (their entries), vendors
    (their systems) or retention periods set for a record class (its sensors)."""
    policy = scenario.policy
    return bool(scenario.attacks or policy.vendors or policy.retention.model_fields_set)


def check_city(scenario: Scenario) -> list[str]:
    """Build the city, without running it, for the checks that need its deployed sensors:
    every attack's entry names something in it (raises ``ScenarioError`` otherwise);
    returns the warnings a run would give about the policy (contradicting settings,
    vendors of systems it lacks, retention set for a class of record no deployed sensor
    produces)."""
    if not needs_city(scenario):
        return scenario.policy.contradictions()
    from twin.digital.records import stored_class
    from twin.simulation.model import CityModel

    model = CityModel(scenario)
    sensors = list(model.sensing.sensors.values())
    policy = scenario.policy
    produced = {
        cls
        for sensor in sensors
        for cls in (
            stored_class(sensor.identifiability, "raw"),  # as captured
            stored_class(sensor.identifiability, policy.anonymisation),
        )
    }
    return policy.warnings(produced, {sensor.system for sensor in sensors})
