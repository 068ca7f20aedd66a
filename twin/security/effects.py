"""Attack effects inside the running simulation: fallen components stop what they serve.

Each component of the integration graph lists the functions it serves (its
services declared them with their parts); when it falls, the service owning
each of those functions is told through ``Service.take_down`` and acts
(a controller flashes red, dispatch goes to paper, heating switches off).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from twin.security.graph import GATEWAY, PLATFORM

if TYPE_CHECKING:
    import networkx as nx

    from twin.services.base import Service

__all__ = ["apply_outages", "function_owners"]


def function_owners(services: Mapping[str, Service]) -> dict[str, Service]:
    """The running service that owns each function."""
    return {function: s for s in services.values() for function in s.functions()}


def apply_outages(
    services: Mapping[str, Service],
    graph: nx.DiGraph,
    down: Mapping[str, Sequence[tuple[float, float]]],
    now_s: float,
) -> None:
    """Schedule outages inside the run: each component down in ``down`` (name ->
    intervals) stops the functions it serves, each through its owner's ``take_down``, and
    cuts the data paths that cross it (a platform or gateway: every path)."""
    owners = function_owners(services)
    paths = [(s, path, kinds) for s in services.values() for path, kinds in s.data_paths().items()]
    for name, spans in down.items():
        component = graph.nodes[name]["component"]
        hub = component.kind in (PLATFORM, GATEWAY)
        for service, path, kinds in paths:
            if hub or component.kind in kinds:
                for start, end in spans:
                    service.cut(path, max(start, now_s), end)
        served: dict[str, list[str]] = {}
        for function in graph.nodes[name]["component"].services:
            owner = owners.get(function)
            if owner is not None:
                served.setdefault(owner.name, []).append(function)
        for service_name, functions in sorted(served.items()):
            for start, end in spans:
                services[service_name].take_down(name, tuple(functions), max(start, now_s), end)
