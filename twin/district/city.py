"""The district's street graph, from whichever generator the scenario names: the rows x
cols grid (:mod:`twin.district.grid`) or an OpenStreetMap file (:mod:`twin.district.osm`);
and the intersections other sections name (signal overrides, the ambulance station)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from twin.district.grid import grid_graph
from twin.district.street_graph import StreetGraph

if TYPE_CHECKING:
    from twin.district.osm import OsmDistrict, StreetDefaults
    from twin.scenario import Scenario
    from twin.scenario.city import City

__all__ = ["intersection_key", "osm_import", "station_intersection", "street_graph"]


def street_graph(scenario: Scenario) -> StreetGraph:
    """The scenario's streets: its OpenStreetMap extract, else its grid."""
    city = scenario.city
    if not city.is_grid:
        return osm_import(city).graph
    return grid_graph(
        city.rows,
        city.cols,
        city.block_length_m,
        city.lanes,
        city.speed_mps,
        city.lane_width_m,
        parking_width_m=city.parking_lane_width_m,
    )


def osm_import(city: City) -> OsmDistrict:
    """The district read from ``city.osm`` (read once per process while the file is
    unchanged).

    Raises:
        OsmError: the file or box gives no district.
    """
    assert city.osm is not None
    stat = os.stat(city.osm) if os.path.isfile(city.osm) else None
    stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
    from twin.district.osm import StreetDefaults  # scipy: only for a map

    defaults = StreetDefaults(city.lanes, city.speed_limit_kmh, city.lane_width_m)
    return _read(city.osm, city.bbox, defaults, stamp)


@lru_cache(maxsize=4)
def _read(
    path: str,
    bbox: tuple[float, float, float, float] | None,
    defaults: StreetDefaults,
    stamp: tuple[int, int] | None,
) -> OsmDistrict:
    from twin.district.osm import osm_district
    from twin.district.osm_file import read_osm

    return osm_district(read_osm(path, bbox), defaults)


def intersection_key(scenario: Scenario, graph: StreetGraph, node: int) -> tuple[int, ...]:
    """How the scenario names intersection ``node``: (row, col) on a grid, (OSM node id,)
    on a map (the key of ``signals.overrides[].at``)."""
    if scenario.city.is_grid:
        return divmod(node, scenario.city.cols)
    return (int(graph.label[node]),)


def station_intersection(scenario: Scenario, graph: StreetGraph) -> int:
    """The ambulance station's intersection: ``emergency.station_row/col`` on a grid (default
    the centre), ``emergency.station_node`` on a map (default the intersection nearest the
    centre of the district's extent)."""
    if scenario.city.is_grid:
        row, col = scenario.station_node
        return row * scenario.city.cols + col
    wanted = scenario.emergency.station_node
    if wanted is not None:
        return graph.label.index(str(wanted))
    n = graph.n_intersections
    x0, y0, x1, y1 = graph.extent_m()
    distance = np.hypot(graph.x_m[:n] - (x0 + x1) / 2, graph.y_m[:n] - (y0 + y1) / 2)
    return int(np.argmin(distance))
