"""Plots of snow on the sidewalks: depth maps over time and the heating timeline.

Imported only when writing results, so the model runs without matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from metrics.plots import hh_mm, subplots

MAX_PANELS = 6
#: Snow light to deep blue, bare pavement (under the threshold) dark grey; heated outlined orange.
DEPTH_CMAP = LinearSegmentedColormap.from_list(
    "snow", ["#c6dbef", "#6baed6", "#08306b"]
).with_extremes(under="#595959")
HEATED_OUTLINE = "#f28e2b"


def clock_label(time_s: float, start_hour: float) -> str:
    """``HH:MM`` clock time of sim time ``time_s``, with the day after the first."""
    minutes = round((start_hour * 3600.0 + time_s) / 60.0)
    day, minute_of_day = divmod(minutes, 24 * 60)
    label = f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"
    return f"day {day + 1} {label}" if day else label


def plot_snow_depth_maps(
    snapshots: Sequence[tuple[float, np.ndarray]],
    segments_xy: np.ndarray,
    heated: np.ndarray,
    path: Path | str,
    start_hour: float,
    title: str,
    bare_below_cm: float = 0.5,
) -> None:
    """Small multiples of the district, each sidewalk segment coloured by snow depth.

    Args:
        snapshots: ``(time_s, depth_cm per segment)``; up to six, evenly spread, are drawn.
        segments_xy: shape ``(n, 2, 2)``, the two endpoints of each segment (m; x east,
            y north).
        heated: which segments are heated (drawn thicker, outlined in black).
        path: PNG file to write.
        start_hour: clock hour at sim time 0.
        title: figure title.
        bare_below_cm: shallower snow is drawn as bare pavement (the snow-covered threshold).
    """
    if not snapshots:
        raise ValueError("plot_snow_depth_maps needs at least one snapshot")
    segments_xy = np.asarray(segments_xy, dtype=float)
    heated = np.asarray(heated, dtype=bool)
    count = min(MAX_PANELS, len(snapshots))
    chosen = [snapshots[i] for i in np.linspace(0, len(snapshots) - 1, count).round().astype(int)]
    deepest = max(float(np.max(depth, initial=0.0)) for _, depth in chosen)
    norm = Normalize(vmin=bare_below_cm, vmax=max(deepest, bare_below_cm + 1.0))
    cols = min(3, count)
    rows = -(-count // cols)
    fig, axes = subplots(
        rows,
        cols,
        figsize=(4.2 * cols + 1.2, 4.0 * rows + 0.6),
        squeeze=False,
        layout="constrained",
    )
    lo, hi = segments_xy.reshape(-1, 2).min(axis=0), segments_xy.reshape(-1, 2).max(axis=0)
    pad = 0.04 * float(max(hi - lo))
    for ax, (time_s, depth) in zip(axes.ravel(), chosen, strict=False):
        depth = np.asarray(depth, dtype=float)
        ax.add_collection(
            LineCollection(segments_xy[heated], colors=HEATED_OUTLINE, linewidths=6.5)
        )
        for mask, width in ((~heated, 2.0), (heated, 3.5)):
            lines = LineCollection(segments_xy[mask], cmap=DEPTH_CMAP, norm=norm, linewidths=width)
            lines.set_array(depth[mask])
            ax.add_collection(lines)
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)  # north up
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(clock_label(time_s, start_hour))
    for ax in axes.ravel()[count:]:
        ax.set_visible(False)
    fig.colorbar(
        ScalarMappable(norm, DEPTH_CMAP),
        ax=axes.ravel().tolist(),
        label="snow depth (cm)",
        shrink=0.8,
        extend="min",
    )
    outline = patheffects.withStroke(linewidth=6.5, foreground=HEATED_OUTLINE)
    fig.legend(
        handles=[
            Line2D([], [], color=DEPTH_CMAP(-1.0), lw=2.0, label="unheated (grey: bare)"),
            Line2D([], [], color=DEPTH_CMAP(-1.0), lw=3.5, path_effects=[outline], label="heated"),
        ],
        loc="outside lower center",
        ncols=2,
    )
    fig.suptitle(title)
    fig.savefig(path, dpi=120)


def plot_heating_timeline(
    times_s: np.ndarray,
    depth_unheated_cm: np.ndarray,
    depth_heated_cm: np.ndarray,
    heating_on_share: np.ndarray,
    path: Path | str,
    start_hour: float,
    title: str,
) -> None:
    """Snow depth on heated vs unheated sidewalk, and the share of heated segments ON."""
    hours = start_hour + np.asarray(times_s, dtype=float) / 3600.0
    fig, (top, bottom) = subplots(
        2, 1, figsize=(9, 6), sharex=True, height_ratios=(2, 1), layout="constrained"
    )
    top.plot(hours, depth_unheated_cm, color="tab:blue", label="unheated sidewalk")
    top.plot(hours, depth_heated_cm, color="tab:red", label="heated sidewalk")
    top.axhline(0.5, color="0.5", ls=":", lw=1, label="snow-covered threshold")
    top.set_ylabel("snow depth (cm)")
    top.set_ylim(bottom=0)
    top.legend(loc="upper left")
    top.set_title(title)
    bottom.step(hours, 100.0 * np.asarray(heating_on_share), where="post", color="tab:red")
    bottom.set_ylabel("heated segments ON (%)")
    bottom.set_ylim(-2, 102)
    bottom.xaxis.set_major_formatter(FuncFormatter(hh_mm))
    bottom.set_xlabel("clock time (HH:MM)")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.savefig(path, dpi=120)
