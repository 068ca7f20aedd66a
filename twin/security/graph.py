"""The integration graph: the city's digital components and the trust paths between them.

Nodes are components (signal controllers, one per intersection; the traffic
management centre; each service's sensor network; roadside units; heating
controller; dispatch; data stores; vendor clouds; the shared platform or the
integration gateway when the policy has one). A directed edge u -> v means an
attacker holding u can try to get onto v; its ``traversal`` is the probability
that one try works before v's own hardening is counted. The integration policy
decides which paths exist:

- ``siloed``: each service is its own zone, flat inside; zones are joined only
  by one-way exports along the declared links, in the data's direction.
- ``federated``: zones exchange through an integration gateway holding
  per-purpose credentials (both ways, at the federated probability).
- ``integrated``: one platform holds every record and shares credentials with
  every component (both ways, at the integrated probability).

Vendor clouds reach the components they maintain remotely whatever the policy:
that is the supply-chain path, stronger for an untrusted vendor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from twin.errors import TwinError
from twin.scenario.policy import Policy
from twin.scenario.vendors import VENDOR_CLOUD_SUFFIX, VendorModel, vendor_model

if TYPE_CHECKING:
    from agents.sensing import Link, Sensor
    from twin.scenario.security import Security
    from twin.services.base import Part

__all__ = [
    "INTEGRATIONS",
    "Component",
    "build_component_graph",
    "components_json",
    "resolve_entry",
    "write_components",
]

INTEGRATIONS = ("siloed", "federated", "integrated")
PLATFORM = "city_platform"
GATEWAY = "integration_gateway"


@dataclass(frozen=True)
class Component:
    """One node of the integration graph.

    Attributes:
        name: unique key, e.g. ``signal_controllers:5`` or ``crossing_cameras``.
        kind: what it is: the declared name without the intersection index.
        zone: the system (security zone) it belongs to.
        vendor: who supplies and maintains it, or None (in-house).
        trusted: whether the vendor is trusted (in-house components are).
        security_level: IEC 62443 security level achieved (1-4).
        susceptibility: probability that one successful try on it makes it fall.
        services: services that stop when it falls.
        holds: systems whose records it stores (leaked when it falls).
        node: intersection index for a signal controller, else -1.
        data_for: functions that decide on the records it holds (they stop when
            ransomware makes its data unavailable).
    """

    name: str
    kind: str
    zone: str
    vendor: str | None
    trusted: bool
    security_level: int
    susceptibility: float
    services: tuple[str, ...]
    holds: tuple[str, ...]
    node: int = -1
    data_for: tuple[str, ...] = ()


def build_component_graph(
    parts: Iterable[Part],
    sensors: Iterable[Sensor],
    links: Iterable[Link],
    integration: str,
    security: Security,
    intersections: int,
    vendors: VendorModel | None = None,
) -> nx.DiGraph:
    """The integration graph of a district.

    Args:
        parts: every component the running services declare (``Service.parts``), in
            the services' order.
        sensors: the services' declared sensors (``Sensing.sensors.values()``); each
            sends its records to its system's store.
        links: the services' declared links (``Sensing.links``); each end must be a
            declared part, a store or a vendor's cloud.
        integration: ``siloed``, ``federated`` or ``integrated`` (``policy.integration``).
        security: the scenario's ``security`` section.
        intersections: number of intersections (per-intersection parts are one each).
        vendors: who runs, supplies and reaches what (``twin.scenario.vendors``, the
            model the privacy layer shares); default: from the links alone.

    Each node carries its :class:`Component` as attribute ``component``; each
    edge its ``traversal`` probability and the ``path`` kind that set it.

    Raises:
        TwinError: a link names a component nothing declares.
    """
    if integration not in INTEGRATIONS:
        raise ValueError(f"integration {integration!r} is not one of {', '.join(INTEGRATIONS)}")
    if intersections < 1:
        raise ValueError(f"intersections must be at least 1, not {intersections}")
    parts, sensors, links = list(parts), list(sensors), list(links)
    model = vendors or vendor_model(
        Policy(),
        {sensor.name: sensor.system for sensor in sensors},
        [(link.source, link.target) for link in links],
    )
    declared = {part.kind: part for part in parts}
    # A link to or from a system means that system's store.
    stores = {sensor.system: _store_of(sensor.system, declared) for sensor in sensors}
    links = [
        replace(
            link,
            source=stores.get(link.source, link.source),
            target=stores.get(link.target, link.target),
        )
        for link in links
    ]
    kinds = _kinds(declared, sensors, links, model)
    data_for: dict[str, set[str]] = {}
    for sensor in sensors:
        readers = declared[sensor.name].functions if sensor.name in declared else (sensor.service,)
        data_for.setdefault(_store_of(sensor.system, declared), set()).update(readers)
    graph = nx.DiGraph(integration=integration)
    instances: dict[str, list[str]] = {}
    for kind, (zone, services, holds, vendor) in kinds.items():
        sites = declared[kind].sites if kind in declared else ()
        names = [f"{kind}:{i}" for i in sites] if sites else [kind]
        instances[kind] = names
        trusted = model.trusted.get(vendor, True) if vendor is not None else True
        for i, name in enumerate(names):
            level = security.level_of(name, kind)
            susceptibility = security.susceptibility[level - 1]
            if not trusted:
                susceptibility = min(1.0, susceptibility * security.untrusted_vendor_factor)
            component = Component(
                name,
                kind,
                zone,
                vendor,
                trusted,
                level,
                susceptibility,
                services,
                holds,
                sites[i] if sites else -1,
                tuple(sorted(data_for.get(kind, ()))),
            )
            graph.add_node(name, component=component)
    gateways = {kind: p.reached_through for kind, p in declared.items() if p.reached_through}
    paths = [(link.source, link.target) for link in links]
    wired = [(sensor.name, _store_of(sensor.system, declared)) for sensor in sensors]
    sited = {kind for kind, part in declared.items() if part.sites}
    _add_paths(graph, instances, kinds, gateways, sited, paths, wired, integration, security, model)
    return graph


def _store_of(system: str, declared: Mapping[str, Part]) -> str:
    """The component that keeps ``system``'s records: its own store, unless the system is
    a vendor cloud or a part that keeps its own records (the signal controllers)."""
    if system.endswith(VENDOR_CLOUD_SUFFIX) or (
        system in declared and declared[system].keeps_records
    ):
        return system
    return f"{system}_store"


_KindInfo = tuple[str, tuple[str, ...], tuple[str, ...], str | None]


def _kinds(
    declared: Mapping[str, Part],
    sensors: Sequence[Sensor],
    links: Sequence[Link],
    model: VendorModel,
) -> dict[str, _KindInfo]:
    """kind -> (zone, services, systems held, vendor), in a deterministic order: the
    declared parts, each sensor's store after the parts, then vendor clouds."""
    zone: dict[str, str] = {}
    services: dict[str, set[str]] = {}
    holds: dict[str, set[str]] = {}

    def add(kind: str, owner: str, functions: Iterable[str] = ()) -> None:
        if kind in model.runs and kind.endswith(VENDOR_CLOUD_SUFFIX):
            owner = f"vendor:{model.runs[kind]}"
        zone.setdefault(kind, owner)
        services.setdefault(kind, set()).update(functions)
        holds.setdefault(kind, set())

    for part in declared.values():
        add(part.kind, part.zone, part.functions)
    for sensor in sensors:
        store = _store_of(sensor.system, declared)
        functions = declared[sensor.name].functions if sensor.name in declared else ()
        # A vendor cloud or a part keeping its own records serves the sensor's service.
        add(
            store,
            zone.get(sensor.name, sensor.service),
            functions if store == sensor.system else (),
        )
        holds[store].add(sensor.system)
    for link in links:
        for end in (link.source, link.target):
            if end not in zone and end not in model.runs:
                raise TwinError(
                    f"link {link.source} -> {link.target} ({link.purpose}) names {end!r}, "
                    "which no service declares as a part (Service.parts) and is no "
                    "sensor's system"
                )
            add(end, end)
    vendor: dict[str, str] = {}
    for kind in list(zone):
        supplier = model.supplies.get(kind) or next(
            (model.runs[s] for s in sorted(holds[kind]) if s in model.runs), None
        )
        if kind in model.runs:
            supplier = model.runs[kind]
        if supplier is not None:
            vendor[kind] = supplier
    for name in sorted(set(vendor.values())):
        add(model.cloud_of(name), f"vendor:{name}")
        vendor[model.cloud_of(name)] = name
    return {
        kind: (
            zone[kind],
            tuple(sorted(services[kind])),
            tuple(sorted(holds[kind])),
            vendor.get(kind),
        )
        for kind in zone
    }


