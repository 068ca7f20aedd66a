"""The district map of the explorer, drawn with matplotlib (no Mesa space needed).

Streets and sidewalks, signal states per approach, queues at stop lines, vehicles
driving, pedestrians walking (reduced mobility in their own colour) and waiting at
curbs, ambulances, snow on sidewalks and heating, sensors and what they saw, and what
an attack took down. Positions are metres (x east, y north).

One :class:`MapPainter` per model keeps its figure: streets and sidewalks are drawn
once, and a frame only moves the markers and recolours the signals, then encodes the
figure (no new figure, no legend or title redrawn: they are the page's text).
"""

from __future__ import annotations

import io
import weakref
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image

from twin.app.adapter import crosswalk_xy
from twin.simulation.outcomes import components_down

if TYPE_CHECKING:
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
EMPTY = np.empty((0, 2))


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
    """Components out of order now (``twin.simulation.outcomes.components_down``: the
    number the costs panel and the DataCollector's ``components_down`` show too)."""
    return components_down(model)


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


def map_layers(model: ExplorerModel) -> list[SegmentLayer]:
    """What the running services show on the sidewalks now."""
    return [layer for service in model.services.values() for layer in service.map_layers()]


def legend_items(model: ExplorerModel) -> list[tuple[str, str, str]]:
    """(symbol, colour, label) of what the map can show, for the page's legend."""
    items = [
        ("■", COLOURS["vehicle"], "vehicle"),
        ("■", COLOURS["queue"], "queued vehicle"),
        ("●", COLOURS["walker"], "pedestrian"),
        ("●", COLOURS["impaired"], "reduced mobility"),
        ("●", COLOURS["waiting"], "waiting at a curb"),
        ("■", COLOURS["green"], "green"),
        ("■", COLOURS["yellow"], "yellow"),
        ("■", COLOURS["red"], "red signal"),
    ]
    if model.has_ambulances:
        items.append(("✚", COLOURS["ambulance"], "ambulance"))
    if sensor_positions(model):
        items += [
            ("▼", COLOURS["sensor"], "sensor"),
            ("○", COLOURS["seen"], "saw someone"),
            ("○", COLOURS["identified"], "identified someone"),
        ]
    items.append(("✕", COLOURS["compromised"], "out of order (attack)"))
    for layer in map_layers(model):
        colour = layer.colour
        if colour in matplotlib.colormaps:
            colour = matplotlib.colors.to_hex(matplotlib.colormaps[colour](0.7))
        items.append(("┅" if layer.dashed else "━", colour, layer.label))
    return items


