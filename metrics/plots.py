"""Plots of a run: delay over time and a map of intersection delay.

Imported only when writing results, so the model runs without matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator


def subplots(
    *grid: int, figsize: tuple[float, float], layout: Literal["constrained"] | None = None, **kw
):  # type: ignore[no-untyped-def]
    """A figure and its axes, without pyplot (so no global backend is chosen or switched)."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(*grid, **kw)


def save_png(fig: Figure, path: Path, dpi: int = 120) -> None:
    """Write ``fig`` as PNG at zlib level 1: files ~10 % larger, encoding ~3x faster."""
    fig.savefig(path, dpi=dpi, pil_kwargs={"compress_level": 1})


def _clock_hours(time_s: np.ndarray, start_hour: float) -> np.ndarray:
    return start_hour + time_s / 3600.0


def hh_mm(hours: float, _position: object = None) -> str:
    """``HH:MM`` of a clock time in hours (past midnight: ``+1d HH:MM``)."""
    minutes = round(hours * 60)
    day, minute = divmod(minutes, 24 * 60)
    label = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"+{day}d {label}" if day else label


def plot_delay_over_time(
    series: Mapping[str, np.ndarray], path: Path, start_hour: float, title: str
) -> None:
    """Mean vehicle delay and mean pedestrian curb wait per interval, warm-up shaded."""
    hours = _clock_hours(series["time_s"], start_hour)
    fig, (top, bottom) = subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot(hours, series["vehicle_delay_s_mean"], color="tab:blue", label="vehicle delay")
    top.plot(
        hours,
        series["pedestrian_signal_wait_s_mean"],
        color="tab:orange",
        label="pedestrian curb wait",
    )
    top.set_ylabel("mean per interval (s)")
    top.set_ylim(bottom=0)
    top.legend(loc="upper right")
    top.set_title(title)
    bottom.plot(hours, series["vehicles_in_network"], color="tab:blue", label="vehicles in network")
    bottom.plot(
        hours, series["vehicles_queued"], color="tab:blue", ls="--", label="vehicles queued"
    )
    bottom.plot(
        hours, series["pedestrians_walking"], color="tab:orange", label="pedestrians walking"
    )
    bottom.set_ylabel("count")
    bottom.set_ylim(bottom=0)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.xaxis.set_major_formatter(FuncFormatter(hh_mm))
    bottom.set_xlabel("clock time (HH:MM); vehicle delay by trip end, finished trips only")
    bottom.legend(loc="upper right")
    warm = series["in_warmup"] > 0
    if warm.any():
        end = hours[warm][-1] + (hours[1] - hours[0] if len(hours) > 1 else 0)
        for ax in (top, bottom):
            ax.axvspan(hours[0], end, color="0.9", zorder=0, label="_warm-up")
            ax.text(hours[0], ax.get_ylim()[1], " warm-up", va="top", fontsize=8, color="0.4")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    # fixed margins instead of tight_layout (a second layout pass over every label)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.09, hspace=0.1)
    save_png(fig, path)


def plot_intersection_map(
    values: np.ndarray, path: Path, title: str, label: str, cmap: str = "viridis"
) -> None:
    """The grid's intersections coloured by ``values`` (rows x cols), streets drawn."""
    rows, cols = values.shape
    # inches per block: large grids shrink to a readable page instead of a poster
    # (a 20 x 20 map at 1.2 in per block was a 3,200-pixel PNG)
    inch = min(1.2, 9.0 / max(rows, cols))
    fig, ax = subplots(figsize=(inch * cols + 3, inch * rows + 1.5))
    street_lw = 4 * inch / 1.2
    ax.hlines(range(rows), -0.7, cols - 0.3, color="0.75", lw=street_lw, zorder=1)
    ax.vlines(range(cols), -0.7, rows - 0.3, color="0.75", lw=street_lw, zorder=1)
    col_index, row_index = np.meshgrid(np.arange(cols), np.arange(rows))
    points = ax.scatter(
        col_index.ravel(),
        row_index.ravel(),
        c=values.ravel(),
        # small grids leave room for the printed values; large ones fill ~45 % of a block
        s=2400 / max(rows, cols) if max(rows, cols) <= 8 else (0.45 * 72 * inch) ** 2,
        cmap=cmap,
        edgecolors="black",
        zorder=2,
        vmin=0,
    )
    if rows * cols <= 64:
        top = max(float(np.nanmax(values)), 1e-9)
        for r in range(rows):
            for c in range(cols):
                dark = values[r, c] / top < 0.6
                ax.annotate(
                    f"{values[r, c]:.0f}",
                    (c, r),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                    zorder=3,
                )
    fig.colorbar(points, ax=ax, label=label)
    ax.set_xlim(-0.7, cols - 0.3)
    ax.set_ylim(rows - 0.3, -0.7)
    ax.set_aspect("equal")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel("column (west → east)")
    ax.set_ylabel("row (north → south)")
    ax.set_title(title)
    if min(rows, cols) >= 4:  # room for the labels at fixed margins
        _margins_in(fig, left=0.8, right=0.15, top=0.45, bottom=0.65)
    else:
        fig.tight_layout()
    save_png(fig, path)


def _margins_in(fig: Figure, left: float, right: float, top: float, bottom: float) -> None:
    """Fixed margins in inches (instead of tight_layout, a second layout pass over every
    label; the labels here have a known size)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
    )
