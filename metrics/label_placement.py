"""Point labels that never overlap: each label goes to the nearest free place around its
point (above, below, right, left, then the diagonals, ever further out), clear of every
other label and every marker, inside the axes; a label set far off gets a thin line
back to its point.

Works in display pixels on a drawn figure (``FigureCanvasAgg``), so what is checked is
what is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["LabelRequest", "place_labels"]

#: Distances (px) from the point's box to a label, tried nearest first.
DISTANCES = (4, 10, 18, 28, 40, 55, 75, 100, 130, 170)
#: Directions tried at each distance: above, below (centred: clearly whose), right, left,
#: then the diagonals.
DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1))
#: A label further than this from its point (px) is joined to it by a line.
LEADER_FROM = 12
#: Space kept between two labels, and between a label and a marker (px).
GAP = 2.0


@dataclass(frozen=True)
class LabelRequest:
    """A label for the markers inside ``anchor`` (display px: x0, y0, x1, y1), in
    ``colour`` (their group's, so a label reads as theirs)."""

    text: str
    anchor: tuple[float, float, float, float]
    colour: str = "black"


def place_labels(
    ax: Axes,
    requests: Sequence[LabelRequest],
    obstacles: Sequence[tuple[float, float, float, float]],
    fontsize: float = 7.0,
) -> list[Text]:
    """Add each label to ``ax`` at the first free place; returns the texts (``gid``
    ``label``). ``obstacles`` are the markers' boxes (display px)."""
    fig = cast(Figure, ax.figure)
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    inside = ax.get_window_extent(renderer).padded(-2)
    taken = [Bbox.from_extents(*box).padded(GAP) for box in obstacles]
    to_data = ax.transData.inverted()
    texts = []
    # the crowded labels first: they have the fewest free places
    order = sorted(range(len(requests)), key=lambda i: -_neighbours(requests, i))
    for index in order:
        request = requests[index]
        x0, y0, x1, y1 = request.anchor
        probe = ax.annotate(request.text, (0, 0), xycoords="figure pixels", fontsize=fontsize)
        extent = probe.get_window_extent(renderer)
        width, height = extent.width, extent.height
        probe.remove()
        spot = _free_spot(request.anchor, width, height, inside, taken)
        left, bottom, far = spot
        box = Bbox.from_bounds(left, bottom, width, height)
        taken.append(box.padded(GAP))
        centre = to_data.transform(((left + width / 2), (bottom + height / 2)))
        text = ax.text(
            float(centre[0]), float(centre[1]), request.text, fontsize=fontsize, ha="center",
            va="center", gid="label", zorder=6, color=request.colour,
        )  # fmt: skip
        texts.append(text)
        if far:
            point = to_data.transform(((x0 + x1) / 2, (y0 + y1) / 2))
            edge = to_data.transform(_nearest_edge(box, (x0 + x1) / 2, (y0 + y1) / 2))
            ax.plot(*zip(point, edge, strict=True), color="0.3", lw=0.8, zorder=6)
    return texts


def _free_spot(
    anchor: tuple[float, float, float, float],
    width: float,
    height: float,
    inside: Bbox,
    taken: list[Bbox],
) -> tuple[float, float, bool]:
    """(left, bottom, far) of the first place for a ``width`` x ``height`` label around
    ``anchor`` that is inside the axes and overlaps nothing taken; the least crowded
    place tried when there is none."""
    x0, y0, x1, y1 = anchor
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    best: tuple[float, tuple[float, float, bool]] | None = None
    for distance in DISTANCES:
        for dx, dy in DIRECTIONS:
            left = x1 + distance if dx > 0 else x0 - distance - width if dx < 0 else cx - width / 2
            bottom = (
                y1 + distance if dy > 0 else y0 - distance - height if dy < 0 else cy - height / 2
            )
            box = Bbox.from_bounds(left, bottom, width, height)
            spot = (left, bottom, distance > LEADER_FROM)
            if not _contains(inside, box):
                continue
            hits = sum(box.overlaps(other) for other in taken)
            if hits == 0:
                return spot
            if best is None or hits < best[0]:
                best = (hits, spot)
    if best is not None:
        return best[1]
    return (x1 + DISTANCES[0], cy - height / 2, False)


def _contains(outer: Bbox, inner: Bbox) -> bool:
    return bool(
        inner.x0 >= outer.x0 and inner.x1 <= outer.x1 and inner.y0 >= outer.y0
        and inner.y1 <= outer.y1
    )  # fmt: skip


def _nearest_edge(box: Bbox, x: float, y: float) -> tuple[float, float]:
    """The point of ``box``'s outline nearest to (x, y)."""
    return (min(max(x, box.x0), box.x1), min(max(y, box.y0), box.y1))


def _neighbours(requests: Sequence[LabelRequest], index: int, radius: float = 60.0) -> int:
    x0, y0, x1, y1 = requests[index].anchor
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    count = 0
    for other in requests:
        ox0, oy0, ox1, oy1 = other.anchor
        if abs((ox0 + ox1) / 2 - cx) < radius and abs((oy0 + oy1) / 2 - cy) < radius:
            count += 1
    return count