class MapPainter:
    """The map of one model in a figure that is kept between frames."""

    def __init__(self, model: ExplorerModel, size: tuple[float, float] = (6.0, 5.2)) -> None:
        self.model = model
        self.figure = Figure(figsize=size, dpi=100)
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.axes = self.figure.add_axes((0.01, 0.01, 0.98, 0.98))
        graph = model.graph
        ax.set_facecolor("#f7f7f7")
        streets = [[model.node_xy(s.a), model.node_xy(s.b)] for s in graph.streets]
        width = 60.0 / np.sqrt(max(graph.n_intersections, 1))
        ax.add_collection(LineCollection(streets, colors="#bdbdbd", linewidths=width, zorder=0))
        self.segments = model.walkways.segment_array()
        if len(self.segments):
            ax.add_collection(
                LineCollection(list(self.segments), colors="#969696", linewidths=2, zorder=1)
            )
        self.layers: dict[str, LineCollection] = {}
        # stop lines, upstream of each node on the right-hand side (fixed places)
        self.approaches = [a for i in model.streets.intersections for a in i.approaches]
        stops, ahead = [], []
        for approach in self.approaches:
            (x0, y0), (x1, y1) = model.link_points(approach.link)
            length = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
            ux, uy = (x1 - x0) / length, (y1 - y0) / length
            stops.append((x1 - STOP_LINE_M * ux, y1 - STOP_LINE_M * uy))
            ahead.append((ux, uy))
        self.stops = np.array(stops).reshape(-1, 2)
        self.ahead = np.array(ahead).reshape(-1, 2)
        self.signals = self._dots(22, "s", COLOURS["red"], 4, self.stops)
        self.queues = self._dots(8, "s", COLOURS["queue"], 3)
        self.vehicles = self._dots(14, "s", COLOURS["vehicle"], 5)
        self.crowds = ax.scatter(
            [], [], s=[], c=COLOURS["waiting"], alpha=0.8, edgecolors="none", zorder=6
        )
        self.walkers = self._dots(6, "o", COLOURS["walker"], 7)
        self.impaired = self._dots(14, "o", COLOURS["impaired"], 7)
        self.ambulances = ax.scatter(
            [], [], s=90, marker="P", c=COLOURS["ambulance"], edgecolors="white", zorder=9
        )
        self.sensors = {
            name: (
                self._dots(12, "v", COLOURS["sensor"], 8, xy),
                self._dots(30, "x", COLOURS["compromised"], 8, xy),
            )
            for name, xy in sensor_positions(model).items()
        }
        self.seen = [
            ax.scatter([], [], s=70, facecolors="none", edgecolors=COLOURS[key], linewidths=1.4,
                       zorder=8)
            for key in ("seen", "identified")
        ]  # fmt: skip
        self.fallen = ax.scatter(
            [], [], s=260, marker="s", facecolors="none", edgecolors=COLOURS["compromised"],
            linewidths=2.0, zorder=9,
        )  # fmt: skip
        x0, y0, x1, y1 = graph.extent_m()
        pad = 0.12 * max(x1 - x0, y1 - y0, 100.0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])

    def _dots(
        self, size: float, marker: str, colour: str, zorder: int, xy: np.ndarray = EMPTY
    ) -> PathCollection:
        edges = None if marker == "x" else "none"  # an "x" is all edge
        return self.axes.scatter(
            xy[:, 0], xy[:, 1], s=size, marker=marker, c=colour, zorder=zorder, edgecolors=edges
        )

    def update(self) -> dict[str, int]:
        """Move the markers to the model's state now; returns how many of each are drawn."""
        model = self.model
        counts: dict[str, int] = {}
        for layer in map_layers(model):
            counts[layer.label] = self._layer(layer)
        colours = [signal_colour(model, approach) for approach in self.approaches]
        self.signals.set_facecolor([to_rgba(c) for c in colours])
        lengths = np.array([a.queue_length for a in self.approaches], dtype=int)
        shown = np.minimum(lengths, QUEUE_DRAWN_MAX)
        which = np.repeat(np.arange(len(shown)), shown)
        place = np.concatenate([np.arange(1, n + 1) for n in shown] + [np.zeros(0, dtype=int)])
        offsets = self.stops[which] - QUEUE_DOT_M * place[:, None] * self.ahead[which]
        self.queues.set_offsets(offsets.reshape(-1, 2))
        counts["queued"] = int(lengths.sum())
        vehicles = model.vehicle_positions()
        self.vehicles.set_offsets(vehicles)
        counts["vehicles_moving"] = len(vehicles)
        curbs, crowd = [], []
        for inter in model.streets.intersections:
            for crosswalk in inter.crosswalks:
                if crosswalk.waiting:
                    curbs.append(crosswalk_xy(model.walkways, inter.node, crosswalk.leg))
                    crowd.append(crosswalk.waiting)
        self.crowds.set_offsets(np.array(curbs).reshape(-1, 2))
        self.crowds.set_sizes(12 + 8 * np.array(crowd, dtype=float))
        counts["waiting"] = int(sum(crowd))
        walkers, impaired = model.pedestrian_positions()
        self.walkers.set_offsets(walkers[~impaired])
        self.impaired.set_offsets(walkers[impaired])
        counts["walking"] = len(walkers)
        counts["walking_impaired"] = int(impaired.sum())
        ambulances = model.ambulance_positions()
        self.ambulances.set_offsets(ambulances)
        counts["ambulances"] = len(ambulances)
        down = compromised(model)
        for name, (normal, hit) in self.sensors.items():
            normal.set_visible(name not in down)
            hit.set_visible(name in down)
        counts["sensors"] = sum(len(xy) for xy in sensor_positions(model).values())
        seen = detection_positions(model)
        for identified, rings in enumerate(self.seen):
            rings.set_offsets(seen[seen[:, 2] == identified][:, :2])
        counts["detections"] = len(model.detections.sensor)
        counts["identified"] = int(model.detections.identified.sum())
        fallen = sorted(down_intersections(model, down))
        self.fallen.set_offsets(np.array([model.node_xy(n) for n in fallen]).reshape(-1, 2))
        counts["compromised"] = len(down)
        return counts

    def _layer(self, layer: SegmentLayer) -> int:
        """Recolour a service's sidewalk layer (drawn once, when first shown)."""
        lines = self.layers.get(layer.label)
        if lines is None:
            lines = LineCollection(
                list(self.segments),
                linewidths=1.2 if layer.dashed else 3,
                linestyles="dashed" if layer.dashed else "solid",
                zorder=2 if layer.dashed else 1,
            )
            self.axes.add_collection(lines)
            self.layers[layer.label] = lines
        drawn = layer.shade > 0
        if layer.colour in matplotlib.colormaps:
            colours = matplotlib.colormaps[layer.colour](np.clip(layer.shade, 0, 1))
        else:
            colours = np.tile(to_rgba(layer.colour), (len(layer.shade), 1))
        colours[~drawn, 3] = 0.0  # a segment at 0 is not drawn
        lines.set_color(colours)
        return int(drawn.sum())

    def png(self) -> bytes:
        """The figure now as PNG (fast zlib level: the frame is shown once)."""
        return figure_png(self.canvas)


def figure_png(canvas: FigureCanvasAgg) -> bytes:
    """Draw ``canvas`` and encode it as PNG at zlib level 1 (about 3x faster than
    matplotlib's default, for a file about 15 % larger)."""
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="png", compress_level=1)
    return out.getvalue()


_PAINTERS: weakref.WeakKeyDictionary[ExplorerModel, MapPainter] = weakref.WeakKeyDictionary()


def district_png(model: ExplorerModel) -> tuple[bytes, dict[str, int]]:
    """The map of ``model`` now as PNG, with how many of each thing it shows (the model's
    painter is kept for its next frame)."""
    painter = _PAINTERS.get(model)
    if painter is None:
        painter = _PAINTERS[model] = MapPainter(model)
    counts = painter.update()
    return painter.png(), counts


def district_figure(model: ExplorerModel) -> tuple[Figure, dict[str, int]]:
    """A new figure with the district map now, and how many of each thing it shows."""
    painter = MapPainter(model)
    counts = painter.update()
    return painter.figure, counts
