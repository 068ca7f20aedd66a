"""The district map of the explorer, drawn with matplotlib (no Mesa space needed).

Streets and sidewalks, signal states per approach, queues at stop lines,
vehicles driving, pedestrians walking (reduced mobility in their own colour) and
waiting at curbs, ambulances, snow on sidewalks and heating, and sensors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from twin.app.adapter import crosswalk_xy
from twin.durations import format_duration

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from agents.approach import Approach
    from twin.app.adapter import ExplorerModel
    from twin.services.base import SegmentLayer

#: Colours (colour-blind-safe where it matters).
COLOURS = {
    "green": "#1a9850",
    "yellow": "#fdae61",
    "red": "#d73027",
    "queue": "#7f2704",
    "vehicle": "#2166ac",
    "walker": "#01665e",
    "impaired": "#c51b7d",
    "waiting": "#e08214",
    "ambulance": "#ff0000",
    "sensor": "#542788",
    "seen": "#8073ac",
    "identified": "#d01c8b",
    "compromised": "#b2182b",
}
QUEUE_DOT_M = 7.5  # length of one queued vehicle on the map (m)
STOP_LINE_M = 20.0  # stop lines are drawn this far back from the intersection's centre (m)
QUEUE_DRAWN_MAX = 20
#: Components drawn on every intersection when an attack takes them down.
NODE_COMPONENTS = frozenset({"signal_controllers", "preemption_detectors"})


def down_intersections(model: ExplorerModel, down: set[str]) -> set[int]:
    """Intersections whose controller (``signal_controllers:N``) or detectors are down;
    a component named without ``:N`` stands for every intersection."""
    every = {i.node for i in model.streets.intersections}
    nodes: set[int] = set()
    for name in down:
        kind, _, index = name.partition(":")
        if kind in NODE_COMPONENTS:
            nodes |= {int(index)} if index.isdigit() else every
    return nodes & every


def sensor_positions(model: ExplorerModel) -> dict[str, np.ndarray]:
    """Where each placeable sensor is, by sensor name ((n, 2) blocks), as its service says
    (``Service.sensor_sites``); sensors with no sites are listed, not placed."""
    segments = model.walkways.segment_array()
    out: dict[str, np.ndarray] = {}
    for service in model.services.values():
        for name, sites in service.sensor_sites().items():
            xy = [model.node_xy(node) for node in sites.nodes]
            xy += [crosswalk_xy(model.walkways, node, leg) for node, leg in sites.crosswalks]
            xy += [tuple(segments[s].mean(axis=0)) for s in sites.segments]
            if xy:
                out[name] = np.asarray(xy, dtype=float).reshape(-1, 2)
    return out


def detection_positions(model: ExplorerModel) -> np.ndarray:
    """(n, 3): x, y and identified (0/1) of each place a sensor saw someone this frame."""
    detections = model.detections
    if not len(detections.sensor):
        return np.empty((0, 3))
    segments = model.walkways.segment_array()
    rows = []
    for node, segment, identified in zip(
        detections.node.tolist(),
        detections.segment.tolist(),
        detections.identified.tolist(),
        strict=True,
    ):
        if node >= 0:
            x, y = model.node_xy(node)
        elif 0 <= segment < len(segments):
            x, y = segments[segment].mean(axis=0)
        else:
            continue
        rows.append((x, y, float(identified)))
    return np.unique(np.array(rows).reshape(-1, 3), axis=0)


def compromised(model: ExplorerModel) -> set[str]:
    """Components out of order now: the services' recorded outages, plus whatever
    the model reports as compromised (a security layer's ``compromised``, if any)."""
    now = model.env.now
    down = {
        outage.component
        for service in model.services.values()
        for outage in getattr(service, "outages", ())
        if outage.start_s <= now < outage.end_s
    }
    reported = getattr(model, "compromised", None)
    if callable(reported):
        reported = reported()
    if isinstance(reported, (set, frozenset, list, tuple, dict)):
        down |= {str(component) for component in reported}
    return down


def signal_colour(model: ExplorerModel, approach: Approach) -> str:
    """Green, yellow or red for traffic on ``approach`` (red at an all-way stop)."""
    controller = model.streets.intersections[approach.node].controller
    now = model.env.now
    if controller is None or controller.flashing or controller.phase != approach.phase:
        return COLOURS["red"]
    if now < controller.green_end_s:
        return COLOURS["green"]
    if now < controller.green_end_s + controller.timing.yellow_s:
        return COLOURS["yellow"]
    return COLOURS["red"]


def draw_district(model: ExplorerModel, ax: Axes) -> dict[str, int]:
    """Draw the district now on ``ax``; returns how many of each thing were drawn."""
    graph = model.graph
    counts: dict[str, int] = {}
    ax.set_facecolor("#f7f7f7")
    # streets, out to the district's edge
    streets = [[model.node_xy(s.a), model.node_xy(s.b)] for s in graph.streets]
    width = 60.0 / np.sqrt(max(graph.n_intersections, 1))
    ax.add_collection(LineCollection(streets, colors="#bdbdbd", linewidths=width, zorder=0))
    # sidewalks, and what the services show on them (snow, heating ...)
    segments = model.walkways.segment_array()
    if len(segments):
        ax.add_collection(LineCollection(list(segments), colors="#969696", linewidths=2, zorder=1))
    for layer in map_layers(model):
        drawn = layer.shade > 0
        if not drawn.any():
            continue
        if layer.colour in matplotlib.colormaps:
            colours = matplotlib.colormaps[layer.colour](layer.shade[drawn])
        else:
            colours = matplotlib.colors.to_rgba(layer.colour)
        ax.add_collection(
            LineCollection(
                list(segments[drawn]),
                colors=colours,
                linewidths=1.2 if layer.dashed else 3,
                linestyles="dashed" if layer.dashed else "solid",
                zorder=2 if layer.dashed else 1,
            )
        )
        counts[layer.label] = int(drawn.sum())
    # signals and queues (one scatter each: per-marker plot calls are slow)
    queued = 0
    signal_xy, signal_colours, queue_xy = [], [], []
    for inter in model.streets.intersections:
        for approach in inter.approaches:
            (x0, y0), (x1, y1) = model.link_points(approach.link)
            length = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
            ux, uy = (x1 - x0) / length, (y1 - y0) / length
            # the stop line sits upstream of the node, on the right-hand side
            sx, sy = x1 - STOP_LINE_M * ux, y1 - STOP_LINE_M * uy
            signal_xy.append((sx, sy))
            signal_colours.append(signal_colour(model, approach))
            q = approach.queue_length
            queued += q
            for k in range(1, min(q, QUEUE_DRAWN_MAX) + 1):
                queue_xy.append((sx - k * QUEUE_DOT_M * ux, sy - k * QUEUE_DOT_M * uy))
    points = np.array(signal_xy).reshape(-1, 2)
    ax.scatter(points[:, 0], points[:, 1], s=22, marker="s", c=signal_colours, zorder=4)
    points = np.array(queue_xy).reshape(-1, 2)
    ax.scatter(points[:, 0], points[:, 1], s=8, marker="s", c=COLOURS["queue"], zorder=3)
    counts["queued"] = queued
    # vehicles driving
    vehicles = model.vehicle_positions()
    ax.scatter(vehicles[:, 0], vehicles[:, 1], s=14, marker="s", c=COLOURS["vehicle"], zorder=5)
    counts["vehicles_moving"] = len(vehicles)
    # pedestrians waiting at curbs (the circle grows with the crowd)
    curbs, crowd = [], []
    for inter in model.streets.intersections:
        for crosswalk in inter.crosswalks:
            if crosswalk.waiting:
                curbs.append(crosswalk_xy(model.walkways, inter.node, crosswalk.leg))
                crowd.append(crosswalk.waiting)
    points = np.array(curbs).reshape(-1, 2)
    sizes = 12 + 8 * np.array(crowd, dtype=float)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        s=sizes,
        c=COLOURS["waiting"],
        alpha=0.8,
        edgecolors="none",
        zorder=6,
    )
    counts["waiting"] = int(sum(crowd))
    waiting = counts["waiting"]
    # pedestrians walking
    walkers, impaired = model.pedestrian_positions()
    for chosen, colour, size in ((~impaired, "walker", 6), (impaired, "impaired", 14)):
        xy = walkers[chosen]
        ax.scatter(xy[:, 0], xy[:, 1], s=size, c=COLOURS[colour], edgecolors="none", zorder=7)
    counts["walking"] = len(walkers)
    counts["walking_impaired"] = int(impaired.sum())
    # ambulances
    ambulances = model.ambulance_positions()
    if len(ambulances):
        ax.scatter(
            ambulances[:, 0],
            ambulances[:, 1],
            s=90,
            marker="P",
            c=COLOURS["ambulance"],
            edgecolors="white",
            zorder=9,
        )
    counts["ambulances"] = len(ambulances)
    # sensors where they are, what they saw this frame, and what an attack took down
    down = compromised(model)
    sensors = 0
    for name, xy in sensor_positions(model).items():
        hit = name in down
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=30 if hit else 12,
            marker="x" if hit else "v",
            c=COLOURS["compromised"] if hit else COLOURS["sensor"],
            zorder=8,
        )
        sensors += len(xy)
    counts["sensors"] = sensors
    seen = detection_positions(model)
    for identified, colour in ((False, "seen"), (True, "identified")):
        xy = seen[seen[:, 2] == identified][:, :2]
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=70,
            facecolors="none",
            edgecolors=COLOURS[colour],
            linewidths=1.4,
            zorder=8,
        )
    counts["detections"] = len(model.detections.sensor)
    counts["identified"] = int(model.detections.identified.sum())
    fallen = down_intersections(model, down)
    if fallen:
        nodes = np.array([model.node_xy(node) for node in sorted(fallen)])
        ax.scatter(
            nodes[:, 0],
            nodes[:, 1],
            s=260,
            marker="s",
            facecolors="none",
            edgecolors=COLOURS["compromised"],
            linewidths=2.0,
            zorder=9,
        )
    counts["compromised"] = len(down)
    # frame: the district and its edge, north up
    x0, y0, x1, y1 = graph.extent_m()
    pad = 0.12 * max(x1 - x0, y1 - y0, 100.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    clock = format_duration(model.env.now)
    ax.set_title(
        f"{model.spec.name}  t = {clock}  |  vehicles {model.traffic.active} "
        f"(queued {queued})  |  walking {len(walkers)}, at curbs {waiting}",
        fontsize=9,
    )
    ax.legend(
        handles=_legend(model),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=4,
        fontsize=7,
        frameon=False,
    )
    return counts


def _legend(model: ExplorerModel) -> list[Line2D]:
    def marker(label: str, colour: str, shape: str = "o", size: float = 6) -> Line2D:
        return Line2D([], [], ls="", marker=shape, color=colour, ms=size, label=label)

    handles = [
        marker("vehicle", COLOURS["vehicle"], "s", 5),
        marker("queued vehicle", COLOURS["queue"], "s", 4),
        marker("pedestrian", COLOURS["walker"], "o", 4),
        marker("reduced mobility", COLOURS["impaired"], "o", 6),
        marker("waiting at curb", COLOURS["waiting"], "o", 7),
        marker("green / yellow / red", COLOURS["green"], "s", 5),
    ]
    if model.has_ambulances:
        handles.append(marker("ambulance", COLOURS["ambulance"], "P", 8))
    if sensor_positions(model):
        handles.append(marker("sensor", COLOURS["sensor"], "v", 5))
        for key, label in (("seen", "saw someone"), ("identified", "identified someone")):
            colour = COLOURS[key]
            handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec=colour, ms=8))
            handles[-1].set_label(label)
    if compromised(model):
        handles.append(marker("compromised", COLOURS["compromised"], "x", 7))
    for layer in map_layers(model):
        colour = layer.colour
        if colour in matplotlib.colormaps:
            colour = matplotlib.colors.to_hex(matplotlib.colormaps[colour](0.7))
        style = "--" if layer.dashed else "-"
        handles.append(Line2D([], [], color=colour, lw=1.2 if layer.dashed else 3, ls=style))
        handles[-1].set_label(layer.label)
    return handles


def map_layers(model: ExplorerModel) -> list[SegmentLayer]:
    """What the running services show on the sidewalks now."""
    return [layer for service in model.services.values() for layer in service.map_layers()]


def district_figure(model: ExplorerModel) -> tuple[Figure, dict[str, int]]:
    """A new figure with the district map (no pyplot: safe in a server thread)."""
    figure = Figure(figsize=(6.0, 6.2), dpi=100)
    ax = figure.add_subplot()
    counts = draw_district(model, ax)
    figure.subplots_adjust(left=0.02, right=0.98, top=0.94, bottom=0.1)
    return figure, counts
