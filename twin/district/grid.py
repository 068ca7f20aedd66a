"""The rows x cols district of equal blocks, as a street graph.

Intersection (r, c) sits at x = c x block, y = -r x block (row 0 is the north edge).
Each intersection on the edge has a street leaving the district on that side, one
block long, to a boundary node where vehicles enter and leave; boundary nodes are
numbered around the edge clockwise from the north-west corner (north side west to
east, east side north to south, south side east to west, west side south to north).
Every intersection is signalised; every leg has a crosswalk; streets inside the grid
have a sidewalk on each side (the streets leaving it have none modelled).
"""

from __future__ import annotations

import numpy as np

from twin.district.street_graph import BOUNDARY, Street, StreetGraph, local_to_latlon

__all__ = ["grid_graph"]


def grid_graph(
    rows: int,
    cols: int,
    block_length_m: float,
    lanes: int,
    speed_mps: float,
    lane_width_m: float = 3.5,
    origin: tuple[float, float] = (0.0, 0.0),
    parking_width_m: float = 0.0,
) -> StreetGraph:
    """A grid of ``rows`` x ``cols`` signalised intersections, ``lanes`` each way."""
    x = [c * block_length_m for _ in range(rows) for c in range(cols)]
    y = [-r * block_length_m for r in range(rows) for _ in range(cols)]
    labels = [f"({r}, {c})" for r in range(rows) for c in range(cols)]
    streets: list[Street] = []

    def street(a: int, b: int, sidewalks: bool) -> None:
        streets.append(Street(a, b, block_length_m, lanes, lanes, speed_mps, sidewalks))

    for r in range(rows):
        for c in range(cols):
            node = r * cols + c
            if c + 1 < cols:
                street(node, node + 1, True)
            if r + 1 < rows:
                street(node, node + cols, True)
    # (intersection, dx, dy) of each street leaving the district, clockwise from the NW
    edges = [(c, 0, 1) for c in range(cols)]
    edges += [(r * cols + cols - 1, 1, 0) for r in range(rows)]
    edges += [((rows - 1) * cols + c, 0, -1) for c in reversed(range(cols))]
    edges += [(r * cols, -1, 0) for r in reversed(range(rows))]
    for node, dx, dy in edges:
        boundary = len(x)
        x.append(x[node] + dx * block_length_m)
        y.append(y[node] + dy * block_length_m)
        labels.append(f"edge {len(labels) - rows * cols}")
        street(node, boundary, False)
    xs, ys = np.array(x, dtype=float), np.array(y, dtype=float)
    lat, lon = local_to_latlon(xs, ys, origin)
    control = ["signal"] * (rows * cols) + [BOUNDARY] * len(edges)
    return StreetGraph(
        xs, ys, lat, lon, control, labels, streets, lane_width_m, parking_width_m=parking_width_m
    )
