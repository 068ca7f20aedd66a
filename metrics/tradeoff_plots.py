"""Figures comparing policies: a trade-off plot with the Pareto front, and small multiples.

Imported only when writing comparisons, so the model runs without matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps

from metrics.plots import subplots

__all__ = ["PolicyPoint", "merged_labels", "plot_overview", "plot_tradeoff"]


@dataclass(frozen=True)
class PolicyPoint:
    """One policy on a trade-off plot: means with 95 % interval ends (NaN: unknown)."""

    label: str
    group: str
    x: float
    x_low: float
    x_high: float
    y: float
    y_low: float
    y_high: float


def plot_tradeoff(
    points: Sequence[PolicyPoint],
    front: np.ndarray,
    x_label: str,
    y_label: str,
    path: Path,
    title: str,
    group_label: str = "",
) -> None:
    """Each policy a point with 95 % error bars, coloured by group; the Pareto front
    joined by a line and its points ringed."""
    fig, ax = subplots(figsize=(8, 6))
    groups = list(dict.fromkeys(p.group for p in points))
    colours = colormaps["tab10"]
    for index, group in enumerate(groups):
        members = [p for p in points if p.group == group]
        xs = np.array([p.x for p in members])
        ys = np.array([p.y for p in members])
        xerr = _errors(
            [p.x for p in members], [p.x_low for p in members], [p.x_high for p in members]
        )
        yerr = _errors(
            [p.y for p in members], [p.y_low for p in members], [p.y_high for p in members]
        )
        ax.errorbar(
            xs,
            ys,
            xerr=xerr,
            yerr=yerr,
            fmt="o",
            color=colours(index % 10),
            capsize=3,
            label=group or None,
        )
    on_front = [p for p, keep in zip(points, front, strict=True) if keep]
    if on_front:
        ordered = sorted(on_front, key=lambda p: (p.x, p.y))
        ax.plot(
            [p.x for p in ordered],
            [p.y for p in ordered],
            color="black",
            lw=1.5,
            ls="--",
            zorder=1,
            label="Pareto front",
        )
        ax.scatter(
            [p.x for p in ordered],
            [p.y for p in ordered],
            s=180,
            facecolors="none",
            edgecolors="black",
            lw=1.5,
            zorder=3,
        )
    placed = sorted(merged_labels(points), key=lambda item: item[0])
    for index, ((x, y), label) in enumerate(placed):
        # Neighbours in x alternate above and below their point so close labels part.
        offset = (6, 6) if index % 2 == 0 else (6, -12)
        ax.annotate(label, (x, y), textcoords="offset points", xytext=offset, fontsize=7)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(title=group_label or None, fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")  # labels by the right edge stay whole


def merged_labels(
    points: Sequence[PolicyPoint], tolerance: float = 0.01
) -> list[tuple[tuple[float, float], str]]:
    """One label per place: policies whose means lie within ``tolerance`` of the axis
    ranges of each other share a label listing, part by part (``a / b``), the values they
    have (``10min each or 31d each / radar``), prefixed by their groups when they differ."""
    xs = np.array([p.x for p in points], dtype=float)
    ys = np.array([p.y for p in points], dtype=float)
    span_x = float(np.nanmax(xs) - np.nanmin(xs)) if np.isfinite(xs).any() else 0.0
    span_y = float(np.nanmax(ys) - np.nanmin(ys)) if np.isfinite(ys).any() else 0.0
    clusters: list[list[PolicyPoint]] = []
    for p in points:
        for cluster in clusters:
            q = cluster[0]
            if abs(p.x - q.x) <= tolerance * span_x and abs(p.y - q.y) <= tolerance * span_y:
                cluster.append(p)
                break
        else:
            clusters.append([p])
    every = [p.label.split(" / ") for p in points]
    labels = []
    for cluster in clusters:
        rows = [p.label.split(" / ") for p in cluster]
        width = max(len(r) for r in rows)
        parts = []
        for i in range(width):
            values = list(dict.fromkeys(r[i] for r in rows if i < len(r)))
            possible = {r[i] for r in every if i < len(r)}
            many = len(values) > 1 and set(values) == possible
            parts.append("any" if many else " or ".join(values))
        text = " / ".join(parts)
        groups = list(dict.fromkeys(p.group for p in cluster if p.group))
        if len(groups) > 1:
            text = f"{', '.join(groups)}: {text}"
        labels.append(((cluster[0].x, cluster[0].y), text))
    return labels


def plot_overview(
    panels: Sequence[tuple[str, Sequence[str], np.ndarray, np.ndarray, np.ndarray]],
    path: Path,
    title: str,
) -> None:
    """Small multiples: one panel per metric, each policy's mean and 95 % interval.

    Args:
        panels: (metric, policy labels, means, interval lows, interval highs).
    """
    count = max(1, len(panels))
    cols = min(3, count)
    rows = (count + cols - 1) // cols
    n_policies = max((len(labels) for _, labels, *_ in panels), default=1)
    fig, axes = subplots(
        rows, cols, figsize=(4.2 * cols, 0.9 + rows * (0.8 + 0.28 * n_policies)), squeeze=False
    )
    for ax, (metric, labels, means, lows, highs) in zip(axes.flat, panels, strict=False):
        ys = np.arange(len(labels))[::-1]
        err = _errors(means, lows, highs)
        ax.errorbar(means, ys, xerr=err, fmt="o", color="tab:blue", capsize=2)
        ax.set_yticks(ys, labels if ax in axes[:, 0] else [""] * len(labels), fontsize=7)
        family, _, name = metric.partition(".")
        ax.set_title(f"{family}\n{name}", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / height))  # leave the title its own band
    fig.savefig(path, dpi=110)


def _errors(
    means: Sequence[float] | np.ndarray,
    lows: Sequence[float] | np.ndarray,
    highs: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Asymmetric error bar lengths; unknown interval ends draw no bar."""
    m = np.asarray(means, dtype=float)
    lo = np.nan_to_num(m - np.asarray(lows, dtype=float), nan=0.0)
    hi = np.nan_to_num(np.asarray(highs, dtype=float) - m, nan=0.0)
    return np.vstack([lo, hi])
