"""Scenario files: the validated, frozen description of one city and how it is run."""

from twin.scenario.loading import (
    OVERRIDE_SOURCE,
    json_schema,
    load_scenario,
    parse_scenario,
    scenario_to_yaml,
)
from twin.scenario.schema import (
    City,
    Demand,
    Duration,
    NonNegativeDuration,
    Population,
    PositiveDuration,
    Scenario,
    Section,
    Signals,
)

__all__ = [
    "OVERRIDE_SOURCE",
    "City",
    "Demand",
    "Duration",
    "NonNegativeDuration",
    "Population",
    "PositiveDuration",
    "Scenario",
    "Section",
    "Signals",
    "json_schema",
    "load_scenario",
    "parse_scenario",
    "scenario_to_yaml",
]
