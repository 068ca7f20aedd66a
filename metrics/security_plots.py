"""Plots of an attack over all its replications (need matplotlib).

- the integration graph, one node per kind of component (per-intersection kinds drawn
  once, with their count), coloured by the share of replications in which it fell;
- the distribution of the share of components compromised over the replications;
- delay and queued vehicles through the attack: the run without it against the band
  of the simulated attacked replications.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.ticker import FuncFormatter

from metrics.plots import hh_mm, save_png, subplots

__all__ = ["plot_attack_timeline", "plot_component_graph", "plot_compromised_share"]


def _kind(name: str) -> str:
    kind, _, index = name.rpartition(":")
    return kind if kind and index.isdigit() else name


def _label(kind: str, count: int) -> str:
    words = kind.replace("_", " ")
    return f"{words}\n(x{count})" if count > 1 else words


def plot_component_graph(
    graph: nx.DiGraph,
    fallen_share: Mapping[str, float],
    path: Path,
    title: str = "Integration graph",
) -> Path:
    """Draw ``graph`` by kind of component to ``path``, each coloured by the share of
    replications in which it (for a per-intersection kind: its average instance) fell.

    ``graph``'s nodes carry a ``component`` with a ``zone``; trust paths between kinds
    are drawn thicker the more likely they are traversed.
    """
    kinds: dict[str, list[str]] = {}
    for name in graph:
        kinds.setdefault(_kind(name), []).append(name)
    zone = {k: graph.nodes[names[0]]["component"].zone for k, names in kinds.items()}
    share = {k: float(np.mean([fallen_share.get(n, 0.0) for n in v])) for k, v in kinds.items()}
    condensed = nx.DiGraph()
    condensed.add_nodes_from(kinds)
    for u, v, p in graph.edges(data="traversal"):
        a, b = _kind(u), _kind(v)
        if a != b and p > condensed.edges.get((a, b), {}).get("traversal", -1.0):
            condensed.add_edge(a, b, traversal=p)
    zones = sorted(set(zone.values()))
    shells = [[k for k in condensed if zone[k] == z] for z in zones]
    layout = _zone_layout(shells)
    fig, ax = subplots(figsize=(11, 8))
    edges = list(condensed.edges(data="traversal"))
    if edges:
        segments = [np.array([layout[u], layout[v]]) for u, v, _ in edges]
        widths = [0.4 + 2.5 * (p or 0.0) for _, _, p in edges]
        ax.add_collection(LineCollection(segments, linewidths=widths, colors="k", alpha=0.3))
    cmap, norm = colormaps["Reds"], Normalize(0.0, 1.0)
    xy = np.array([layout[k] for k in condensed])
    sizes = [300 + 60 * min(len(kinds[k]), 20) for k in condensed]
    ax.scatter(
        xy[:, 0], xy[:, 1], s=sizes, c=[share[k] for k in condensed], cmap=cmap, norm=norm,
        edgecolors="k", linewidths=0.6, zorder=3,
    )  # fmt: skip
    for k in condensed:
        x, y = layout[k]
        ax.annotate(
            _label(k, len(kinds[k])), (x, y), xytext=(0, -16), textcoords="offset points",
            ha="center", va="top", fontsize=8, zorder=4,
        )  # fmt: skip
    for z, shell in zip(zones, shells, strict=True):
        points = np.array([layout[k] for k in shell])
        top = (points[:, 0].mean(), points[:, 1].max())  # above the zone's highest node
        ax.annotate(
            z.replace("_", " "), top, xytext=(0, 16), textcoords="offset points",
            ha="center", va="bottom", fontsize=9, style="italic", color="0.35",
        )  # fmt: skip
    colorbar = fig.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.6)
    colorbar.set_label("share of replications in which it fell")
    ax.set_title(title)
    ax.margins(0.15)
    ax.set_axis_off()
    save_png(fig, path)
    return path


def _zone_layout(shells: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    """Zones on a circle, each zone's kinds on a small circle around its centre."""
    layout: dict[str, np.ndarray] = {}
    big = 3.0 if len(shells) > 1 else 0.0
    for i, shell in enumerate(shells):
        angle = 2 * math.pi * i / max(len(shells), 1)
        centre = np.array([big * math.cos(angle), big * math.sin(angle)])
        radius = 0.0 if len(shell) == 1 else 0.35 + 0.12 * len(shell)
        for j, kind in enumerate(shell):
            a = 2 * math.pi * j / max(len(shell), 1) + angle
            layout[kind] = centre + radius * np.array([math.cos(a), math.sin(a)])
    return layout


