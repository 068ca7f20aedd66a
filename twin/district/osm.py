"""A district's street graph from OpenStreetMap: the second generator beside the grid.

From the drivable ways in a box (:mod:`twin.district.osm_file`):

- **Intersections** are the nodes inside the box where a way ends or ways meet (any
  node joined to other than two neighbours); the chain of nodes between two of them is
  one street, its length measured along the way. Where a street leaves the box, its
  first node outside is a **boundary node** (one per street) where vehicles enter and
  leave. Two chains joining the same two intersections (the carriageways of a divided
  road) are one street with both their lanes; a chain back to its own start is left out.
- **Tags, with defaults where absent**: ``oneway`` (``yes``/``1``/``true``, ``-1``; absent:
  two-way, except ``junction=roundabout`` and motorways); ``lanes`` (the total: all one
  way on a one-way street, else ``lanes:forward``/``lanes:backward`` or half each way,
  at least one; absent: ``city.lanes`` each way); ``maxspeed`` (km/h, or ``mph``; absent
  or a zone code such as ``FI:urban``: ``city.speed_limit_kmh``); ``sidewalk`` (``no`` or
  ``none``: none; anything else or absent: one each side). A street whose ways
  change tags along it keeps the fewest lanes each way and the speed that gives its
  travel time.
- **Controls**: a node tagged ``highway=traffic_signals``, ``stop`` or ``give_way``
  controls the intersection it is on, or else the nearer intersection along its street:
  signals make it signalised (the ``signals`` plan: fixed time, opposing approaches
  together, green split equally between the phases, as netconvert's default program;
  any other intersection is unsignalised (``stop`` with a stop sign, else ``priority``).
- **Crosswalks**: a ``highway=crossing`` node (or one with a ``crossing`` tag) on a street
  becomes the crosswalk across that street at its nearer intersection; one on an
  intersection's own node, a crosswalk across each of its legs. Where the tagged
  crossings and sidewalks leave some street corners unreachable on foot, unmarked
  crosswalks (pedestrians may cross at a junction) and then sidewalks are added, the
  fewest that join the walking network, in node order.
- Only the largest strongly connected set of intersections is kept (every one reachable
  by car from every other), with the streets leaving the box from it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from twin.district.osm_file import DRIVABLE, OsmError, OsmStreets
from twin.district.street_graph import BOUNDARY, EARTH_M_PER_DEG, Street, StreetGraph

__all__ = ["OsmDistrict", "StreetDefaults", "osm_district"]

MPH_KMH = 1.609344
ONEWAY_YES = frozenset(("yes", "1", "true"))
ONEWAY_REVERSE = frozenset(("-1", "reverse"))
ONEWAY_NO = frozenset(("no", "0", "false"))
NO_SIDEWALK = frozenset(("no", "none"))


@dataclass(frozen=True)
class StreetDefaults:
    """What a street is where its tags are silent."""

    lanes: int = 1
    speed_kmh: float = 50.0
    lane_width_m: float = 3.5


@dataclass
class OsmDistrict:
    """A street graph read from OpenStreetMap, with what the import decided.

    Attributes:
        graph: the street graph.
        osm_id: per node, its OpenStreetMap node id.
        marked: (node, street) crosswalks from crossing tags; the graph's other
            crosswalks are unmarked ones added so every corner can be walked to.
        sidewalks_added: streets given sidewalks so every corner can be walked to.
        dropped_intersections: intersections left out (not reachable both ways by car).
    """

    graph: StreetGraph
    osm_id: list[int]
    marked: frozenset[tuple[int, int]]
    sidewalks_added: list[int] = field(default_factory=list)
    dropped_intersections: int = 0

    def node_of(self, osm_id: int) -> int | None:
        """The node with OpenStreetMap id ``osm_id`` (an intersection first), if any."""
        for node, known in enumerate(self.osm_id):
            if known == osm_id:
                return node
        return None


@dataclass
class _Chain:
    """A street under construction: from node ``a`` to ``b`` through ``via``."""

    a: int
    b: int
    length_m: float
    lanes_ab: int
    lanes_ba: int
    speed_mps: float
    sidewalks: bool
    name: str
    via: list[tuple[int, float]]  # (OSM node, metres from a) of the nodes between


def way_lanes(tags: dict[str, str], default: int) -> tuple[int, int]:
    """Lanes forward and backward (along the way's node order) from its tags."""
    highway = tags.get("highway", "")
    oneway = tags.get("oneway", "")
    implied = tags.get("junction") == "roundabout" or highway in ("motorway", "motorway_link")
    forward_only = oneway in ONEWAY_YES or (implied and oneway not in ONEWAY_NO | ONEWAY_REVERSE)
    total = _number(tags.get("lanes"))
    if forward_only or oneway in ONEWAY_REVERSE:
        lanes = max(1, int(total)) if total else default
        return (lanes, 0) if forward_only else (0, lanes)
    forward, backward = _number(tags.get("lanes:forward")), _number(tags.get("lanes:backward"))
    if forward and backward:
        return max(1, int(forward)), max(1, int(backward))
    if total:
        half = max(1, int(total) // 2)
        return half, max(1, int(total) - half)
    return default, default


def way_speed_kmh(tags: dict[str, str], default: float) -> float:
    """Speed limit from ``maxspeed`` (km/h, or ``N mph``); ``default`` when absent or a
    zone code."""
    text = tags.get("maxspeed", "").strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?", text)
    if not match or float(match.group(1)) <= 0:
        return default
    value = float(match.group(1))
    return value * MPH_KMH if match.group(2) == "mph" else value


def osm_district(streets: OsmStreets, defaults: StreetDefaults | None = None) -> OsmDistrict:
    """The street graph of the drivable ways in ``streets``' box.

    Raises:
        OsmError: no drivable street in the box, or none reaching another intersection.
    """
    defaults = defaults or StreetDefaults()
    chains, junctions = _chains(streets, defaults)
    inner = [c for c in chains if c.b in junctions]
    if not inner:
        raise OsmError(
            f"no drivable streets (highway={', '.join(sorted(DRIVABLE))}) join two "
            f"intersections inside bbox {list(streets.bbox)}",
            "bbox",
        )
    keep = _largest_strong_component(inner)
    chains = _merged(
        [c for c in chains if c.a in keep and (c.b in keep or c.b not in junctions)], junctions
    )
    intersections = sorted(keep)
    number = {osm: i for i, osm in enumerate(intersections)}
    osm_id = list(intersections)
    labels = [str(osm) for osm in intersections]
    street_list: list[Street] = []
    chain_of_street: list[_Chain] = []
    for chain in chains:
        if chain.b in number:
            a, b = number[chain.a], number[chain.b]
        else:  # one boundary node per street leaving the box
            b = len(osm_id)
            a = number[chain.a]
            osm_id.append(chain.b)
            seen = labels.count(str(chain.b)) + sum(lb.startswith(f"{chain.b}-") for lb in labels)
            labels.append(str(chain.b) if not seen else f"{chain.b}-{seen + 1}")
        street_list.append(
            Street(a, b, chain.length_m, chain.lanes_ab, chain.lanes_ba, chain.speed_mps,
                   chain.sidewalks and chain.b in number, chain.name)
        )  # fmt: skip
        chain_of_street.append(chain)
    lat = np.array([streets.lat[osm] for osm in osm_id])
    lon = np.array([streets.lon[osm] for osm in osm_id])
    west, south, east, north = streets.bbox
    origin = ((south + north) / 2, (west + east) / 2)
    x, y = _local(lat, lon, origin)
    control = ["priority"] * len(intersections) + [BOUNDARY] * (len(osm_id) - len(intersections))
    graph = StreetGraph(x, y, lat, lon, control, labels, street_list, defaults.lane_width_m)
    control, marked = _controls(streets, number, chain_of_street, graph.legs)
    graph = replace(
        graph,
        control=control + [BOUNDARY] * (len(osm_id) - len(intersections)),
        crosswalks=frozenset(marked),
        _cache={},
    )
    graph, added = _walkable(graph)
    return OsmDistrict(graph, osm_id, frozenset(marked), added, len(junctions) - len(keep))


def _number(text: str | None) -> float:
    try:
        return float(text) if text is not None else 0.0
    except ValueError:
        return 0.0


def _local(lat: np.ndarray, lon: np.ndarray, origin: tuple[float, float]) -> tuple[np.ndarray, ...]:
    """Metres east and north of ``origin`` (the inverse of ``local_to_latlon``)."""
    lat0, lon0 = origin
    x = (lon - lon0) * EARTH_M_PER_DEG * math.cos(math.radians(lat0))
    y = (lat - lat0) * EARTH_M_PER_DEG
    return x, y


def _metres(streets: OsmStreets, u: int, v: int) -> float:
    """Distance between two nodes (m; equirectangular, exact enough within a street)."""
    lat = math.radians((streets.lat[u] + streets.lat[v]) / 2)
    dy = (streets.lat[v] - streets.lat[u]) * EARTH_M_PER_DEG
    dx = (streets.lon[v] - streets.lon[u]) * EARTH_M_PER_DEG * math.cos(lat)
    return math.hypot(dx, dy)


# (neighbour, lanes towards it, lanes back, speed m/s, sidewalks, name)
_Step = tuple[int, int, int, float, bool, str]


def _chains(streets: OsmStreets, defaults: StreetDefaults) -> tuple[list[_Chain], set[int]]:
    """Every street from an intersection: to another or out of the box; the intersections."""
    steps: dict[int, list[_Step]] = {}
    seen: set[tuple[int, int]] = set()
    for way in streets.ways:
        forward, backward = way_lanes(way.tags, defaults.lanes)
        speed = way_speed_kmh(way.tags, defaults.speed_kmh) / 3.6
        sidewalks = way.tags.get("sidewalk", "") not in NO_SIDEWALK
        name = way.tags.get("name", "")
        for u, v in zip(way.refs, way.refs[1:], strict=False):
            if u == v or u not in streets.lat or v not in streets.lat:
                continue
            if not (streets.inside(u) or streets.inside(v)) or (u, v) in seen:
                continue
            seen.update(((u, v), (v, u)))
            steps.setdefault(u, []).append((v, forward, backward, speed, sidewalks, name))
            steps.setdefault(v, []).append((u, backward, forward, speed, sidewalks, name))
    junctions = {n for n, out in steps.items() if streets.inside(n) and len(out) != 2}
    chains = []
    for start in sorted(junctions):
        for step in steps[start]:
            chains.append(_walk(streets, steps, junctions, start, step))
    return [c for c in chains if c.a != c.b and (c.lanes_ab or c.lanes_ba)], junctions


def _walk(
    streets: OsmStreets, steps: dict[int, list[_Step]], junctions: set[int], start: int, step: _Step
) -> _Chain:
    """Follow a street from intersection ``start`` to the next intersection or out of the box."""
    previous, (node, ab, ba, speed, sidewalks, name) = start, step
    length = _metres(streets, start, node)
    travel_s, walk_m = length / speed, length if sidewalks else 0.0
    names, via = [name], []
    while node not in junctions and streets.inside(node):
        via.append((node, length))
        nxt = next(s for s in steps[node] if s[0] != previous)
        metres = _metres(streets, node, nxt[0])
        length += metres
        travel_s += metres / nxt[3]
        walk_m += metres if nxt[4] else 0.0
        ab, ba = min(ab, nxt[1]), min(ba, nxt[2])
        names.append(nxt[5])
        previous, node = node, nxt[0]
    named = next((n for n in names if n), "")
    return _Chain(start, node, length, ab, ba, length / travel_s, walk_m >= length / 2, named, via)


def _largest_strong_component(chains: list[_Chain]) -> set[int]:
    """Intersections of the largest set where each can be reached by car from every other."""
    nodes = sorted({c.a for c in chains} | {c.b for c in chains})
    index = {n: i for i, n in enumerate(nodes)}
    tails, heads = [], []
    for c in chains:
        if c.lanes_ab:
            tails.append(index[c.a])
            heads.append(index[c.b])
        if c.lanes_ba:
            tails.append(index[c.b])
            heads.append(index[c.a])
    matrix = csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(label)
    biggest = int(np.argmax(sizes))
    return {n for n, lab in zip(nodes, label.tolist(), strict=True) if lab == biggest}


def _merged(chains: list[_Chain], junctions: set[int]) -> list[_Chain]:
    """One street per pair of intersections (each street is found from both ends):
    parallel chains (a divided road's carriageways) add their lanes, the shorter giving
    length and speed."""
    by_pair: dict[tuple[int, int], _Chain] = {}
    for chain in chains:
        a, b = chain.a, chain.b
        inner = b in junctions
        key = (min(a, b), max(a, b)) if inner else (a, b)
        oriented = chain if a == key[0] else _reversed(chain)
        kept = by_pair.get(key)
        if kept is None:
            by_pair[key] = oriented
        elif [n for n, _ in kept.via] != [n for n, _ in oriented.via]:
            short = kept if kept.length_m <= oriented.length_m else oriented
            by_pair[key] = replace(
                short,
                lanes_ab=kept.lanes_ab + oriented.lanes_ab,
                lanes_ba=kept.lanes_ba + oriented.lanes_ba,
                via=kept.via + oriented.via,
            )
    return list(by_pair.values())


def _reversed(chain: _Chain) -> _Chain:
    return _Chain(
        chain.b, chain.a, chain.length_m, chain.lanes_ba, chain.lanes_ab, chain.speed_mps,
        chain.sidewalks, chain.name,
        [(n, chain.length_m - d) for n, d in reversed(chain.via)],
    )  # fmt: skip


def _controls(
    streets: OsmStreets, number: dict[int, int], chains: list[_Chain], legs: list[list[int]]
) -> tuple[list[str], set[tuple[int, int]]]:
    """Each intersection's control and the crosswalks the tags mark, (node, street)."""
    tagged: dict[int, set[str]] = {node: set() for node in number.values()}
    marked: set[tuple[int, int]] = set()
    for osm, node in number.items():
        feature = streets.features.get(osm)
        if feature is not None:
            tagged[node].add(feature)
            if feature == "crossing":
                marked.update((node, street) for street in legs[node])
    for street, chain in enumerate(chains):
        for osm, metres in chain.via:
            feature = streets.features.get(osm)
            if feature is None:
                continue
            near_b = chain.b in number and metres > chain.length_m / 2
            node = number[chain.b if near_b else chain.a]
            tagged[node].add(feature)
            if feature == "crossing":
                marked.add((node, street))
    control = [
        "signal" if "traffic_signals" in found else "stop" if "stop" in found else "priority"
        for _, found in sorted(tagged.items())
    ]
    return control, marked


def _walkable(graph: StreetGraph) -> tuple[StreetGraph, list[int]]:
    """``graph`` with the fewest unmarked crosswalks, then sidewalks, that let every
    street corner be walked to from every other; the streets given sidewalks."""
    n = graph.n_intersections
    legs = graph.legs
    base = np.zeros(n + 1, dtype=np.int64)
    base[1:] = np.cumsum([max(len(legs[i]), 1) for i in range(n)])
    parent = list(range(int(base[-1])))

    def find(corner: int) -> int:
        while parent[corner] != corner:
            parent[corner] = parent[parent[corner]]
            corner = parent[corner]
        return corner

    def join(pairs: list[tuple[int, int]]) -> bool:
        """Join corner pairs; whether any joined two parts."""
        joined = False
        for one, other in pairs:
            root, other_root = find(one), find(other)
            if root != other_root:
                parent[root] = other_root
                joined = True
        return joined

    def crossing(node: int, street: int) -> list[tuple[int, int]]:
        k, j = max(len(legs[node]), 1), graph.leg_of(node, street)
        return [(int(base[node]) + (j - 1) % k, int(base[node]) + j)]

    def sides(index: int) -> list[tuple[int, int]]:
        s = graph.streets[index]
        ja, jb = graph.leg_of(s.a, index), graph.leg_of(s.b, index)
        ka, kb = len(legs[s.a]), len(legs[s.b])
        ca, cb = int(base[s.a]), int(base[s.b])
        return [(ca + ja, cb + (jb - 1) % kb), (ca + (ja - 1) % ka, cb + jb)]

    inner = [i for i, s in enumerate(graph.streets) if s.a < n and s.b < n]
    crosswalks = set(graph.crosswalks or ())
    for node, street in crosswalks:
        join(crossing(node, street))
    for index in inner:
        if graph.streets[index].sidewalks:
            join(sides(index))
    for node in range(n):
        for street in legs[node]:
            if (node, street) not in crosswalks and join(crossing(node, street)):
                crosswalks.add((node, street))
    added = [i for i in inner if not graph.streets[i].sidewalks and join(sides(i))]
    streets = [replace(s, sidewalks=True) if i in added else s for i, s in enumerate(graph.streets)]
    return replace(graph, streets=streets, crosswalks=frozenset(crosswalks), _cache={}), added