def _add_paths(
    graph: nx.DiGraph,
    instances: dict[str, list[str]],
    kinds: Mapping[str, _KindInfo],
    gateways: Mapping[str, str],
    sited: set[str],
    declared: Sequence[tuple[str, str]],
    wired: Sequence[tuple[str, str]],
    integration: str,
    security: Security,
    model: VendorModel,
) -> None:
    traversal = security.traversal
    crossing = {"siloed": traversal.siloed, "federated": traversal.federated}

    def connect(source: str, target: str, p: float, path: str, both: bool) -> None:
        paired = source in sited and target in sited  # parts at intersections: each its own
        for u in instances[source]:
            for v in instances[target]:
                if paired and u.rpartition(":")[2] != v.rpartition(":")[2]:
                    continue
                for a, b in ((u, v), (v, u)) if both else ((u, v),):
                    if a != b and p > graph.edges.get((a, b), {}).get("traversal", -1.0):
                        graph.add_edge(a, b, traversal=p, path=path)

    # Other zones reach some parts only through another (e.g. a traffic centre); a
    # sensor's records go to its store directly (a detector is wired to its controller).
    rerouted = [
        (gateways.get(u, u), gateways.get(v, v)) if kinds[u][0] != kinds[v][0] else (u, v)
        for u, v in declared
    ]
    for source, target in [*rerouted, *wired]:
        if integration == "integrated":
            connect(source, target, traversal.integrated, "shared credentials", both=True)
        elif kinds[source][0] == kinds[target][0]:
            connect(source, target, traversal.within_zone, "within zone", both=True)
        elif integration == "siloed":
            connect(source, target, crossing["siloed"], "one-way export", both=False)
    if integration == "federated":
        bridged = {k for s, t in [*declared, *wired] if kinds[s][0] != kinds[t][0] for k in (s, t)}
        services = {s for kind in bridged for s in kinds[kind][1]}
        instances[GATEWAY] = [_add_hub(graph, GATEWAY, (), services, security)]
        for kind in sorted(bridged):
            connect(kind, GATEWAY, crossing["federated"], "per-purpose credential", both=True)
    elif integration == "integrated":
        everything = tuple(sorted({s for info in kinds.values() for s in info[2]}))
        services = {s for info in kinds.values() for s in info[1]}
        instances[PLATFORM] = [_add_hub(graph, PLATFORM, everything, services, security)]
        for kind in kinds:
            connect(kind, PLATFORM, traversal.integrated, "shared credentials", both=True)
    for kind, (_, _, _, vendor) in kinds.items():
        if vendor is None or kind == model.cloud_of(vendor):
            continue
        trusted = model.trusted.get(vendor, True)
        p = traversal.vendor_access if trusted else security.untrusted_vendor_access
        connect(model.cloud_of(vendor), kind, p, "vendor remote access", both=False)