def plot_compromised_share(
    shares: Sequence[float],
    path: Path,
    interval: tuple[float, float] | None = None,
    name: str = "",
) -> Path:
    """Histogram of the share of components compromised per replication, with its mean
    and 95 % interval."""
    values = np.asarray(shares, dtype=float)
    fig, ax = subplots(figsize=(8, 4.5))
    bins = np.linspace(0.0, max(values.max(initial=0.0) * 1.05, 0.05), 30)
    ax.hist(values, bins=bins, color="tab:red", alpha=0.7, edgecolor="white")
    mean = float(values.mean()) if len(values) else 0.0
    ax.axvline(mean, color="k", lw=1.5, label=f"mean {mean:.3f}")
    if interval is not None:
        ax.axvspan(*interval, color="k", alpha=0.12, label="95 % interval of the mean")
    ax.set_xlabel("share of components compromised")
    ax.set_ylabel("replications")
    ax.set_title(
        (f"{name}: c" if name else "C")
        + f"omponents compromised over {len(values)} replications of the attack"
    )
    ax.legend()
    ax.grid(alpha=0.3)
    save_png(fig, path)
    return path


def plot_attack_timeline(
    attacked: Sequence[Mapping[str, np.ndarray]],
    baseline: Mapping[str, np.ndarray],
    attacks: Sequence[tuple[float, float]],
    path: Path,
    start_hour: float = 0.0,
    name: str = "",
) -> Path:
    """Mean vehicle delay and queued vehicles: the run without the attack (dashed) and the
    simulated attacked replications (their range as a band, their mean as a line); the
    attacks' spans shaded."""
    fig, (top, bottom) = subplots(2, 1, figsize=(9, 6), sharex=True)
    hours = start_hour + np.asarray(baseline["time_s"], dtype=float) / 3600.0
    for ax, key, label in (
        (top, "vehicle_delay_s_mean", "mean vehicle delay (s)"),
        (bottom, "vehicles_queued", "vehicles queued"),
    ):
        ax.plot(hours, baseline[key], ls="--", color="tab:blue", label="without the attack")
        runs = [np.asarray(run[key], dtype=float) for run in attacked]
        if runs:
            n = min(len(r) for r in runs)
            stack = np.vstack([r[:n] for r in runs])
            # an interval no replication measured (no trip ended) stays a gap
            seen = ~np.isnan(stack).all(axis=0)
            low, high, mean = np.full((3, n), np.nan)
            low[seen] = np.nanmin(stack[:, seen], axis=0)
            high[seen] = np.nanmax(stack[:, seen], axis=0)
            mean[seen] = np.nanmean(stack[:, seen], axis=0)
            ax.fill_between(
                hours[:n], low, high,
                color="tab:red", alpha=0.2,
                label=f"attacked: range of {len(runs)} simulated replications",
            )  # fmt: skip
            ax.plot(hours[:n], mean, color="tab:red", label="attacked: mean")
        for start, end in attacks:
            ax.axvspan(start_hour + start / 3600, start_hour + end / 3600, color="k", alpha=0.07)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    top.set_title(
        (f"{name}: " if name else "")
        + "the city through the attack (shaded: the attacker's time) and without it"
    )
    top.legend(loc="upper left", fontsize=8)
    bottom.xaxis.set_major_formatter(FuncFormatter(hh_mm))
    bottom.set_xlabel("clock time")
    save_png(fig, path)
    return path
