"""Drawing of the integration graph with the compromised part highlighted (needs matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import FuncFormatter

from metrics.plots import hh_mm, save_png, subplots

__all__ = ["plot_attack_timeline", "plot_component_graph"]


def plot_component_graph(
    graph: nx.DiGraph,
    compromised: Mapping[str, float],
    path: Path,
    title: str = "Integration graph",
) -> Path:
    """Draw ``graph`` (nodes carrying a ``component`` with a ``zone``) to ``path``.

    Components that fell are red, the rest grey; node labels drop the
    intersection index of signal controllers' kind; trust paths are drawn
    thicker the more likely they are traversed, with a head by the component
    they lead to. Edges are one collection and heads one quiver, so a district
    of hundreds of controllers draws as fast as a small one.
    """
    zones = sorted({graph.nodes[n]["component"].zone for n in graph})
    # Zones on a circle, their components around each zone's centre: zones read as islands.
    layout = nx.shell_layout(
        graph, nlist=[[n for n in graph if _zone(graph, n) == z] for z in zones]
    )
    layout = nx.spring_layout(graph, pos=layout, seed=1, iterations=30, k=0.6)
    fig, ax = subplots(figsize=(9, 7))
    edges = list(graph.edges(data="traversal"))
    if edges:
        tails = np.array([layout[u] for u, _, _ in edges], dtype=float)
        heads = np.array([layout[v] for _, v, _ in edges], dtype=float)
        widths = [0.3 + 2.0 * (d or 0.0) for _, _, d in edges]
        segments = list(np.stack([tails, heads], axis=1))
        ax.add_collection(LineCollection(segments, linewidths=widths, colors="k", alpha=0.35))
        direction = heads - tails
        lengths = np.hypot(direction[:, 0], direction[:, 1])
        unit = direction / np.where(lengths > 0, lengths, 1.0)[:, None]
        tip = heads - 0.04 * unit  # stop short of the node's disc
        ax.quiver(
            *(tip - 0.05 * unit).T,
            *(0.05 * unit).T,
            angles="xy",
            scale_units="xy",
            scale=1,
            color="k",
            alpha=0.5,
            width=0.0015,
            headwidth=5,
            headlength=6,
            headaxislength=5,
        )
    colours = ["tab:red" if n in compromised else "lightgrey" for n in graph]
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_color=colours, node_size=160)
    labels = {n: n for n in graph if not n.split(":")[-1].isdigit() or n.endswith(":0")}
    nx.draw_networkx_labels(graph, layout, labels=labels, ax=ax, font_size=7)
    fallen = sum(1 for n in graph if n in compromised)
    ax.set_title(f"{title}: {fallen} of {graph.number_of_nodes()} components compromised")
    ax.margins(0.12)  # room for the labels of components on the rim
    ax.set_axis_off()
    fig.tight_layout()
    save_png(fig, path)
    return path


def _zone(graph: nx.DiGraph, name: str) -> str:
    zone: str = graph.nodes[name]["component"].zone
    return zone


def plot_attack_timeline(
    attacked: Mapping[str, np.ndarray],
    baseline: Mapping[str, np.ndarray],
    attacks: Sequence[tuple[float, float]],
    path: Path,
    start_hour: float = 0.0,
    restoration_s: float = 0.0,
    name: str = "",
) -> Path:
    """Mean vehicle delay and queued vehicles through the attack against the counterfactual.

    ``attacked`` and ``baseline`` are time series (``metrics.timeseries``) with
    ``time_s``, ``vehicle_delay_s_mean`` and ``vehicles_queued``; ``attacks`` are
    (start, end) spans shaded in red, the ``restoration_s`` after each more lightly
    (disrupted components stay down until then).
    """
    fig, (top, bottom) = subplots(2, 1, figsize=(9, 6), sharex=True)
    for series, label, style in (
        (baseline, "without the attack", "--"),
        (attacked, "attacked", "-"),
    ):
        hours = start_hour + np.asarray(series["time_s"], dtype=float) / 3600.0
        top.plot(hours, series["vehicle_delay_s_mean"], ls=style, color="tab:blue", label=label)
        bottom.plot(hours, series["vehicles_queued"], ls=style, color="tab:blue", label=label)
    for start, end in attacks:
        for ax in (top, bottom):
            ax.axvspan(
                start_hour + start / 3600, start_hour + end / 3600, color="tab:red", alpha=0.1
            )
            if restoration_s > 0:
                ax.axvspan(
                    start_hour + end / 3600,
                    start_hour + (end + restoration_s) / 3600,
                    color="tab:red",
                    alpha=0.04,
                )
    top.set_ylabel("mean vehicle delay (s)")
    top.set_xlim(*(start_hour + np.asarray(attacked["time_s"], dtype=float)[[0, -1]] / 3600.0))
    top.set_title(
        (f"{name}: " if name else "")
        + (
            "the city through the attack (shaded; restoration lighter) and without it"
            if restoration_s > 0
            else "the city through the attack (shaded) and without it"
        )
    )
    top.legend(loc="upper right")
    bottom.set_ylabel("vehicles queued")
    bottom.xaxis.set_major_formatter(FuncFormatter(hh_mm))
    bottom.set_xlabel("clock time (HH:MM)")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, path)
    return path
