"""The ``city`` section: a rows x cols grid of equal blocks, or streets read from an
OpenStreetMap file; and the checks that tie other sections to the city's intersections."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from twin.scenario.base import Section, _value_error

if TYPE_CHECKING:
    from twin.scenario.schema import Scenario

__all__ = ["City", "anchor_paths", "city_problems"]

#: Intersections named in a message listing the valid ones.
SHOWN = 8


class City(Section):
    """The streets: a grid of signalised intersections joined by equal blocks with a
    sidewalk each side, or the drivable streets of an OpenStreetMap file in a box."""

    osm: str | None = Field(
        default=None,
        description="OpenStreetMap file (.osm or .osm.pbf) to read the streets from, relative "
        "to the scenario file (path; default: none, the rows x cols grid). See docs/districts.md.",
    )
    bbox: tuple[float, float, float, float] | None = Field(
        default=None,
        description="The district's box in the OpenStreetMap file: [west, south, east, north] "
        "(degrees of longitude and latitude; default: the whole file).",
    )
    rows: int = Field(
        default=4, ge=1, le=40, description="Grid only: intersections north to south (count)."
    )
    cols: int = Field(
        default=4, ge=1, le=40, description="Grid only: intersections west to east (count)."
    )
    block_length_m: float = Field(
        default=150.0,
        ge=20,
        le=2000,
        description="Grid only: distance between neighbouring intersections (m).",
    )
    lanes: int = Field(
        default=1,
        ge=1,
        le=4,
        description="Traffic lanes per direction; from OpenStreetMap, of streets without a "
        "lanes tag (count).",
    )
    lane_width_m: float = Field(default=3.5, ge=2.5, le=5, description="Width of one lane (m).")
    parking_lane_width_m: float = Field(
        default=0.0,
        ge=0,
        le=3,
        description="Width of the parking lane along each curb, crossed on every crosswalk "
        "(m; 0: none; about 2.5 where cars park: a street of two lanes each way with parking "
        "is about 17 m curb to curb).",
    )
    speed_limit_kmh: float = Field(
        default=50.0,
        ge=5,
        le=130,
        description="Speed limit, the vehicles' free-flow speed; from OpenStreetMap, of streets "
        "without a numeric maxspeed tag (km/h).",
    )
    speed_spread: float = Field(
        default=0.1,
        ge=0,
        le=0.3,
        description="Spread of drivers' desired speeds: each driver drives at the limit times "
        "a factor drawn once per trip, normal around 1 with this standard deviation and "
        "clipped to 0.2-2; the default 0.1 is SUMO's passenger cars (speedFactor normc(1, "
        "0.1, 0.2, 2)). Platoons disperse and a faster driver follows a slower one on its "
        "link (0: every driver at the limit).",
    )
    acceleration_mps2: float | None = Field(
        default=2.6,
        ge=0.5,
        le=5,
        description="Drivers' acceleration back to speed after a stop (m/s2; the default 2.6 "
        "is SUMO's passenger cars). A vehicle held at a stop line also loses the time of "
        "braking from and accelerating back to its speed, v / 2 deceleration + v / 2 "
        "acceleration, at most as long as it was held: 4.2 s a stop at 50 km/h. null: "
        "vehicles stop and start at once, the point queue's idealisation behind Webster's "
        "and HCM's delay formulas (stop-line delays are the same either way).",
    )
    deceleration_mps2: float = Field(
        default=4.5,
        ge=0.5,
        le=9,
        description="Drivers' braking to a stop (m/s2; counted with acceleration_mps2; 4.5 is "
        "SUMO's passenger cars).",
    )
    jam_spacing_m: float = Field(
        default=7.5,
        ge=4,
        le=20,
        description="Road length one queued vehicle takes, bumper to bumper; a block holds "
        "block_length_m x lanes / jam_spacing_m vehicles (m).",
    )
    backward_wave_kmh: float = Field(
        default=18.0,
        ge=5,
        le=40,
        description="Speed at which a place freed at a stop line travels back up a full link "
        "(km/h): the congested branch of the triangular flow-density diagram of the cell and "
        "link transmission models (Daganzo 1994; Yperman 2005), about 15-20 km/h in urban "
        "streets; 1800 veh/h a lane, 50 km/h and 7.5 m jam spacing give 18.5 km/h.",
    )
    spillback: bool = Field(
        default=True,
        description="Links hold a finite number of vehicles and a full link blocks the "
        "approaches feeding it (true/false; false: unlimited point queues, for comparison).",
    )

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, bbox: tuple[float, float, float, float] | None) -> Any:
        if bbox is None:
            return bbox
        west, south, east, north = bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            reason = (
                "is not [west, south, east, north] with west < east (longitudes -180 to 180) "
                "and south < north (latitudes -90 to 90)"
            )
            raise _value_error("bbox_order", list(bbox), reason)
        return bbox

    @property
    def is_grid(self) -> bool:
        """Whether the streets are the rows x cols grid (not read from a file)."""
        return self.osm is None

    @property
    def crossing_width_m(self) -> float:
        """Curb-to-curb length of a crosswalk: both directions' lanes and parking (m)."""
        return 2 * self.lanes * self.lane_width_m + 2 * self.parking_lane_width_m

    def stop_loss_s(self, speed_mps: float) -> float:
        """Time a full stop costs beyond the wait at a street of ``speed_mps``: braking
        from and accelerating back to it (0 without ``acceleration_mps2``)."""
        if self.acceleration_mps2 is None:
            return 0.0
        return speed_mps / (2 * self.deceleration_mps2) + speed_mps / (2 * self.acceleration_mps2)

    @property
    def speed_mps(self) -> float:
        """Vehicle free-flow speed (m/s)."""
        return self.speed_limit_kmh / 3.6

    @property
    def link_storage(self) -> float:
        """Vehicles one block holds in all its lanes (inf without spillback)."""
        if not self.spillback:
            return float("inf")
        return max(1, int(self.block_length_m * self.lanes / self.jam_spacing_m))


