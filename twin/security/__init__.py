"""Cyberattacks on the district: the integration graph, the spread, the disruption schedule."""

from twin.security.graph import (
    INTEGRATIONS,
    Component,
    build_component_graph,
    components_json,
    resolve_entry,
    write_components,
)
from twin.security.spread import (
    AttackOutcome,
    disruption_schedule,
    exfiltration_times,
    merge_intervals,
    replicate_attacks,
    spread,
)

__all__ = [
    "INTEGRATIONS",
    "AttackOutcome",
    "Component",
    "build_component_graph",
    "components_json",
    "disruption_schedule",
    "exfiltration_times",
    "merge_intervals",
    "replicate_attacks",
    "resolve_entry",
    "spread",
    "write_components",
]
