"""Figures comparing policies: the trade-off plot with its Pareto front, the paired
differences against a reference, and small multiples of every family.

Every policy's marker is drawn: policies with equal results stand side by side around
their common value (each with its own interval), and each group of them carries one
label, placed clear of every other label and marker. Values arrive as shown (shares in
per cent, intervals already within the metric's range).

Imported only when writing comparisons, so the model runs without matplotlib.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from metrics.label_placement import LabelRequest, place_labels

__all__ = [
    "DPI",
    "Difference",
    "PolicyPoint",
    "merged_codes",
    "plot_differences",
    "plot_overview",
    "plot_tradeoff",
]

DPI = 110
#: Markers closer than this (px) are one place; its policies stand side by side.
SAME_PLACE_PX = 7.0
#: Distance between the centres of markers standing side by side (px).
SIDE_BY_SIDE_PX = 10.0
MARKER_PT = 6.0  # marker diameter (points)


@dataclass(frozen=True)
class PolicyPoint:
    """One policy on a trade-off plot: its short code, its group (the colour), means
    and 95 % interval ends (NaN: unknown), and whether it is the reference."""

    label: str
    group: str
    x: float
    x_low: float
    x_high: float
    y: float
    y_low: float
    y_high: float
    reference: bool = False


def plot_tradeoff(
    points: Sequence[PolicyPoint],
    front: np.ndarray,
    x_label: str,
    y_label: str,
    path: Path,
    title: str,
    group_label: str = "",
    key: str = "",
) -> Figure:
    """Each policy a marker with its 95 % intervals, coloured by group; the Pareto front
    ringed and joined by a dashed line; one label per place (``key`` explains the codes,
    under the plot). Returns the figure as saved."""
    fig = Figure(figsize=(9, 7), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.26 if key else 0.2, 0.86, 0.66 if key else 0.72))
    ax.set_xlim(*_limits([v for p in points for v in (p.x_low, p.x, p.x_high)]))
    ax.set_ylim(*_limits([v for p in points for v in (p.y_low, p.y, p.y_high)]))
    canvas.draw()  # fixes the transforms the places are measured in
    shown = [p for p in points if np.isfinite(p.x) and np.isfinite(p.y)]
    places = _places(ax, shown)
    groups = list(dict.fromkeys(p.group for p in points))
    colour = {group: colormaps["tab10"](i % 10) for i, group in enumerate(groups)}
    to_data = ax.transData.inverted()
    obstacles, requests = [], []
    for members, centre in places:
        xy = _side_by_side(centre, len(members))
        for p, (px, py) in zip(members, xy, strict=True):
            x, y = to_data.transform((px, py))
            err_x = _bar(p.x, p.x_low, p.x_high)
            err_y = _bar(p.y, p.y_low, p.y_high)
            ax.errorbar(
                x,
                y,
                xerr=err_x,
                yerr=err_y,
                fmt="none",
                ecolor=colour[p.group],
                elinewidth=1.0,
                capsize=2.5,
                alpha=0.8,
                zorder=3,
            )
            ax.plot(
                x,
                y,
                marker="*" if p.reference else "o",
                ms=MARKER_PT * (1.5 if p.reference else 1),
                color=colour[p.group],
                mec="white",
                mew=0.6,
                ls="",
                zorder=5,
                gid=f"policy:{p.label}",
            )
            radius = MARKER_PT * DPI / 72 / 2 + 1
            obstacles.append((px - radius, py - radius, px + radius, py + radius))
            obstacles += _bar_boxes(ax, p, px, py)
        x0 = min(px for px, _ in xy) - 5
        x1 = max(px for px, _ in xy) + 5
        text = merged_codes([p.label for p in members], [p.label for p in points])
        tones = {p.group for p in members}
        tone = _darker(colour[members[0].group]) if len(tones) == 1 else "black"
        requests.append(LabelRequest(text, (x0, centre[1] - 5, x1, centre[1] + 5), tone))
    index = {id(p): i for i, p in enumerate(points)}
    ringed = [(members, _side_by_side(centre, len(members))) for members, centre in places]
    on_front = []
    for members, xy in ringed:
        for p, (px, py) in zip(members, xy, strict=True):
            if front[index[id(p)]]:
                x, y = to_data.transform((px, py))
                ax.plot(
                    x,
                    y,
                    marker="o",
                    ms=MARKER_PT * 2.1,
                    mfc="none",
                    mec="black",
                    mew=1.2,
                    ls="",
                    zorder=4,
                )
                on_front.append((p.x, p.y))
    if on_front:
        line = sorted(set(on_front))
        ax.plot(*zip(*line, strict=True), color="black", lw=1.2, ls="--", zorder=1)
    place_labels(ax, requests, obstacles)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], marker="o", ls="", color=colour[g], label=g or "policy") for g in groups
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            ms=MARKER_PT * 2.1,
            mfc="none",
            mec="black",
            ls="--",
            color="black",
            label="Pareto front",
        )
    )
    if any(p.reference for p in points):
        handles.append(Line2D([], [], marker="*", ls="", color="0.3", ms=9, label="reference"))
    fig.legend(
        handles=handles,
        title=group_label or None,
        loc="lower center",
        ncols=min(len(handles), 6),
        fontsize=8,
        title_fontsize=8,
        bbox_to_anchor=(0.5, 0.1 if key else 0.02),
        frameon=False,
    )
    if key:
        fig.text(0.5, 0.015, key, ha="center", va="bottom", fontsize=7.5, wrap=True, color="0.25")
    fig.savefig(path, dpi=DPI)
    return fig


def merged_codes(codes: Sequence[str], every: Sequence[str] = ()) -> str:
    """One label for policies standing at one place, part by part (codes are parts joined
    by ``-``): a part they share as is, the values they cover joined by ``/``
    (``S/F-10min-R``), or ``*`` when they cover every value of that part among ``every``
    code (``S/F-*-R``); a single code is itself."""
    if len(codes) == 1:
        return codes[0]
    rows = [code.split("-") for code in codes]
    if len({len(row) for row in rows}) != 1:
        return ", ".join(codes)
    width = len(rows[0])
    others = [code.split("-") for code in every if len(code.split("-")) == width]
    parts = []
    for i in range(width):
        values = list(dict.fromkeys(row[i] for row in rows))
        possible = {row[i] for row in others}
        parts.append("*" if len(values) > 1 and set(values) == possible else "/".join(values))
    return "-".join(parts)


@dataclass(frozen=True)
class Difference:
    """A policy's paired difference from the reference on one metric, as shown."""

    label: str
    mean: float
    low: float
    high: float


