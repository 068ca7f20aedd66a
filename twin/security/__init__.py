"""Cyberattacks on the district: the integration graph, the spread, the effects in the run,
and the blast radius."""

from twin.security.blast_radius import NO_ATTACKS, security_section
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
    merge_intervals,
    replicate_attacks,
    spread,
)

__all__ = [
    "INTEGRATIONS",
    "NO_ATTACKS",
    "AttackOutcome",
    "Component",
    "build_component_graph",
    "components_json",
    "merge_intervals",
    "replicate_attacks",
    "resolve_entry",
    "security_section",
    "spread",
    "write_components",
]
