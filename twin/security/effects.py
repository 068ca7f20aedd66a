"""Attack effects inside the running simulation: each effect dispatches, for every component
it acts on, to the hook of the service owning each function the component serves.

| effect | hook | what the owner does (its docstring says) |
| --- | --- | --- |
| ``fail_safe_flash`` | ``take_down`` | it stops (a controller flashes red); paths across it cut |
| ``malicious_timing`` | ``mistime`` | the part acts to hurt (a controller runs a starving plan) |
| ``false_data`` | ``spoof`` | its data lie (a controller's detectors report what hurts) |
| ``ransomware`` | ``take_down`` | it stops, and so does every function reading its data |
| containment | ``take_down`` | an isolated component is cut off until restored |

``exfiltrate`` and ``insider`` change nothing in the running city (their outcome is
the leak). The security layer never names a service: the components' functions (the
services' declarations) say whom to call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from twin.security.graph import GATEWAY, PLATFORM

if TYPE_CHECKING:
    import networkx as nx

    from twin.security.spread import AttackOutcome
    from twin.services.base import Service

__all__ = ["HOOKS", "apply_outcome", "function_owners"]

#: The service hook each effect calls.
HOOKS = {
    "fail_safe_flash": "take_down",
    "malicious_timing": "mistime",
    "false_data": "spoof",
    "ransomware": "take_down",
}


def function_owners(services: Mapping[str, Service]) -> dict[str, Service]:
    """The running service that owns each function."""
    return {function: s for s in services.values() for function in s.functions()}


def apply_outcome(
    services: Mapping[str, Service], graph: nx.DiGraph, outcome: AttackOutcome, now_s: float
) -> None:
    """Schedule one replication's effects and containment inside the run (from ``now_s``)."""
    owners = function_owners(services)
    for effect, components in outcome.effects.items():
        for name, spans in components.items():
            component = graph.nodes[name]["component"]
            functions = set(component.services)
            if effect == "ransomware":  # its data are unavailable too
                functions.update(component.data_for)
            _dispatch(services, owners, name, functions, HOOKS[effect], spans, now_s)
    for name, spans in outcome.isolated.items():
        functions = set(graph.nodes[name]["component"].services)
        _dispatch(services, owners, name, functions, "take_down", spans, now_s)


def _dispatch(
    services: Mapping[str, Service],
    owners: Mapping[str, Service],
    component: str,
    functions: set[str],
    hook: str,
    spans: list[tuple[float, float]],
    now_s: float,
) -> None:
    """Call ``hook`` of each owner of ``functions`` for ``component`` over ``spans``; a
    component that stops (``take_down``) also cuts the data paths that cross it (a
    platform or gateway: every path)."""
    if hook == "take_down":
        kind = component.partition(":")[0]
        hub = kind in (PLATFORM, GATEWAY)
        for service in services.values():
            for path, kinds in service.data_paths().items():
                if hub or kind in kinds:
                    for start, end in spans:
                        if end > now_s:
                            service.cut(path, max(start, now_s), end)
    served: dict[str, list[str]] = {}
    for function in sorted(functions):
        owner = owners.get(function)
        if owner is not None:
            served.setdefault(owner.name, []).append(function)
    for service_name, own in sorted(served.items()):
        act = getattr(services[service_name], hook)
        for start, end in spans:
            if end > now_s:
                act(component, tuple(own), max(start, now_s), end)