def plot_differences(
    panels: Sequence[tuple[str, str, Sequence[Difference]]],
    path: Path,
    title: str,
) -> Figure:
    """One panel per metric: each policy's paired difference from the reference with its
    95 % interval; a difference whose interval leaves out zero is drawn dark.

    Args:
        panels: (axis label, which side is better: ``lower``/``higher``/"", differences).
    """
    count = max(1, len(panels))
    rows = max((len(d) for _, _, d in panels), default=1)
    fig = Figure(figsize=(4.6 * count, 1.4 + 0.24 * rows), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, count, squeeze=False)[0]
    for ax, (label, better, differences) in zip(axes, panels, strict=False):
        ys = np.arange(len(differences))[::-1]
        for y, d in zip(ys, differences, strict=True):
            clear = np.isfinite(d.low) and np.isfinite(d.high) and (d.low > 0 or d.high < 0)
            tone = "tab:blue" if clear else "0.6"
            if np.isfinite(d.low) and np.isfinite(d.high):
                ax.plot([d.low, d.high], [y, y], color=tone, lw=1.6)
            ax.plot(d.mean, y, "o", color=tone, ms=4.5)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(ys, [d.label for d in differences], fontsize=7)
        ax.set_xlabel(label, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
        if better:
            side = "left" if better == "lower" else "right"
            ax.set_title(f"better to the {side}", fontsize=8, color="0.35")
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=DPI)
    return fig