def _add_hub(
    graph: nx.DiGraph, name: str, holds: tuple[str, ...], services: set[str], security: Security
) -> str:
    """Add the platform or the gateway (in-house, at its own security level)."""
    level = security.level_of(name, name)
    susceptibility = security.susceptibility[level - 1]
    component = Component(
        name, name, name, None, True, level, susceptibility, tuple(sorted(services)), holds
    )
    graph.add_node(name, component=component)
    return name


def resolve_entry(graph: nx.DiGraph, entry: str) -> list[str]:
    """The components an attack ``entry`` may start from (several for ``random``).

    Raises:
        TwinError: the entry names no component or no vendor of this graph; the
            message lists what exists.
    """
    names = list(graph.nodes)
    if entry == "random":
        return names
    if entry.startswith("vendor:"):
        clouds = {graph.nodes[n]["component"].zone: n for n in names}
        if entry in clouds:
            return [clouds[entry]]
        known = ", ".join(sorted(z for z in clouds if z.startswith("vendor:")))
        raise TwinError(f"{entry!r} supplies nothing in this city; its vendors: {known or 'none'}")
    if entry in graph:
        return [entry]
    if f"{entry}:0" in graph:  # a kind of per-intersection component: all of them
        return sorted((n for n in names if n.startswith(f"{entry}:")), key=_natural)
    raise TwinError(
        f"{entry!r} is not a component of this city; expected one of: "
        f"{', '.join(_listing(names))}, 'random', or 'vendor:NAME'"
    )


def _listing(names: Iterable[str]) -> list[str]:
    """Component names, sorted, a kind with one per intersection as ``kind[:0-15]``."""
    indexed: dict[str, list[int]] = {}
    plain = []
    for name in names:
        kind, _, index = name.rpartition(":")
        if kind and index.isdigit():
            indexed.setdefault(kind, []).append(int(index))
        else:
            plain.append(name)
    plain += [f"{kind}[:{min(i)}-{max(i)}]" for kind, i in indexed.items()]
    return sorted(plain)


def _natural(name: str) -> tuple[str, int]:
    kind, _, index = name.rpartition(":")
    return kind, int(index)


def components_json(
    graph: nx.DiGraph, fallen_share: Mapping[str, float] | None = None
) -> dict[str, object]:
    """The graph as JSON-ready data: components, trust paths and (optionally) the share of
    the attack's replications in which each fell."""
    fallen = fallen_share or {}
    components = []
    for name in graph.nodes:
        record = asdict(graph.nodes[name]["component"])
        record["services"] = list(record["services"])
        record["holds"] = list(record["holds"])
        record["data_for"] = list(record["data_for"])
        record["compromised_share"] = fallen.get(name, 0.0) if fallen_share is not None else None
        components.append(record)
    paths = [
        {"source": u, "target": v, "traversal": d["traversal"], "path": d["path"]}
        for u, v, d in graph.edges(data=True)
    ]
    return {
        "integration": graph.graph["integration"],
        "components_total": graph.number_of_nodes(),
        "components": components,
        "trust_paths": paths,
    }


def write_components(
    path: Path, graph: nx.DiGraph, fallen_share: Mapping[str, float] | None = None
) -> Path:
    """Write ``components.json`` (see :func:`components_json`) and return its path."""
    path.write_text(json.dumps(components_json(graph, fallen_share), indent=2) + "\n")
    return path