def anchor_paths(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``data`` with a relative ``city.osm`` made relative to ``folder`` (the scenario
    file's), so a scenario finds its map wherever it is run from."""
    city = data.get("city")
    if isinstance(city, dict) and isinstance(city.get("osm"), str):
        path = Path(city["osm"]).expanduser()
        if not path.is_absolute():
            data = {**data, "city": {**city, "osm": str((folder / path).resolve())}}
    return data


def city_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """(field path, message) for the city and every key that names one of its nodes:
    signal overrides, the ambulance station, demand weights, counts."""
    problems = _city_problems(scenario)
    demand = scenario.demand
    if problems or not (scenario.counts or demand.origin_weights or demand.destination_weights):
        return problems
    from twin.district.city import street_graph
    from twin.scenario.counts import count_problems

    graph = street_graph(scenario)
    boundary = [graph.label[node] for node in graph.boundary_nodes]
    for key in ("origin_weights", "destination_weights"):
        for label in getattr(demand, key):
            if label not in boundary:
                shown = _some(boundary, len(boundary)).replace("district's", "boundary nodes")
                message = f"{label!r} is not a boundary node; {shown}"
                problems.append((f"demand.{key}", message))
    links = {(graph.label[tail], graph.label[head]) for tail, head, _ in graph.links}
    return problems + count_problems(scenario, graph.label, links)


def _city_problems(scenario: Scenario) -> list[tuple[str, str]]:
    city = scenario.city
    if city.is_grid:
        problems = []
        if city.bbox is not None:
            problems.append(("city.bbox", "is given without city.osm, the file it cuts"))
        if scenario.emergency.station_node is not None:
            message = "names an OpenStreetMap node, but the city is a grid: give station_row/col"
            problems.append(("emergency.station_node", message))
        for i, override in enumerate(scenario.signals.overrides):
            if isinstance(override.at, int):
                message = f"{override.at} is a node id, but the city is a grid: give [row, col]"
                problems.append((f"signals.overrides[{i}].at", message))
        return problems
    from twin.district.city import osm_import
    from twin.district.osm_file import OsmError

    try:
        district = osm_import(city)
    except OsmError as error:
        return [(f"city.{error.field}", str(error))]
    graph = district.graph
    problems = []
    for key in ("station_row", "station_col"):
        if getattr(scenario.emergency, key) is not None:
            message = (
                "is a grid position, but the city is read from OpenStreetMap: give station_node"
            )
            problems.append((f"emergency.{key}", message))
    station = scenario.emergency.station_node
    if station is not None and not _is_intersection(district.osm_id, graph, station):
        shown = _some(graph.label, graph.n_intersections)
        message = f"{station} is not an intersection of the district; {shown}"
        problems.append(("emergency.station_node", message))
    signalised = graph.signalised()
    for i, override in enumerate(scenario.signals.overrides):
        path = f"signals.overrides[{i}].at"
        if not isinstance(override.at, int):
            message = (
                f"{list(override.at)} is a grid position, but the city is read from "
                "OpenStreetMap: give the node id of a signalised intersection"
            )
            problems.append((path, message))
        elif str(override.at) not in {graph.label[node] for node in signalised}:
            shown = _some([graph.label[node] for node in signalised], len(signalised))
            problems.append((path, f"{override.at} is not a signalised intersection; {shown}"))
    return problems


def _is_intersection(osm_id: Sequence[int], graph: Any, node: int) -> bool:
    return node in osm_id[: graph.n_intersections]


def _some(labels: Sequence[str], count: int) -> str:
    shown = ", ".join(labels[: min(count, SHOWN)])
    more = f" and {count - SHOWN} more" if count > SHOWN else ""
    return f"the district's are {shown}{more}"