def plot_overview(
    panels: Sequence[tuple[str, Sequence[str], np.ndarray, np.ndarray, np.ndarray]],
    path: Path,
    title: str,
) -> Figure:
    """Small multiples: one panel per metric, each policy's mean and 95 % interval.

    Args:
        panels: (metric label, policy codes, means, interval lows, interval highs).
    """
    count = max(1, len(panels))
    cols = min(3, count)
    rows = (count + cols - 1) // cols
    n_policies = max((len(labels) for _, labels, *_ in panels), default=1)
    height = 1.0 + rows * (0.9 + 0.2 * n_policies)
    fig = Figure(figsize=(4.4 * cols, height), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, (label, labels, means, lows, highs) in zip(axes.flat, panels, strict=False):
        ys = np.arange(len(labels))[::-1]
        ax.errorbar(
            means, ys, xerr=_bar(means, lows, highs), fmt="o", color="tab:blue", capsize=2, ms=3.5
        )
        ax.set_yticks(ys, labels, fontsize=7)
        ax.set_title(_wrap(label, 48), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=DPI)
    return fig


def _darker(colour: tuple[float, ...]) -> str:
    """A group's colour, darkened for text."""
    return "#" + "".join(f"{round(255 * 0.7 * c):02x}" for c in colour[:3])


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of about ``width`` characters, at commas and spaces."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _places(
    ax: object, points: Sequence[PolicyPoint]
) -> list[tuple[list[PolicyPoint], tuple[float, float]]]:
    """Policies grouped by where their markers fall, each group with its centre in
    display px: markers within ``SAME_PLACE_PX`` share a place, and places whose markers,
    set side by side, would touch another place's are merged until none do."""
    transform = ax.transData  # type: ignore[attr-defined]
    pixels = np.array([transform.transform((p.x, p.y)) for p in points]).reshape(-1, 2)
    groups: list[list[int]] = []
    for i, (px, py) in enumerate(pixels):
        for group in groups:
            if any(np.hypot(px - pixels[j][0], py - pixels[j][1]) <= SAME_PLACE_PX for j in group):
                group.append(i)
                break
        else:
            groups.append([i])

    def centre(group: list[int]) -> tuple[float, float]:
        return (float(pixels[group, 0].mean()), float(pixels[group, 1].mean()))

    merged = True
    while merged:
        merged = False
        rows = [np.array(_side_by_side(centre(g), len(g))) for g in groups]
        for a, b in itertools.combinations(range(len(groups)), 2):
            gaps = np.hypot(*(rows[a][:, None, :] - rows[b][None, :, :]).transpose(2, 0, 1))
            if gaps.min() < SIDE_BY_SIDE_PX - 1:
                groups[a] += groups.pop(b)
                merged = True
                break
    return [([points[i] for i in group], centre(group)) for group in groups]


def _bar_boxes(
    ax: object, p: PolicyPoint, px: float, py: float
) -> list[tuple[float, float, float, float]]:
    """Display boxes of a marker's two error bars (with their caps), as drawn at (px, py)."""
    transform = ax.transData  # type: ignore[attr-defined]
    boxes = []
    if np.isfinite(p.x_low) and np.isfinite(p.x_high):
        left = transform.transform((p.x_low, p.y))[0] + px - transform.transform((p.x, p.y))[0]
        right = transform.transform((p.x_high, p.y))[0] + px - transform.transform((p.x, p.y))[0]
        boxes.append((left - 1, py - 3, right + 1, py + 3))
    if np.isfinite(p.y_low) and np.isfinite(p.y_high):
        bottom = transform.transform((p.x, p.y_low))[1] + py - transform.transform((p.x, p.y))[1]
        top = transform.transform((p.x, p.y_high))[1] + py - transform.transform((p.x, p.y))[1]
        boxes.append((px - 3, bottom - 1, px + 3, top + 1))
    return boxes


def _side_by_side(centre: tuple[float, float], count: int) -> list[tuple[float, float]]:
    """Display positions of ``count`` markers in a row centred on ``centre``."""
    cx, cy = centre
    return [(cx + (i - (count - 1) / 2) * SIDE_BY_SIDE_PX, cy) for i in range(count)]


def _limits(values: Sequence[float]) -> tuple[float, float]:
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if finite.size == 0:
        return (0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    span = high - low if high > low else max(abs(high), 1.0)
    return (low - 0.08 * span, high + 0.08 * span)


def _bar(
    means: float | Sequence[float] | np.ndarray,
    lows: float | Sequence[float] | np.ndarray,
    highs: float | Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Asymmetric error bar lengths; unknown interval ends draw no bar."""
    m = np.atleast_1d(np.asarray(means, dtype=float))
    lo = np.nan_to_num(m - np.atleast_1d(np.asarray(lows, dtype=float)), nan=0.0)
    hi = np.nan_to_num(np.atleast_1d(np.asarray(highs, dtype=float)) - m, nan=0.0)
    return np.vstack([np.maximum(lo, 0.0), np.maximum(hi, 0.0)])
