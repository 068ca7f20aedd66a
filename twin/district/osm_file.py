"""Read the drivable streets of an OpenStreetMap file inside a bounding box, offline.

The file (``.osm`` XML or ``.osm.pbf``) is read with pyosmium in three passes, so memory
grows with the district, not the file: the nodes inside the box, then the drivable ways
that touch them, then the positions and tags of those ways' nodes (including the first
node outside the box, where a street leaves the district).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin.errors import TwinError

__all__ = [
    "DRIVABLE",
    "FEATURES",
    "Bbox",
    "OsmError",
    "OsmStreets",
    "OsmWay",
    "read_osm",
]

#: ``highway`` values a car may drive on (OSM wiki, Key:highway: the road classes and
#: their ``_link`` ramps). Service roads, tracks and paths are left out.
DRIVABLE = frozenset(
    (
        "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified",
        "residential", "living_street", "motorway_link", "trunk_link", "primary_link",
        "secondary_link", "tertiary_link",
    )
)  # fmt: skip
#: ``access`` / ``motor_vehicle`` / ``motorcar`` values that close a way to cars.
CLOSED = frozenset(("no", "private"))
#: Way tags the district builder reads.
WAY_KEYS = (
    "highway", "name", "oneway", "junction", "lanes", "lanes:forward", "lanes:backward",
    "maxspeed", "sidewalk",
)  # fmt: skip
#: Node ``highway`` values the builder turns into controls and crosswalks.
FEATURES = frozenset(("traffic_signals", "crossing", "stop", "give_way"))
#: (west, south, east, north) in degrees of longitude and latitude.
Bbox = tuple[float, float, float, float]


class OsmError(TwinError):
    """An OpenStreetMap file that cannot give a district: what is wrong, in words, and
    which key of the ``city`` section to change (``osm`` or ``bbox``)."""

    def __init__(self, message: str, field: str = "osm") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OsmWay:
    """A drivable way: its OSM id, node ids in order, and the tags the builder reads."""

    id: int
    refs: tuple[int, ...]
    tags: dict[str, str]


@dataclass
class OsmStreets:
    """What a file holds in a box: drivable ways, node positions, tagged nodes.

    Attributes:
        bbox: the box read.
        file_bounds: the area the file covers (its header's box, else its nodes' extent).
        ways: drivable ways with at least one node in the box.
        lat, lon: position of every node those ways use that the file has.
        features: ``highway`` value of tagged nodes on those ways (signals, crossings,
            stop and give-way signs).
    """

    bbox: Bbox
    file_bounds: Bbox
    ways: list[OsmWay] = field(default_factory=list)
    lat: dict[int, float] = field(default_factory=dict)
    lon: dict[int, float] = field(default_factory=dict)
    features: dict[int, str] = field(default_factory=dict)

    def inside(self, node: int) -> bool:
        """Whether ``node`` lies in the box."""
        return _within(self.bbox, self.lat[node], self.lon[node])


def read_osm(path: str | Path, bbox: Bbox | None = None) -> OsmStreets:
    """The drivable streets of the OSM file at ``path`` within ``bbox`` (default: the
    whole file).

    Raises:
        OsmError: the file cannot be read, or the box lies outside it.
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise OsmError(f"{path}: file not found")
    try:
        header_box = osmium.io.Reader(str(path), osmium.osm.NOTHING).header().box()
        inside, extent = _nodes_inside(osmium, path, bbox)
    except RuntimeError as error:  # libosmium's parse and format errors
        message = f"{path}: not a readable OpenStreetMap file (.osm, .osm.pbf): {error}"
        raise OsmError(message) from None
    if extent is None:
        raise OsmError(f"{path}: the file holds no nodes")
    bounds = extent
    if header_box.valid():
        bottom, top = header_box.bottom_left, header_box.top_right
        bounds = (bottom.lon, bottom.lat, top.lon, top.lat)
    box = bounds if bbox is None else bbox
    if not _overlap(box, bounds):
        raise OsmError(
            f"{path}: bbox {_show(box)} lies outside the file's area {_show(bounds)} "
            "(west, south, east, north in degrees)",
            "bbox",
        )
    streets = OsmStreets(box, bounds)
    wanted: set[int] = set()
    for way in _entities(path, osmium.osm.WAY, osmium.filter.KeyFilter("highway")):
        tags = way.tags
        if tags.get("highway") not in DRIVABLE or _closed(tags):
            continue
        refs = tuple(n.ref for n in way.nodes)
        if inside is not None and not any(ref in inside for ref in refs):
            continue
        kept = {key: tags[key] for key in WAY_KEYS if key in tags}
        streets.ways.append(OsmWay(way.id, refs, kept))
        wanted.update(refs)
    for node in _entities(path, osmium.osm.NODE, osmium.filter.IdFilter(wanted)):
        if not node.location.valid():
            continue
        streets.lat[node.id] = node.location.lat
        streets.lon[node.id] = node.location.lon
        highway = node.tags.get("highway")
        if highway in FEATURES:
            streets.features[node.id] = highway
        elif "crossing" in node.tags:  # a crossing tagged only by its kind
            streets.features[node.id] = "crossing"
    return streets


def _entities(path: Path, kind: Any, only: Any = None) -> Iterator[Any]:
    """The file's objects of ``kind`` (``osmium.osm.NODE`` or ``WAY``), through a filter."""
    import osmium

    processor = osmium.FileProcessor(str(path), kind)
    return iter(processor if only is None else processor.with_filter(only))


def _nodes_inside(osmium, path: Path, bbox: Bbox | None) -> tuple[set[int] | None, Bbox | None]:  # type: ignore[no-untyped-def]
    """Ids of the nodes in ``bbox`` (None without a box) and the extent of all nodes."""
    inside: set[int] | None = None if bbox is None else set()
    west = south = float("inf")
    east = north = float("-inf")
    for node in _entities(path, osmium.osm.NODE):
        location = node.location
        if not location.valid():
            continue
        lat, lon = location.lat, location.lon
        west, east = min(west, lon), max(east, lon)
        south, north = min(south, lat), max(north, lat)
        if inside is not None and bbox is not None and _within(bbox, lat, lon):
            inside.add(node.id)
    if west > east:
        return inside, None
    return inside, (west, south, east, north)


def _within(box: Bbox, lat: float, lon: float) -> bool:
    return box[1] <= lat <= box[3] and box[0] <= lon <= box[2]


def _overlap(box: Bbox, bounds: Bbox) -> bool:
    """Whether two boxes share some area."""
    return (
        box[0] <= bounds[2] and bounds[0] <= box[2] and box[1] <= bounds[3] and bounds[1] <= box[3]
    )


def _closed(tags) -> bool:  # type: ignore[no-untyped-def]
    """Whether the way's access tags close it to cars."""
    return any(tags.get(key) in CLOSED for key in ("access", "motor_vehicle", "motorcar"))


def _show(box: Bbox) -> str:
    return "[" + ", ".join(f"{value:.6f}" for value in box) + "]"
